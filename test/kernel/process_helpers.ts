/**
 * What the process specs share: programs given as functions (a spec registers its mains with kernel_set_programs,
 * so the same spec runs on Node and on the device without loading modules at run time), spawning one, and waiting
 * for its end. Every spec also checks, after each test, that the kernel is consistent and that no process is left.
 */
import assert from "node:assert/strict";
import {
  awaitable,
  kernel_check,
  kernel_set_programs,
  kernel_set_reporter,
  mx_channel_create,
  mx_object_get_info,
  mx_object_wait_one,
  mx_process_create,
  mx_process_start,
  MX_INFO_PROCESS,
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_ERR_PEER_CLOSED,
  MX_INFO_PROCESS_SIZE,
  MX_OK,
  MX_TASK_TERMINATED,
  MX_TIME_INFINITE,
  type ProgramMain,
  type Vdso,
} from "../../kernel/index.ts";
import { track } from "./helpers.ts";

/** Registers programs by name, beside the manifest's: each a main function, as an entry module's default export. */
export function usePrograms(mains: Record<string, ProgramMain>): void {
  let previous: ReturnType<typeof kernel_set_programs> = {};
  before(() => {
    const table: ReturnType<typeof kernel_set_programs> = {};
    for (const name of Object.keys(mains)) table[name] = () => ({ default: mains[name] });
    previous = kernel_set_programs({});
    kernel_set_programs({ ...previous, ...table });
  });
  after(() => kernel_set_programs(previous));
}

/** The reports the kernel made during a test (they are not printed). */
export const reports: string[] = [];
export function useReports(): void {
  let previous: ((line: string) => void) | null = null;
  beforeEach(() => {
    reports.length = 0;
    previous = kernel_set_reporter((line) => reports.push(line));
  });
  afterEach(() => {
    kernel_set_reporter(previous);
    assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
  });
}

/** Creates and starts a process running `entry`; its handle (tracked: closed after the test). */
export function spawn(entry: string, arg1 = 0, arg2 = 0, name = entry): number {
  const h = { value: 0 };
  assert.equal(mx_process_create(name, 0, h), MX_OK);
  track(h.value);
  assert.equal(mx_process_start(h.value, entry, arg1, arg2), MX_OK);
  return h.value;
}

/** Waits until the process has ended; its return code. */
export async function ended(process: number): Promise<number> {
  assert.equal(await awaitable.mx_object_wait_one(process, MX_TASK_TERMINATED, MX_TIME_INFINITE, null), MX_OK);
  return info(process).returnCode;
}

/** True once the process has ended (no wait). */
export function hasEnded(process: number): boolean {
  const observed = { value: 0 };
  mx_object_wait_one(process, MX_TASK_TERMINATED, 0n, observed);
  return (observed.value & MX_TASK_TERMINATED) !== 0;
}

/** mx_info_process_t, decoded. */
export function info(process: number): { returnCode: number; started: boolean; exited: boolean } {
  const buffer = new Uint8Array(MX_INFO_PROCESS_SIZE);
  assert.equal(mx_object_get_info(process, MX_INFO_PROCESS, buffer, buffer.length, null, null), MX_OK);
  return { returnCode: new DataView(buffer.buffer).getInt32(0, true), started: buffer[4] === 1, exited: buffer[5] === 1 };
}

/** A channel: the first end stays in process 0 (tracked: closed after the test), the second is for a process's start. */
export function channel(): [number, number] {
  const a = { value: 0 };
  const b = { value: 0 };
  assert.equal(mx_channel_create(0, a, b), MX_OK);
  return [track(a.value), b.value];
}

/** A program: echoes each message on its start channel back until the peer closes; returns how many. */
export async function echo(sys: Vdso, start: number): Promise<number> {
  const bytes = new Uint8Array(64);
  let n = 0;
  for (;;) {
    const status = await sys.awaitable.mx_object_wait_one(start, MX_CHANNEL_READABLE | MX_CHANNEL_PEER_CLOSED, MX_TIME_INFINITE, null);
    if (status !== MX_OK) return -1;
    const size = { value: 0 };
    const r = sys.mx_channel_read(start, 0, bytes, null, 64, 0, size, null);
    if (r === MX_ERR_PEER_CLOSED) return n;
    if (r !== MX_OK) return r;
    if (sys.mx_channel_write(start, 0, bytes, size.value, null, 0) !== MX_OK) return -2;
    n++;
  }
}

/** Lets every promise job that is ready run (processes run in them). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
