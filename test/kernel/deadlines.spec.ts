/*
 * Deadlines that must be served whenever the alarm fires, including while JavaScript is running.
 *
 * On a board the alarm interrupt can fire while JavaScript runs; the next syscall then serves the due deadline
 * itself (kernel_enter) and arms the next one before the event loop has seen the interrupt. The event loop must not
 * then forget that later alarm: it did, and an awaitable wait slept for ever (issue 10, defect 1). The first test
 * makes that happen on purpose; the two after it are the issue's own reproduction, where a garbage collection in
 * the right place did the same.
 */
import assert from "node:assert/strict";
import {
  awaitable,
  mx_deadline_after,
  mx_event_create,
  mx_handle_close,
  mx_time_get,
  MX_CLOCK_MONOTONIC,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_MSEC,
  MX_OK,
} from "../../kernel/index.ts";
import { newEvent, useHandles } from "./helpers.ts";

function freshEvent(): number {
  const o = { value: 0 };
  assert.equal(mx_event_create(0, o), MX_OK);
  return o.value;
}

describe("deadlines", () => {
  useHandles();

  it("a deadline armed by a syscall while the alarm interrupt is pending is still served", async () => {
    const first = mx_deadline_after(MX_MSEC(1));
    const sleeping = awaitable.mx_nanosleep(first);
    const later = awaitable.mx_nanosleep(mx_deadline_after(MX_MSEC(20)));
    // Spin in JavaScript past the first deadline: on a board its alarm fires now, and the clock read below (a
    // syscall) serves it and arms the alarm for the second one before the event loop runs again.
    while (mx_time_get(MX_CLOCK_MONOTONIC) <= first) {}
    const e = newEvent();
    assert.equal(await sleeping, MX_OK);
    assert.equal(await awaitable.mx_object_wait_one(e, MX_EVENT_SIGNALED, mx_deadline_after(MX_MSEC(2)), null), MX_ERR_TIMED_OUT);
    assert.equal(await later, MX_OK);
  });

  it("wait_many with a deadline: 60 rounds, no sleeps", async () => {
    for (let i = 0; i < 60; i++) {
      const h = freshEvent();
      const t = await awaitable.mx_object_wait_many([{ handle: h, waitfor: MX_EVENT_SIGNALED, pending: 0 }], 1, mx_deadline_after(5_000_000n));
      assert.equal(t, MX_ERR_TIMED_OUT, `round ${i}`);
      assert.equal(mx_handle_close(h), MX_OK);
    }
  });

  it("wait_many with a deadline: 60 rounds, a 100 ms sleep pending each round", async () => {
    const sleeps: Promise<number>[] = [];
    for (let i = 0; i < 60; i++) {
      sleeps.push(awaitable.mx_nanosleep(mx_deadline_after(100_000_000n)));
      const h = freshEvent();
      const t = await awaitable.mx_object_wait_many([{ handle: h, waitfor: MX_EVENT_SIGNALED, pending: 0 }], 1, mx_deadline_after(5_000_000n));
      assert.equal(t, MX_ERR_TIMED_OUT, `round ${i}`);
      assert.equal(mx_handle_close(h), MX_OK);
    }
    for (const s of sleeps) assert.equal(await s, MX_OK);
  });
});
