/**
 * The process cases (issue 12): what starting a process costs, and a channel round trip whose two ends are in two
 * processes (process 0 writes and reads through its table, the other process through its own vdso, so each call
 * looks its handle up in the caller's table), beside channel_64_roundtrip, whose ends are both in process 0.
 *
 * Both process cases start a program whose entry module is empty: on the device, as the manifest names it, in a
 * Compartment of its own with its module instantiated from the base heap. process_spawn is what the issue names,
 * creating and starting a process: from mx_process_create until the process's entry module is loaded and its main
 * is about to be called (the start job run, the Compartment made, the module instantiated), timed by the loop itself
 * at those two points. process_lifecycle is the whole round a supervisor pays: the same, main's run and the
 * process's end, the supervisor's wake-up (an awaitable wait for MX_TASK_TERMINATED) and the close of its handle.
 */
import {
  awaitable,
  kernel_set_programs,
  mx_handle_close,
  mx_object_get_info,
  MX_INFO_PROCESS,
  MX_INFO_PROCESS_SIZE,
  mx_process_create,
  mx_process_start,
  mx_task_kill,
  MX_TASK_TERMINATED,
  MX_TIME_INFINITE,
  type Vdso,
} from "../kernel/index.ts";
import { hal } from "../kernel/platform.ts";
import { channel, channelPair, closeAll, expect, ok } from "./cases.ts";
import type { Case, Clock, Loop } from "./harness.ts";

/** The peer process's syscalls and its end of the channel, once it has started. */
let peer: { sys: Vdso; channel: number } | null = null;

// "empty" and "waiter" are the manifest's programs (bench/manifest.json: on the device each process a Compartment of
// its own, its entry module instantiated from the base heap: the real path; on Node, tools/lib/bench/node-run.ts
// registers the same modules, loaded once). "peer" hands its syscalls to the benchmark, which a Compartment would
// not let it do: it is registered as a function.
const manifestPrograms = kernel_set_programs({});
const loadEmpty = manifestPrograms.empty;
/** When the last "empty" process to start had its entry module loaded (process_spawn's second time stamp). */
let loadedAt = 0;
let stampClock: Clock | null = null;
kernel_set_programs({
  ...manifestPrograms,
  "empty-stamped": (proc: number) => {
    const module = loadEmpty(proc);
    loadedAt = stampClock === null ? 0 : stampClock.now();
    return module;
  },
  peer: () => ({
    default: (sys: Vdso, channel: number) => {
      peer = { sys, channel };
      return sys.awaitable.mx_nanosleep(MX_TIME_INFINITE);
    },
  }),
});

async function spawn(entry: string, arg1: number): Promise<number> {
  const process = { value: 0 };
  ok(mx_process_create(entry, 0, process), "process_create");
  ok(mx_process_start(process.value, entry, arg1, 0), "process_start");
  return process.value;
}

/**
 * Creating and starting a process, until its entry module is loaded (the module comment). An iteration is a job:
 * it stamps, creates and starts a process, and queues the next iteration behind the process's start job, so nothing
 * of the supervisor's runs between the two stamps but that one queueJob (a native call). The empty main has ended
 * the process by the time the next iteration closes its handle. What a clock reading itself costs between its
 * stamp and the caller (two readings in a row, the least of three) is subtracted, as the harness subtracts its
 * empty loop.
 */
function processSpawn(): Loop {
  expect(typeof loadEmpty === "function", "the manifest names the empty program");
  const process = { value: 0 };
  const entry = "empty-stamped";
  return {
    timed: true,
    run(n, clock) {
      return new Promise<number>((resolve) => {
        let i = 0;
        let total = 0;
        let started = 0;
        const iteration = (): void => {
          if (i > 0) {
            total += loadedAt - started;
            mx_handle_close(process.value);
          }
          if (i++ === n) {
            stampClock = null;
            const pair = () => -clock.now() + clock.now();
            const reading = Math.min(pair(), pair(), pair());
            resolve(total - n * reading);
            return;
          }
          started = clock.now();
          mx_process_create(entry, 0, process);
          mx_process_start(process.value, entry, 0, 0);
          hal.queueJob(iteration);
        };
        stampClock = clock;
        iteration();
      });
    },
    async check() {
      // The stamped loader is the one that runs, and the process has ended when the next job runs.
      stampClock = { now: () => 1 };
      loadedAt = 0;
      const p = await spawn("empty-stamped", 0);
      await new Promise<void>((resolve) => hal.queueJob(resolve));
      stampClock = null;
      expect(loadedAt === 1, "the stamped loader loaded the program");
      const record = new Uint8Array(MX_INFO_PROCESS_SIZE);
      ok(mx_object_get_info(p, MX_INFO_PROCESS, record, record.length, null, null), "get_info");
      expect(record[5] === 1 && new DataView(record.buffer).getInt32(0, true) === 0, "the process has exited with 0");
      ok(mx_handle_close(p), "handle_close");
    },
    teardown() {},
  };
}

/** The whole round: create, start, main's run and the end, the supervisor's wake-up, the close. */
function processLifecycle(): Loop {
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
  { name: "process_lifecycle", iterations: 20, setup: processLifecycle },
  { name: "channel_64_cross_process_roundtrip", iterations: 300, setup: () => crossProcessChannel(64) },
];
