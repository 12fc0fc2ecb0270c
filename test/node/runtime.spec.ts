/**
 * The device runtime (hal/runtime) as a program sees it, in QEMU: exit statuses, readable aborts, deadlock
 * detection, the promise-job loop, no parser in release firmware (and one in debug), the setup/main order, and the
 * runner's guarantees: a hung guest is stopped at the timeout with a message (and, when asked, gdb's account of
 * where it was), never left running.
 */
import assert from "node:assert/strict";

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { runQemu } from "../../qemu/qemu.ts";
import { buildFirmware } from "../../tools/lib/firmware.ts";
import { projectRoot } from "../../tools/lib/paths.ts";
import { scratchApp, type ScratchApp } from "./helpers.ts";

interface BootOptions {
  manifest?: Record<string, unknown>;
  debug?: boolean;
  timeoutMs?: number;
  postMortemSocket?: string;
}

async function boot(name: string, main: string, options: BootOptions = {}) {
  const app: ScratchApp = scratchApp(name, { "main.ts": main }, options.manifest);
  try {
    const firmware = await buildFirmware({ board: "mps2-an386", manifest: app.manifest, debug: options.debug });
    return await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: options.timeoutMs ?? 30_000, postMortemSocket: options.postMortemSocket });
  } finally {
    app.remove();
  }
}

describe("device runtime in QEMU (mps2-an386)", function () {
  this.timeout(180_000);

  it("runs promise jobs and async code, then exits 0 when nothing is left to run", async () => {
    const result = await boot("promises", "const order: string[] = [];\nawait Promise.resolve().then(() => order.push('job'));\norder.push('after');\nconsole.log(order.join(','));\n");
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /^job,after$/m);
    assert.match(result.output, /\[xs\] mps2-an386: reset to main \d+ ns, machine \d+ ns, XS heap \d+ B/);
  });

  it("exits with the status the program gives native.exit", async () => {
    const result = await boot("exit", "native.exit(7);\n");
    assert.equal(result.status, 7);
  });

  it("aborts on an uncaught exception with the message and the JavaScript stack (status 105)", async () => {
    const result = await boot("throws", "function inner() { throw new TypeError('the widget is upside down'); }\nfunction outer() { inner(); }\nouter();\n");
    assert.equal(result.status, 105);
    assert.match(result.output, /\*\*\* main module failed/);
    assert.match(result.output, /TypeError: the widget is upside down/);
    assert.match(result.output, /inner/);
  });

  it("reports a deadlock when main waits on something nothing can resolve (status 2)", async () => {
    const result = await boot("deadlock", "await new Promise(() => {});\n");
    assert.equal(result.status, 2);
    assert.match(result.output, /deadlock: the main module is still waiting/);
  });

  it("aborts with the creation field to raise when the heap cap is reached (status 101)", async () => {
    const result = await boot("memory", "const keep: number[][] = [];\nfor (;;) keep.push(new Array(1000).fill(1));\n", {
      manifest: { creation: { static: 160000 } },
    });
    assert.equal(result.status, 101, result.output);
    assert.match(result.output, /memory full: raise creation\.static/);
    assert.match(result.output, /XS heap in use: chunks \d+ B, slots \d+ B, peak \d+ B, creation\.static 160000 B/);
  });

  it("reports the XS heap running out inside a syscall as a memory-full abort (status 101) naming the creation field to raise", async () => {
    // Limits raised far past what the heap holds, so that the heap, not a limit, runs out: inside mx_channel_write.
    const main = [
      'import { kernel_configure, mx_channel_create, mx_channel_write } from "../../../kernel/index.ts";',
      "kernel_configure({ maxMessagesPerChannel: 1_000_000 });",
      "const a = { value: 0 }, b = { value: 0 };",
      "mx_channel_create(0, a, b);",
      "const bytes = new Uint8Array(4096);",
      "for (let i = 0; ; i++) if (mx_channel_write(a.value, 0, bytes, bytes.length, null, 0) !== 0) { console.log('refused at', i); break; }",
    ].join("\n");
    const result = await boot("syscall-memory", main + "\n", {
      manifest: { include: [join(projectRoot, "kernel", "manifest.json")], creation: { static: 160000 } },
    });
    assert.equal(result.status, 101, result.output);
    assert.doesNotMatch(result.output, /refused at/);
    assert.match(result.output, /memory full: raise creation\.static/);
  });

  it("turns unbounded recursion into a RangeError the program can catch", async () => {
    const result = await boot("recursion", "function down(n: number): number { return down(n + 1) + 1; }\ntry { down(0); } catch (e) { console.log('caught', (e as Error).name); }\n");
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /^caught RangeError$/m);
  });

  it("has no parser in release firmware: eval throws SyntaxError", async () => {
    const result = await boot("no-parser", "try { eval('1 + 1'); console.log('eval ran'); } catch (e) { console.log((e as Error).name); }\n");
    assert.equal(result.status, 0);
    assert.match(result.output, /^SyntaxError$/m);
  });

  it("has a parser in debug firmware: eval runs", async () => {
    const result = await boot("parser", "console.log('eval says', eval('6 * 7'));\n", { debug: true });
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /^eval says 42$/m);
  });

  it("stops a guest that never finishes at the wall-clock timeout, with a message", async () => {
    const started = Date.now();
    const result = await boot("hang", "for (;;) {}\n", { timeoutMs: 3000 });
    assert.equal(result.timedOut, true);
    assert.equal(result.status, undefined);
    assert.match(result.problem ?? "", /did not finish within 3 s/);
    assert.ok(Date.now() - started < 60_000);
  });

  it("says where a hung guest was: gdb's backtrace and the runtime's event state, taken before it is stopped", async () => {
    const sockets = mkdtempSync(join(tmpdir(), "mx-post-mortem-"));
    try {
      const result = await boot("hang-post-mortem", "for (;;) {}\n", { timeoutMs: 3000, postMortemSocket: join(sockets, "gdb") });
      assert.equal(result.timedOut, true);
      const report = result.postMortem ?? "";
      assert.match(report, /^#0 /m, report); // a backtrace...
      assert.match(report, /\bfxRunID\b/, report); // ...inside the interpreter, where `for (;;) {}` spins
      assert.match(report, /^pc\s+0x[0-9a-f]+/m, report);
      assert.match(report, /^ring_head: \d+$/m, report); // the interrupt ring
      assert.match(report, /^alarm_armed: (true|false)$/m, report);
      assert.match(report, /^0xe000e200:/m, report); // the NVIC's pending lines
    } finally {
      rmSync(sockets, { recursive: true, force: true });
    }
  });
});
