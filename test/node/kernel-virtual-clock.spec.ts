/**
 * Timers and deadlines on the deterministic virtual HAL (Node only: the device has a real clock).
 */
import assert from "node:assert/strict";
import type { Hal } from "../../hal/hal.ts";
import { VirtualHal } from "../../hal/host.ts";
import {
  awaitable,
  kernel_set_hal,
  kernel_stats,
  mx_deadline_after,
  mx_event_create,
  mx_handle_close,
  mx_nanosleep,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_port_create,
  mx_port_packet_t,
  mx_port_wait,
  mx_time_get,
  mx_timer_cancel,
  mx_timer_create,
  mx_timer_start,
  MX_CLOCK_MONOTONIC,
  MX_CLOCK_UTC,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_MSEC,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_REP,
  MX_PORT_OPT_V2,
  MX_SIGNAL_LAST_HANDLE,
  MX_TIME_INFINITE,
  MX_TIMER_SIGNALED,
  MX_USEC,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
  mx_handle_duplicate,
  MX_RIGHT_READ,
} from "../../kernel/index.ts";

describe("virtual clock: timers and deadlines", () => {
  let vhal: VirtualHal;
  let previous: Hal;
  const open: number[] = [];
  const h = (v: number) => (open.push(v), v);

  beforeEach(() => {
    vhal = new VirtualHal();
    previous = kernel_set_hal(vhal);
  });
  afterEach(() => {
    for (const v of open) mx_handle_close(v);
    open.length = 0;
    kernel_set_hal(previous);
  });

  function timer(): number {
    const o = { value: 0 };
    assert.equal(mx_timer_create(0, MX_CLOCK_MONOTONIC, o), MX_OK);
    return h(o.value);
  }
  function port(): number {
    const o = { value: 0 };
    assert.equal(mx_port_create(MX_PORT_OPT_V2, o), MX_OK);
    return h(o.value);
  }
  function state(t: number): number {
    const o = { value: 0 };
    mx_object_wait_one(t, 0, 0n, o);
    return o.value;
  }

  it("time only moves when told; mx_deadline_after saturates", () => {
    const t0 = mx_time_get(MX_CLOCK_MONOTONIC);
    assert.equal(mx_time_get(MX_CLOCK_MONOTONIC), t0);
    assert.equal(mx_time_get(MX_CLOCK_UTC), t0);
    assert.equal(mx_time_get(99), 0n);
    vhal.advance(500n);
    assert.equal(mx_time_get(MX_CLOCK_MONOTONIC), t0 + 500n);
    assert.equal(mx_deadline_after(MX_TIME_INFINITE), MX_TIME_INFINITE);
    assert.equal(mx_deadline_after(-5 as never), t0 + 500n);
    assert.equal(mx_deadline_after(10), t0 + 510n);
  });

  it("timer_start check order and errors", () => {
    const t = timer();
    const now = mx_time_get(MX_CLOCK_MONOTONIC);
    assert.equal(mx_timer_start(t, 0n, 0n, 0n), MX_ERR_INVALID_ARGS);
    assert.equal(mx_timer_start(0, 0n, 0n, 0n), MX_ERR_INVALID_ARGS);
    assert.equal(mx_timer_start(0, now, 0n, 0n), MX_ERR_BAD_HANDLE);
    const ro = { value: 0 };
    assert.equal(mx_handle_duplicate(t, MX_RIGHT_READ, ro), MX_OK);
    h(ro.value);
    assert.equal(mx_timer_start(ro.value, now, 0n, 0n), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_timer_cancel(ro.value), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_timer_start(port(), now, 0n, 0n), MX_ERR_WRONG_TYPE);
    assert.equal(mx_timer_start(t, 999n, 0n, 0n), MX_ERR_INVALID_ARGS);
    assert.equal(mx_timer_start(t, now, MX_USEC(49), 0n), MX_ERR_NOT_SUPPORTED);
    assert.equal(mx_timer_start(t, now, MX_USEC(50), 0n), MX_OK);
    const o = { value: 0 };
    assert.equal(mx_timer_create(1, 0, o), MX_ERR_INVALID_ARGS);
    assert.equal(mx_timer_create(0, 1, o), MX_ERR_INVALID_ARGS);
    assert.equal(mx_timer_create(0, 0, null as never), MX_ERR_INVALID_ARGS);
  });

  it("a one-shot timer asserts SIGNALED at its deadline, from the service routine; cancel and restart clear it", () => {
    const t = timer();
    assert.equal(mx_timer_start(t, mx_deadline_after(MX_MSEC(10)), 0n, 0n), MX_OK);
    assert.equal(vhal.alarmAt, mx_deadline_after(MX_MSEC(10)));
    vhal.advance(MX_MSEC(9));
    assert.equal(state(t) & MX_TIMER_SIGNALED, 0);
    vhal.advance(MX_MSEC(1));
    assert.equal(state(t), (MX_TIMER_SIGNALED | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(vhal.alarmAt, MX_TIME_INFINITE);
    assert.equal(mx_timer_start(t, mx_deadline_after(MX_MSEC(5)), 0n, 0n), MX_OK);
    assert.equal(state(t) & MX_TIMER_SIGNALED, 0);
    vhal.advance(MX_MSEC(5));
    assert.equal(state(t) & MX_TIMER_SIGNALED, MX_TIMER_SIGNALED);
    assert.equal(mx_timer_cancel(t), MX_OK);
    assert.equal(state(t) & MX_TIMER_SIGNALED, 0);
  });

  it("timers fire at syscall entry even if the service routine never ran", () => {
    const t = timer();
    assert.equal(mx_timer_start(t, mx_deadline_after(MX_MSEC(1)), 0n, 0n), MX_OK);
    const v = vhal as unknown as { time: bigint };
    v.time += MX_MSEC(2); // the clock moved, nobody called the service routine
    assert.equal(state(t) & MX_TIMER_SIGNALED, MX_TIMER_SIGNALED);
  });

  it("a synchronous wait sleeps until the timer fires", () => {
    const t = timer();
    const start = mx_time_get(MX_CLOCK_MONOTONIC);
    assert.equal(mx_timer_start(t, start + MX_MSEC(30), 0n, 0n), MX_OK);
    const o = { value: 0 };
    assert.equal(mx_object_wait_one(t, MX_TIMER_SIGNALED, MX_TIME_INFINITE, o), MX_OK);
    assert.equal(mx_time_get(MX_CLOCK_MONOTONIC), start + MX_MSEC(30));
    assert.equal(mx_nanosleep(start + MX_MSEC(40)), MX_OK);
    assert.equal(mx_time_get(MX_CLOCK_MONOTONIC), start + MX_MSEC(40));
    assert.equal(mx_object_wait_one(t, MX_TIMER_SIGNALED << 1, start + MX_MSEC(45), o), MX_ERR_TIMED_OUT);
    assert.equal(mx_time_get(MX_CLOCK_MONOTONIC), start + MX_MSEC(45));
  });

  it("a periodic timer strobes: observers see SIGNALED, the state never keeps it", () => {
    const t = timer();
    const p = port();
    assert.equal(mx_object_wait_async(t, p, 1n, MX_TIMER_SIGNALED, MX_WAIT_ASYNC_REPEATING), MX_OK);
    assert.equal(mx_timer_start(t, mx_deadline_after(MX_MSEC(1)), MX_MSEC(1), 0n), MX_OK);
    const pkt = new mx_port_packet_t();
    for (let i = 0; i < 3; i++) {
      vhal.advance(MX_MSEC(1));
      assert.equal(state(t) & MX_TIMER_SIGNALED, 0);
      assert.equal(mx_port_wait(p, 0n, pkt, 0), MX_OK);
      assert.equal(pkt.type, MX_PKT_TYPE_SIGNAL_REP);
      assert.equal(pkt.signal.observed & MX_TIMER_SIGNALED, MX_TIMER_SIGNALED);
    }
  });

  it("periods that pass while JavaScript is busy merge into one strobe", () => {
    const t = timer();
    const p = port();
    assert.equal(mx_object_wait_async(t, p, 1n, MX_TIMER_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_wait_async(t, p, 2n, MX_TIMER_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
    const first = mx_deadline_after(MX_MSEC(1));
    assert.equal(mx_timer_start(t, first, MX_MSEC(1), 0n), MX_OK);
    vhal.advance(MX_MSEC(10) + 500_000n);
    const pkt = new mx_port_packet_t();
    // one strobe reached both ONCE observers (newest first); a second strobe would have found none left
    assert.equal(mx_port_wait(p, 0n, pkt, 0), MX_OK);
    assert.equal(pkt.key, 2n);
    assert.equal(mx_port_wait(p, 0n, pkt, 0), MX_OK);
    assert.equal(pkt.key, 1n);
    // the next deadline is the first period boundary after now
    assert.equal(vhal.alarmAt, first + MX_MSEC(10));
  });

  it("awaitable deadlines are served by the service routine; the alarm follows the earliest deadline", async () => {
    const e = { value: 0 };
    assert.equal(mx_event_create(0, e), MX_OK);
    h(e.value);
    const now = mx_time_get(MX_CLOCK_MONOTONIC);
    const late = awaitable.mx_object_wait_one(e.value, 1 << 24, now + MX_MSEC(20), null);
    const early = awaitable.mx_nanosleep(now + MX_MSEC(5));
    assert.equal(vhal.alarmAt, now + MX_MSEC(5));
    vhal.advance(MX_MSEC(5));
    assert.equal(await early, MX_OK);
    assert.equal(vhal.alarmAt, now + MX_MSEC(20));
    vhal.advance(MX_MSEC(15));
    assert.equal(await late, MX_ERR_TIMED_OUT);
    assert.equal(vhal.alarmAt, MX_TIME_INFINITE);
  });

  it("closing an armed timer disarms it (the stale alarm, if it rings, finds nothing to do)", () => {
    const t = { value: 0 };
    assert.equal(mx_timer_create(0, 0, t), MX_OK);
    assert.equal(mx_timer_start(t.value, mx_deadline_after(MX_MSEC(3)), 0n, 0n), MX_OK);
    assert.equal(mx_handle_close(t.value), MX_OK);
    const before = kernel_stats().handles;
    vhal.advance(MX_MSEC(5));
    assert.equal(kernel_stats().handles, before);
    assert.equal(vhal.alarmAt, MX_TIME_INFINITE);
  });

  it("a synchronous infinite wait that nothing can end throws on the virtual HAL instead of hanging", () => {
    const e = { value: 0 };
    assert.equal(mx_event_create(0, e), MX_OK);
    h(e.value);
    assert.throws(() => mx_object_wait_one(e.value, 1 << 24, MX_TIME_INFINITE, null), /never end/);
  });
});
