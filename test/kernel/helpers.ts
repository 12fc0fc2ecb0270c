/**
 * Test helpers shared by the kernel specs (they run on Node and on the device, so nothing here is Node-specific).
 *
 * `useHandles()` registers hooks that close every tracked handle after each test and then check the kernel holds
 * exactly as many handles as before the test: a test that leaks, or a kernel that leaks, fails.
 */
import assert from "node:assert/strict";
import {
  awaitable,
  kernel_check,
  kernel_configure,
  kernel_limits,
  kernel_stats,
  type KernelLimits,
  mx_channel_create,
  mx_deadline_after,
  mx_event_create,
  mx_eventpair_create,
  mx_handle_close,
  mx_port_create,
  mx_timer_create,
  MX_CLOCK_MONOTONIC,
  MX_MSEC,
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

/**
 * Lets deadlines armed earlier pass (on the device, the test runtime's timeout sleeps), for the data plane's suites:
 * once one is due every call falls back to the control plane, and a test's own condition would not be the only
 * reason. No timeout of its own: on the device a test's timeout is itself a sleep, that is a deadline.
 */
export async function letDeadlinesPass(): Promise<void> {
  for (let i = 0; i < 400 && kernel_stats().deadlines > 0; i++) await awaitable.mx_nanosleep(mx_deadline_after(MX_MSEC(25)));
}

/** No deadline is armed, so the data plane's fast paths run. */
export function noDeadline(): void {
  assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
}

/**
 * A suite of the data plane's fall-back conditions: deadlines armed earlier have passed first, and after each test
 * the kernel's limits are restored and the kernel is consistent (kernel_check).
 */
export function describeFallbacks(title: string, body: () => void): void {
  describe(title, () => {
    useHandles();
    let saved: KernelLimits;
    before(async function () {
      this.timeout(0);
      await letDeadlinesPass();
    });
    beforeEach(() => {
      saved = kernel_limits();
    });
    afterEach(() => {
      assert.equal(kernel_configure(saved), MX_OK);
      assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
    });
    body();
  });
}
