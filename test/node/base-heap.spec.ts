/**
 * The base heap in flash (hal/runtime/base.c, tools/lib/base-image.ts) as a program and its builder see it: the
 * firmware boots by cloning it; a damaged image, or one from another build, is refused at boot with a message; the
 * generator refuses what could not work from read-only memory (pointers into RAM, RegExps, object-keyed Maps);
 * what XS cannot copy on write is read-only at run time; a stray write into flash faults (the MPU); the image is
 * regenerated exactly when the firmware changes; and a board whose QEMU model is too small to build its image
 * (netduinoplus2) gets it built on another machine and runs the kernel.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { runQemu } from "../../qemu/qemu.ts";
import { checksum, relocate } from "../../tools/lib/base-image.ts";
import { BuildError } from "../../tools/lib/errors.ts";
import { buildFirmware, type Firmware } from "../../tools/lib/firmware.ts";
import { run } from "../../tools/lib/jobs.ts";
import { scratchApp, type ScratchApp } from "./helpers.ts";

const board = "mps2-an386";

/** File offset and size of the ELF's .xs_base section. */
async function baseSection(elf: string): Promise<{ offset: number; size: number }> {
  const result = await run("arm-none-eabi-readelf", ["-S", "-W", elf]);
  const line = result.stdout.split("\n").find((l) => l.includes(" .xs_base "));
  assert.ok(line, "no .xs_base section");
  const fields = line.replace(/^.*\.xs_base\s+/, "").trim().split(/\s+/);
  return { offset: parseInt(fields[2], 16), size: parseInt(fields[3], 16) };
}

/** Boots a copy of the firmware's ELF whose image byte at `at` (from the image start) is flipped. */
async function bootCorrupted(firmware: Firmware, at: number) {
  const section = await baseSection(firmware.elf);
  const copy = firmware.elf.replace(/\.elf$/, "-corrupt.elf");
  const bytes = readFileSync(firmware.elf);
  bytes[section.offset + at] ^= 0x40;
  writeFileSync(copy, bytes);
  return runQemu({ board: firmware.board, elf: copy, timeoutMs: 30_000 });
}

function buildFails(app: ScratchApp): Promise<string> {
  return buildFirmware({ board, manifest: app.manifest, quiet: true }).then(
    () => assert.fail("the build should have failed"),
    (error: unknown) => {
      assert.ok(error instanceof BuildError, String(error));
      return error.line();
    },
  );
}

