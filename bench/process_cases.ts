/**
 * The process cases (issue 12): what starting a process costs, and a channel round trip whose two ends are in two
 * processes (process 0 writes and reads through its table, the other process through its own vdso, so each call
 * looks its handle up in the caller's table), beside channel_64_roundtrip, whose ends are both in process 0.
 *
 * process_spawn starts a program whose entry module is empty: on the device, as the manifest names it, in a
 * Compartment of its own with its module loaded from flash; it counts create, start, the run of main, the end and
 * the close of the process handle, and the supervisor's wake-up (an awaitable wait for MX_TASK_TERMINATED).
 */
import {
  awaitable,
  kernel_set_programs,
  mx_handle_close,
  mx_process_create,
  mx_process_start,
  mx_task_kill,
  MX_TASK_TERMINATED,
  MX_TIME_INFINITE,
  type Vdso,
} from "../kernel/index.ts";
import { channel, channelPair, closeAll, expect, ok } from "./cases.ts";
import type { Case, Loop } from "./harness.ts";

/** The peer process's syscalls and its end of the channel, once it has started. */
let peer: { sys: Vdso; channel: number } | null = null;

// On the device "empty" and "waiter" are the manifest's programs (bench/manifest.json: each process a Compartment of
// its own, its module loaded from flash: the real path); Node has no manifest and loads the same modules. "peer"
// hands its syscalls to the benchmark, which a Compartment would not let it do: it is registered as a function.
const manifestPrograms = kernel_set_programs({});
kernel_set_programs({
  empty: () => import("./empty_program.ts"),
  waiter: () => import("./waiter_program.ts"),
  peer: () => ({
    default: (sys: Vdso, channel: number) => {
      peer = { sys, channel };
      return sys.awaitable.mx_nanosleep(MX_TIME_INFINITE);
    },
  }),
  ...manifestPrograms,
});

async function spawn(entry: string, arg1: number): Promise<number> {
  const process = { value: 0 };
  ok(mx_process_create(entry, 0, process), "process_create");
  ok(mx_process_start(process.value, entry, arg1, 0), "process_start");
  return process.value;
}

function processSpawn(): Loop {
  return {
    async run(n) {
      for (let i = 0; i < n; i++) {
        const process = await spawn("empty", 0);
        await awaitable.mx_object_wait_one(process, MX_TASK_TERMINATED, MX_TIME_INFINITE, null);
        mx_handle_close(process);
      }
    },
    async check() {
      const process = await spawn("empty", 0);
      ok(await awaitable.mx_object_wait_one(process, MX_TASK_TERMINATED, MX_TIME_INFINITE, null), "wait for the end");
      ok(mx_handle_close(process), "handle_close");
    },
    teardown() {},
  };
}

async function crossProcessChannel(size: number): Promise<Loop> {
  const [a, b] = channelPair();
  const process = await spawn("peer", b);
  for (let i = 0; i < 10 && peer === null; i++) await Promise.resolve();
  expect(peer !== null, "the peer process started");
  const { sys, channel: end } = peer as unknown as { sys: Vdso; channel: number };
  // Bound once, as a program binds its syscalls (process 0's are module imports): one call level, no lookup.
  const read = sys.mx_channel_read;
  return channel(size, a, {
    read,
    end,
    teardown() {
      closeAll(a, process);
      peer = null;
    },
  });
}

/**
 * RAM a started process holds while it waits (its process object, table, vdso and main's pending chain), per
 * process, over `count` of them: `sample()` gives XS's live bytes (after a collection) and the C heap's bytes
 * outside XS (the data plane's tables grow there).
 */
export async function processRam(count: number, sample: () => { live: number; other: number }): Promise<number> {
  const start = async (): Promise<number[]> => {
    const processes: number[] = [];
    for (let i = 0; i < count; i++) processes.push(await spawn("waiter", 0));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    return processes;
  };
  const end = (processes: number[]) => {
    for (const p of processes) ok(mx_task_kill(p), "task_kill");
    closeAll(...processes);
  };
  // Once first, so that what a first process makes once for all (keys, the program's module record, the tables'
  // growth) is not counted, and what the benchmark left before it is garbage by the first sample.
  end(await start());
  for (let i = 0; i < 10; i++) await Promise.resolve();
  const before = sample();
  const processes = await start();
  const after = sample();
  end(processes);
  return (after.live - before.live + after.other - before.other) / count;
}

export const processCases: Case[] = [
  { name: "process_spawn", iterations: 20, setup: processSpawn },
  { name: "channel_64_cross_process_roundtrip", iterations: 300, setup: () => crossProcessChannel(64) },
];
