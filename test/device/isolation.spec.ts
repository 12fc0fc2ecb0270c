/**
 * What a process cannot reach, shown from inside one (device only: Node has no Compartment, so there a process's
 * isolation is by capability alone; docs/processes.md). The attacker program (test/device/programs/attacker.ts)
 * runs in its own Compartment, as every program named in the manifest does, and reports what each attempt reached.
 */
import assert from "node:assert/strict";

import {
  awaitable,
  kernel_set_reporter,
  mx_channel_create,
  mx_channel_read,
  mx_handle_close,
  mx_process_create,
  mx_process_start,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BAD_STATE,
  MX_OK,
  MX_TASK_RETCODE_EXCEPTION_KILL,
  MX_TASK_TERMINATED,
  MX_TIME_INFINITE,
} from "../../kernel/index.ts";
import { info } from "../kernel/process_helpers.ts";

/** Runs `entry` in a new process with a channel as its start handle; its return code and the message it sent. */
async function run(entry: string): Promise<{ code: number; sent: string }> {
  const mine = { value: 0 };
  const theirs = { value: 0 };
  assert.equal(mx_channel_create(0, mine, theirs), MX_OK);
  const process = { value: 0 };
  assert.equal(mx_process_create(entry, 0, process), MX_OK);
  assert.equal(mx_process_start(process.value, entry, theirs.value, 0), MX_OK);
  assert.equal(await awaitable.mx_object_wait_one(process.value, MX_TASK_TERMINATED, MX_TIME_INFINITE, null), MX_OK);
  const code = info(process.value).returnCode;
  const bytes = new Uint8Array(4096);
  const size = { value: 0 };
  const status = mx_channel_read(mine.value, 0, bytes, null, bytes.length, 0, size, null);
  mx_handle_close(mine.value);
  mx_handle_close(process.value);
  return { code, sent: status === MX_OK ? new TextDecoder().decode(bytes.subarray(0, size.value)) : "" };
}

describe("processes are isolated: what a program in its Compartment cannot reach", () => {
  let probes: Record<string, string> = {};
  before(async function () {
    this.timeout(0);
    const { code, sent } = await run("attacker");
    assert.equal(code, 0, "the attacker ran to its end and reported");
    probes = JSON.parse(sent) as Record<string, string>;
  });

  it("globals: none of the kernel's, the HAL's (native), the data plane's, XS's host functions or the harness's; those all inherit are hardened", () => {
    for (const name of ["native", "trace", "dataplane", "harden", "lockdown", "describe", "it", "kernel_check", "mx_port_create", "print", "gc"]) {
      assert.equal(probes[`global ${name}`], "undefined", name);
    }
    assert.equal(probes["globals it has"], "object,function,function,function,function,function");
    assert.equal(probes["console holds"], "log");
    assert.equal(probes["shared global changed"], "refused: TypeError", "what all processes' globals inherit is hardened");
    assert.equal(probes["shared global added to"], "refused: TypeError");
    assert.equal(probes["console.log replaced"], "refused: TypeError");
  });

  it("modules: only kernel/program and its own; the kernel, the HAL, the data plane and the config are refused", () => {
    for (const specifier of ["kernel/index", "kernel/handle_table", "kernel/process", "#dataplane", "#hal", "hal/uart", "mc/config", "kernel/constants"]) {
      assert.match(probes[`import ${specifier}`], /^refused: /, specifier);
    }
    assert.match(probes["import kernel/program"], /^reached: /);
    assert.match(probes["grandchild compartment imports kernel/index"], /^refused: /, "a compartment it makes cannot either");
  });

  it("prototypes and constructor chains: the intrinsics are locked down, and there is no parser to reach anything with", () => {
    assert.equal(probes["Array.prototype changed"], "refused: TypeError");
    assert.equal(probes["Object.prototype changed"], "refused: TypeError");
    assert.equal(probes["Promise.prototype.then replaced"], "refused: TypeError");
    assert.match(probes["Function constructor"], /^refused: /);
    assert.match(probes["syscall's constructor"], /^refused: /);
    assert.match(probes.eval, /^refused: /);
    assert.equal((Array.prototype as unknown as Record<string, unknown>).pwned, undefined, "nothing leaked into the kernel's realm");
  });

  it("its syscalls: the vdso and what it reaches are frozen; a slow path called directly serves no one", () => {
    assert.equal(probes["vdso frozen"], "true");
    assert.equal(probes["vdso changed"], "refused: TypeError");
    assert.equal(probes["vdso prototype changed"], "refused: TypeError");
    assert.equal(probes["vdso getter on a forged object"], "refused: TypeError");
    assert.equal(probes["entry slowPath called directly"], `reached: ${MX_ERR_BAD_STATE}`);
    assert.equal(probes["mx_time_get changed"], "refused: TypeError");
    assert.equal(probes["handle 1 in its table"], String(MX_ERR_BAD_HANDLE), "only the handles it was given");
  });

  it("what syscalls hand it are plain values: numbers in out-parameters, plain promises, its own packet", () => {
    assert.equal(probes["out-parameters receive"], "number");
    assert.equal(probes["awaitable gives"], "true");
    assert.equal(probes["awaitable resolves to"], "number");
    assert.equal(probes["a packet received holds"], "", "no own property but its private bytes");
  });

  it("the packet classes it shares with the kernel are frozen", () => {
    assert.equal(probes["packet class frozen"], "true");
    assert.equal(probes["packet class changed"], "refused: TypeError");
  });

  it("each process has its own instances of its program's modules", async () => {
    assert.equal(probes["own module, fresh"], "1");
    const again = JSON.parse((await run("attacker")).sent) as Record<string, string>;
    assert.equal(again["own module, fresh"], "1", "a second process counts from 1 again");
  });

  it("a program that faults in its Compartment is reported and ended: at once, after a wait, or by a rejection it left unhandled outside main's chain", async () => {
    const lines: string[] = [];
    const previous = kernel_set_reporter((line) => lines.push(line));
    try {
      assert.equal((await run("thrower")).code, MX_TASK_RETCODE_EXCEPTION_KILL);
      assert.equal((await run("late-thrower")).code, MX_TASK_RETCODE_EXCEPTION_KILL);
      assert.equal((await run("side-rejecter")).code, MX_TASK_RETCODE_EXCEPTION_KILL, "its forgotten rejection, not the firmware");
      assert.equal((await run("handled-later")).code, 5, "a rejection handled before its turn ends is no fault");
      assert.equal((await run("rejection-flood")).code, MX_TASK_RETCODE_EXCEPTION_KILL, "forty at once: the process, not the firmware");
    } finally {
      kernel_set_reporter(previous);
    }
    assert.deepEqual(lines, [
      'process "thrower" faulted: RangeError: a fault inside a compartment',
      'process "late-thrower" faulted: Error: late fault inside a compartment',
      'process "side-rejecter" faulted: TypeError: a rejection nobody handles',
      'process "rejection-flood" faulted: more unhandled rejections than the runtime follows at once',
    ]);
  });
});
