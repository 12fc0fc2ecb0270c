/**
 * Time on the device, under `qemu -icount shift=0` where one nanosecond is one instruction and the board's timers
 * are exact: timers fire at their deadlines (within the board's alarm resolution: one 40 ns tick on MPS2),
 * periodic timers do not drift, blocking waits time out at their deadlines, and the 64-bit clock stays correct
 * across the wrap of its 32-bit hardware counter. Device only: on Node, test/node covers the same paths on a
 * virtual clock.
 */
import assert from "node:assert/strict";

import {
  mx_handle_close,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_port_create,
  mx_port_packet_t,
  mx_port_wait,
  mx_event_create,
  mx_time_get,
  mx_timer_create,
  mx_timer_start,
  mx_nanosleep,
  MX_CLOCK_MONOTONIC,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_MSEC,
  MX_OK,
  MX_PORT_OPT_V2,
  MX_TIME_INFINITE,
  MX_TIMER_SIGNALED,
  MX_USEC,
  MX_WAIT_ASYNC_REPEATING,
} from "../../kernel/index.ts";

/** The board's alarm resolution: one timer tick (40 ns, 25 MHz, on MPS2), or one clock reading where ticks are shorter. */
const TICK = BigInt(native.alarmResolution);
const now = () => mx_time_get(MX_CLOCK_MONOTONIC);
/** A deadline on a tick boundary, `delay` from now. */
const tickDeadline = (delay: bigint) => ((now() + delay) / TICK + 1n) * TICK;

function newHandle(create: (out: { value: number }) => number): number {
  const out = { value: 0 };
  assert.equal(create(out), MX_OK);
  return out.value;
}

