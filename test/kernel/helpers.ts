/**
 * Test helpers shared by the kernel specs (they run on Node and on the device, so nothing here is Node-specific).
 *
 * `useHandles()` registers hooks that close every tracked handle after each test and then check the kernel holds
 * exactly as many handles as before the test: a test that leaks, or a kernel that leaks, fails.
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_channel_create,
  mx_event_create,
  mx_eventpair_create,
  mx_handle_close,
  mx_port_create,
  mx_timer_create,
  MX_CLOCK_MONOTONIC,
  MX_OK,
  MX_PORT_OPT_V2,
} from "../../kernel/index.ts";

/**
 * False on a device whose C heap cannot hold `bytes` (the RAM a test needs for its buffers and the kernel's copies).
 * On Node, and on boards with RAM to spare, always true: a test that skips itself here is reported as pending.
 */
export function roomFor(bytes: number): boolean {
  const device = (globalThis as { native?: { memory(): { heapRoomBytes: number } } }).native;
  return device === undefined || device.memory().heapRoomBytes >= bytes;
}

const tracked: number[] = [];

/** Closes `h` after the test (a handle already closed or moved is simply skipped). */
export function track(h: number): number {
  tracked.push(h);
  return h;
}

export function useHandles(): void {
  let baseline = 0;
  beforeEach(() => {
    baseline = kernel_stats().handles;
  });
  afterEach(() => {
    for (const h of tracked) mx_handle_close(h);
    tracked.length = 0;
    assert.equal(kernel_stats().handles, baseline, "handles leaked by the test or the kernel");
  });
}

/** An out-parameter, as a C caller's `T*`. */
export function out(): { value: number } {
  return { value: 0 };
}

export function newPort(options = MX_PORT_OPT_V2): number {
  const o = out();
  assert.equal(mx_port_create(options, o), MX_OK);
  return track(o.value);
}

export function newChannel(): [number, number] {
  const a = out();
  const b = out();
  assert.equal(mx_channel_create(0, a, b), MX_OK);
  return [track(a.value), track(b.value)];
}

export function newEvent(): number {
  const o = out();
  assert.equal(mx_event_create(0, o), MX_OK);
  return track(o.value);
}

export function newEventPair(): [number, number] {
  const a = out();
  const b = out();
  assert.equal(mx_eventpair_create(0, a, b), MX_OK);
  return [track(a.value), track(b.value)];
}

export function newTimer(): number {
  const o = out();
  assert.equal(mx_timer_create(0, MX_CLOCK_MONOTONIC, o), MX_OK);
  return track(o.value);
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** Resolves after the promise jobs queued so far have run (lets awaitable waiters observe results). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