describe("base heap in flash", function () {
  this.timeout(300_000);
  const apps: ScratchApp[] = [];
  const app = (name: string, files: Record<string, string>, manifest?: Record<string, unknown>) => {
    const created = scratchApp(name, files, manifest);
    apps.push(created);
    return created;
  };
  after(() => apps.forEach((a) => a.remove()));

  describe("boot", () => {
    let firmware: Firmware;
    before(async () => {
      const verified = app("base-boot", { "main.ts": "console.log('first at', native.now(), 'RAM', native.memory().mallocBytes);\n" }, {
        defines: { base: { verify: true } },
      });
      firmware = await buildFirmware({ board, manifest: verified.manifest, quiet: true });
    });

    it("clones the machine from flash: fast, and in a small fraction of the RAM a fresh machine takes", async () => {
      const result = await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: 30_000 });
      assert.equal(result.status, 0, result.output);
      const boot = /reset to main (\d+) ns, machine (\d+) ns, XS heap (\d+) B, RAM in use (\d+) B/.exec(result.output);
      assert.ok(boot, result.output);
      assert.ok(firmware.base.bytes > 50_000 && firmware.base.slotCount > 3000, "the built-ins are in the image");
      assert.ok(Number(boot[4]) < 30_000, `RAM in use after cloning: ${boot[4]} B`);
    });

    it("refuses an image whose bytes were changed, when the firmware verifies it (defines.base.verify)", async () => {
      const result = await bootCorrupted(firmware, Math.floor(firmware.base.bytes / 2));
      assert.equal(result.status, 3, result.output);
      assert.match(result.output, /\*\*\* base heap: the image is corrupt \(checksum\): rebuild the firmware/);
    });

    it("refuses an image whose header was changed, always", async () => {
      for (const at of [0, 16, 40]) {
        const result = await bootCorrupted(firmware, at);
        assert.equal(result.status, 3, result.output);
        assert.match(result.output, /\*\*\* base heap: (no base heap image in flash|the image header is corrupt)/);
      }
    });

    it("refuses an image generated for another build of the firmware", async () => {
      const other = app("base-other", { "main.ts": "console.log('another program');\n" });
      const otherFirmware = await buildFirmware({ board, manifest: other.manifest, quiet: true });
      const mixed = firmware.elf.replace(/\.elf$/, "-mixed.elf");
      const install = await run("arm-none-eabi-objcopy", ["--update-section", `.xs_base=${join(otherFirmware.elf, "..", "base.bin")}`, firmware.elf, mixed]);
      assert.equal(install.code, 0, install.stderr);
      const result = await runQemu({ board: firmware.board, elf: mixed, timeoutMs: 30_000 });
      assert.equal(result.status, 3, result.output);
      assert.match(result.output, /\*\*\* base heap: the image was generated for another build of this firmware/);
    });
  });

  it("is regenerated when the firmware changes, and reused when it does not", async () => {
    const changing = app("base-regen", { "main.ts": "console.log('one');\n" });
    const first = await buildFirmware({ board, manifest: changing.manifest, quiet: true });
    const image = join(first.elf, "..", "base.bin");
    const firstKey = readFileSync(join(first.elf, "..", "base.key"), "utf8");
    const built = statSync(image).mtimeMs;
    await buildFirmware({ board, manifest: changing.manifest, quiet: true });
    assert.equal(statSync(image).mtimeMs, built, "an unchanged firmware reuses its image");
    changing.write("main.ts", "console.log('two');\n");
    const second = await buildFirmware({ board, manifest: changing.manifest, quiet: true });
    assert.notEqual(readFileSync(join(second.elf, "..", "base.key"), "utf8"), firstKey);
    const result = await runQemu({ board: second.board, elf: second.elf, timeoutMs: 30_000 });
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /^two$/m);
  });

  it("makes what a preloaded module created, and XS cannot copy on write, read-only; the rest is copied on write", async () => {
    const preloaded = app(
      "base-readonly",
      {
        "state.ts": "export const table = new Map([[1, 'one']]);\nexport const bytes = new Uint8Array(4);\nexport const list = [1];\nexport let count = 0;\nexport function bump() { return ++count; }\n",
        "main.ts": [
          "import { table, bytes, list, bump, count } from './state.ts';",
          "const attempt = (what: string, f: () => void) => { try { f(); console.log(what, 'written'); } catch (e) { console.log(what, (e as Error).message); } };",
          "attempt('map', () => table.set(2, 'two'));",
          "attempt('bytes', () => { bytes[0] = 1; });",
          "list.push(2);",
          "bump();",
          "console.log('reads', table.get(1), bytes.length, list.join('+'), count);",
        ].join("\n"),
      },
      { modules: { main: "./main", state: "./state" }, preload: ["state"] },
    );
    const firmware = await buildFirmware({ board, manifest: preloaded.manifest, quiet: true });
    assert.ok(firmware.preloaded.includes("state"));
    const result = await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: 30_000 });
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /^map Map instance is read-only$/m);
    assert.match(result.output, /^bytes read-only buffer$/m);
    assert.match(result.output, /^reads one 4 1\+2 1$/m);
  });

  it("fails the build for what cannot work from read-only memory, saying what", async () => {
    const regexp = app("base-regexp", { "re.ts": "export const word = /\\w+/;\n", "main.ts": "import { word } from './re.ts';\nconsole.log(word.test('x'));\n" }, {
      modules: { main: "./main", re: "./re" },
      preload: ["re"],
    });
    assert.match(await buildFails(regexp), /base heap generation failed: base heap: a preloaded module keeps a RegExp/);
    const keyed = app("base-keyed", { "keyed.ts": "export const byObject = new Map([[{}, 1]]);\n", "main.ts": "import './keyed.ts';\n" }, {
      modules: { main: "./main", keyed: "./keyed" },
      preload: ["keyed"],
    });
    assert.match(await buildFails(keyed), /base heap generation failed: base heap: a preloaded Map or Set is keyed by objects/);
  });

  it("fails the build when the image would point into RAM", async () => {
    const leak = app(
      "base-leak",
      {
        "main.ts": "console.log('unreachable');\n",
        "leak.c": [
          '#include "runtime.h"',
          "static uint32_t state;",
          "static void install(xsMachine* the)",
          "{",
          "\txsVars(1);",
          "\txsVar(0) = xsNewHostObject(NULL);",
          "\txsSetHostData(xsVar(0), &state);",
          '\txsSet(xsGlobal, xsID("leak"), xsVar(0));',
          "}",
          "RUNTIME_NATIVES(install);",
        ].join("\n"),
      },
      { modules: { main: "./main", leak: "./leak.c" } },
    );
    assert.match(await buildFails(leak), /base heap generation failed: base heap: the image would point into RAM: host data -> 0x2/);
  });

  it("faults on a stray write into flash (the MPU makes it read-only)", async () => {
    const stray = app(
      "base-stray",
      {
        "main.ts": "declare const native: { pokeBaseHeap(): void };\nconsole.log('before');\nnative.pokeBaseHeap();\nconsole.log('after');\n",
        "poke.c": [
          '#include "runtime.h"',
          "extern char __xs_base_start__[];",
          "static void poke(xsMachine* the)",
          "{",
          "\t*(volatile uint32_t*)(__xs_base_start__ + 256) = 0;",
          "}",
          "static void install(xsMachine* the)",
          "{",
          "\txsVars(1);",
          '\txsVar(0) = xsGet(xsGlobal, xsID("native"));',
          '\txsDefine(xsVar(0), xsID("pokeBaseHeap"), xsNewHostFunction(poke, 0), xsDontEnum);',
          "}",
          "RUNTIME_NATIVES(install);",
        ].join("\n"),
      },
      { modules: { main: "./main", poke: "./poke.c" } },
    );
    const firmware = await buildFirmware({ board, manifest: stray.manifest, quiet: true });
    const result = await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: 30_000 });
    assert.equal(result.status, 120, result.output);
    assert.match(result.output, /^before$/m);
    assert.doesNotMatch(result.output, /^after$/m);
    assert.match(result.output, /\*\*\* fault: MemManage/);
  });

  it("runs the kernel on netduinoplus2: its image is generated on mps2-an386's machine, its flash is ROM in QEMU", async () => {
    const firmware = await buildFirmware({ board: "netduinoplus2", manifest: "manifest.json", quiet: true });
    assert.ok(firmware.preloaded.includes("kernel/index"));
    const result = await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: 60_000 });
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /^demo: ok$/m);
    const boot = /\[xs\] netduinoplus2: .* RAM in use (\d+) B/.exec(result.output);
    assert.ok(boot && Number(boot[1]) < 64 * 1024, result.output);
  });

  describe("relocation (tools/lib/base-image.ts)", () => {
    const words = (...values: number[]) => {
      const buffer = Buffer.alloc(values.length * 4);
      values.forEach((v, i) => buffer.writeUInt32LE(v >>> 0, i * 4));
      return buffer;
    };
    const low = 0x20000000;

    it("moves exactly the words the map marks, and keeps stale bytes as built", () => {
      const built = words(0x20000004, 0x12345678, 0x20000000, 0x20000008);
      const higher = words(0x20001004, 0x99999999, 0x20001000, 0x20000008);
      const moved = relocate(built, higher, Buffer.from([0b0101]), low, 0x00080000);
      assert.deepEqual([...new Uint32Array(moved.buffer, moved.byteOffset, 4)], [0x00080004, 0x12345678, 0x00080000, 0x20000008]);
    });

    it("fails on a marked word that is not a pointer into the image", () => {
      const built = words(0x20000004, 7);
      const higher = words(0x20001004, 7);
      assert.throws(() => relocate(built, higher, Buffer.from([0b10]), low, 0), /relocation map is wrong at image offset 0x4/);
    });

    it("sums words the way the firmware does", () => {
      assert.equal(checksum(words(), 0, 0), (0 ^ ((1 << 16) | (1 >>> 16))) >>> 0);
      assert.notEqual(checksum(words(1, 2), 0, 8), checksum(words(2, 1), 0, 8));
    });
  });
});