describe("time on the device (icount: 1 ns = 1 instruction)", () => {
  it("a one-shot timer fires at its deadline: the alarm interrupt runs within one timer tick of it", () => {
    const timer = newHandle((out) => mx_timer_create(0, MX_CLOCK_MONOTONIC, out));
    try {
      for (const delay of [MX_USEC(50), MX_MSEC(1), MX_MSEC(37)]) {
        // A garbage collection between reading the clock and arming the timer can leave the deadline behind
        // (a 50 µs delay is shorter than one collection on a small heap); that would time the collection, not the
        // alarm, so such a start is made again (re-starting is cancel plus set).
        let deadline = tickDeadline(delay);
        assert.equal(mx_timer_start(timer, deadline, 0n, 0n), MX_OK);
        for (let retries = 0; now() >= deadline; retries++) {
          assert.ok(retries < 5, `the timer was armed after its deadline ${retries + 1} times in a row`);
          deadline = tickDeadline(delay);
          assert.equal(mx_timer_start(timer, deadline, 0n, 0n), MX_OK);
        }
        const observed = { value: 0 };
        assert.equal(mx_object_wait_one(timer, MX_TIMER_SIGNALED, MX_TIME_INFINITE, observed), MX_OK);
        const late = native.alarmFiredAt() - deadline;
        assert.ok(late >= 0n && late <= TICK, `the alarm ran ${late} ns after the deadline`);
        assert.ok(now() >= deadline);
      }
    } finally {
      mx_handle_close(timer);
    }
  });

  it("1,000 periodic ticks: every period strobes once, on its boundary, with no drift", function () {
    this.timeout(0); // 10 s of virtual time

    const port = newHandle((out) => mx_port_create(MX_PORT_OPT_V2, out));
    const timer = newHandle((out) => mx_timer_create(0, MX_CLOCK_MONOTONIC, out));
    const packet = new mx_port_packet_t();
    // Long enough that a garbage collection (about a millisecond with this suite's heap) never spans a period:
    // periods that pass while JavaScript is busy would merge into one strobe, as specified.
    const period = MX_MSEC(10);
    try {
      assert.equal(mx_object_wait_async(timer, port, 9n, MX_TIMER_SIGNALED, MX_WAIT_ASYNC_REPEATING), MX_OK);
      const first = tickDeadline(period);
      assert.equal(mx_timer_start(timer, first, period, 0n), MX_OK);
      let worst = 0n;
      for (let k = 0n; k < 1000n; k++) {
        assert.equal(mx_port_wait(port, MX_TIME_INFINITE, packet, 0), MX_OK);
        assert.equal(packet.key, 9n);
        const late = native.alarmFiredAt() - (first + k * period);
        assert.ok(late >= 0n && late <= TICK, `tick ${k} fired ${late} ns after its boundary`);
        if (late > worst) worst = late;
      }
      assert.ok(now() < first + 1000n * period, "no period was merged or skipped");
    } finally {
      mx_handle_close(timer);
      mx_handle_close(port);
    }
  });

  it("mx_port_wait and mx_object_wait_one time out at their deadlines", () => {
    const port = newHandle((out) => mx_port_create(MX_PORT_OPT_V2, out));
    const event = newHandle((out) => mx_event_create(0, out));
    const packet = new mx_port_packet_t();
    /**
     * Runs `wait` with a deadline `delay` ahead and checks it timed out on the alarm. Each attempt starts with a full
     * collection (native.liveBytes runs one): by this point of the suite the heap holds megabytes and a collection
     * costs ~2 ms, which would otherwise fall, at times, between the alarm and the return. Should one still fall
     * between reading the clock and the wait, the deadline is left behind before the wait arms the alarm (the wait
     * then times out at once, rightly, and the alarm's last firing is an older one); that attempt is made again.
     */
    const timesOutAt = (delay: bigint, wait: (deadline: bigint) => number) => {
      for (let attempt = 1; ; attempt++) {
        native.liveBytes();
        const deadline = tickDeadline(delay);
        assert.equal(wait(deadline), MX_ERR_TIMED_OUT);
        const returned = now();
        if (native.alarmFiredAt() < deadline) {
          assert.ok(attempt < 5, `the wait did not arm the alarm for its deadline ${attempt} times in a row`);
          continue;
        }
        assert.ok(native.alarmFiredAt() - deadline <= TICK, `the alarm ran ${native.alarmFiredAt() - deadline} ns late`);
        assert.ok(returned >= deadline);
        // Returning takes the wake-up path only: the collection came before.
        assert.ok(returned - deadline < MX_MSEC(2), `the wait returned ${returned - deadline} ns late`);
        return;
      }
    };
    try {
      for (const delay of [MX_USEC(100), MX_MSEC(3)]) {
        timesOutAt(delay, (deadline) => mx_port_wait(port, deadline, packet, 0));
        timesOutAt(delay, (deadline) => mx_object_wait_one(event, MX_EVENT_SIGNALED, deadline, { value: 0 }));
      }
    } finally {
      mx_handle_close(event);
      mx_handle_close(port);
    }
  });

  it("the 64-bit clock is monotonic and exact across the 32-bit counter wrap", function () {
    this.timeout(0); // sleeps up to 172 s of virtual time (instant under icount sleep=off)
    const period = BigInt(native.clockWrap); // the hardware counter wraps every 2^32 ticks
    const next = (now() / period + 1n) * period;
    for (const at of [next, next + period]) {
      if (now() < at - MX_MSEC(5)) assert.equal(mx_nanosleep(at - MX_MSEC(5)), MX_OK);
      let previous = now();
      let before = 0;
      let after = 0;
      while (previous < at + MX_MSEC(5)) {
        const t = now();
        assert.ok(t >= previous, `the clock went back from ${previous} to ${t}`);
        // A lost or doubled wrap would jump by 2^32 ticks (171.8 s); a garbage collection takes about a millisecond.
        assert.ok(t - previous < MX_MSEC(10), `the clock jumped by ${t - previous} ns`);
        if (t < at) before++;
        else after++;
        previous = t;
      }
      assert.ok(before > 0 && after > 0, `read ${before} times before the wrap and ${after} after`);
      // A timer across the wrap still fires on its tick.
      const timer = newHandle((out) => mx_timer_create(0, MX_CLOCK_MONOTONIC, out));
      const deadline = ((at + period / 2n) / TICK) * TICK;
      assert.equal(mx_timer_start(timer, deadline, 0n, 0n), MX_OK);
      assert.equal(mx_object_wait_one(timer, MX_TIMER_SIGNALED, MX_TIME_INFINITE, { value: 0 }), MX_OK);
      const late = native.alarmFiredAt() - deadline;
      assert.ok(late >= 0n && late <= TICK, `a deadline past the wrap fired ${late} ns late`);
      mx_handle_close(timer);
    }
  });
});
