import assert from "node:assert/strict";
import {
  kernel_configure,
  kernel_limits,
  kernel_stats,
  mx_channel_create,
  mx_event_create,
  mx_eventpair_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_handle_replace,
  mx_object_signal,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_port_create,
  mx_port_wait,
  mx_port_packet_t,
  mx_timer_create,
  MX_DEFAULT_CHANNEL_RIGHTS,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_FOUND,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_HANDLE_INVALID,
  MX_OK,
  MX_PORT_OPT_V2,
  MX_RIGHT_DUPLICATE,
  MX_RIGHT_READ,
  MX_RIGHT_SAME_RIGHTS,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_SIGNAL_LAST_HANDLE,
  MX_USER_SIGNAL_0,
  MX_WAIT_ASYNC_ONCE,
  mx_port_cancel,
} from "../../kernel/index.ts";
import { newChannel, newEvent, newPort, track, useHandles } from "./helpers.ts";

function state(h: number): number {
  const o = { value: 0 };
  assert.equal(mx_object_wait_one(h, 0, 0n, o), MX_ERR_TIMED_OUT);
  return o.value;
}

describe("handle table", () => {
  useHandles();

  it("hands out positive int32 values that are never 0 and never repeat soon", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const h = newEvent();
      assert.ok(h > 0 && (h | 0) === h);
      assert.ok(!seen.has(h));
      seen.add(h);
      assert.equal(mx_handle_close(h), MX_OK);
    }
  });

  it("detects stale values after close (generation check)", () => {
    const h = newEvent();
    assert.equal(mx_handle_close(h), MX_OK);
    const h2 = newEvent();
    assert.notStrictEqual(h2, h);
    assert.equal(mx_handle_close(h), MX_ERR_BAD_HANDLE);
    assert.equal(mx_object_signal(h, 0, MX_USER_SIGNAL_0), MX_ERR_BAD_HANDLE);
  });

  it("rejects values that are not exactly a live handle", () => {
    const h = newEvent();
    for (const v of [MX_HANDLE_INVALID, h + 2 ** 32, h - 2 ** 32, h + 0.5, -h, NaN, `${h}`, null, undefined, {}]) {
      assert.equal(mx_handle_close(v as number), MX_ERR_BAD_HANDLE);
    }
    assert.equal(mx_handle_close(h), MX_OK);
  });

  it("closing MX_HANDLE_INVALID is BAD_HANDLE in June 2017", () => {
    assert.equal(mx_handle_close(MX_HANDLE_INVALID), MX_ERR_BAD_HANDLE);
  });

  describe("mx_handle_duplicate", () => {
    it("copies rights with SAME_RIGHTS (given as int32 or uint32) and restricts to a subset", () => {
      const e = newEvent();
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, d), MX_OK);
      track(d.value);
      assert.equal(mx_handle_duplicate(e, 1 << 31, d), MX_OK);
      track(d.value);
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ, d), MX_OK);
      const ro = track(d.value);
      assert.equal(mx_object_signal(ro, 0, MX_USER_SIGNAL_0), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_handle_duplicate(ro, MX_RIGHT_READ, d), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_handle_duplicate(e, 0, d), MX_OK);
      track(d.value);
    });

    it("errors: BAD_HANDLE, ACCESS_DENIED without DUPLICATE, INVALID_ARGS for a superset or a missing out", () => {
      const [c0] = newChannel();
      const e = newEvent();
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(123456, MX_RIGHT_SAME_RIGHTS, d), MX_ERR_BAD_HANDLE);
      assert.equal(mx_handle_duplicate(c0, MX_RIGHT_SAME_RIGHTS, d), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_handle_duplicate(e, 0x7fff_ffff, d), MX_ERR_INVALID_ARGS);
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS | MX_RIGHT_READ, d), MX_ERR_INVALID_ARGS);
      const before = kernel_stats().handles;
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, null as never), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_stats().handles, before);
      assert.equal(d.value, 0);
    });
  });

  describe("mx_handle_replace", () => {
    it("invalidates the old handle on success, needs no right, keeps the original on failure", () => {
      const [c0] = newChannel();
      const r = { value: 0 };
      assert.equal(mx_handle_replace(c0, MX_RIGHT_DUPLICATE, r), MX_ERR_INVALID_ARGS);
      assert.equal(mx_handle_replace(c0, MX_RIGHT_READ | MX_RIGHT_WRITE, r), MX_OK);
      track(r.value);
      assert.notStrictEqual(r.value, c0);
      assert.equal(mx_handle_close(c0), MX_ERR_BAD_HANDLE);
      const r2 = { value: 0 };
      assert.equal(mx_handle_replace(r.value, MX_RIGHT_SAME_RIGHTS, r2), MX_OK);
      track(r2.value);
      assert.equal(mx_handle_replace(r.value, MX_RIGHT_SAME_RIGHTS, r2), MX_ERR_BAD_HANDLE);
    });

    it("cancels async waits registered through the old handle", () => {
      const port = newPort();
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, port, 1n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
      const r = { value: 0 };
      assert.equal(mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS, r), MX_OK);
      track(r.value);
      assert.equal(mx_object_signal(r.value, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
      assert.equal(mx_port_cancel(port, r.value, 1n), MX_ERR_NOT_FOUND);
    });
  });

  describe("MX_SIGNAL_LAST_HANDLE", () => {
    it("is set with one handle, cleared by duplicate, set again by close, untouched by replace", () => {
      const e = newEvent();
      assert.equal(state(e) & MX_SIGNAL_LAST_HANDLE, MX_SIGNAL_LAST_HANDLE);
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, d), MX_OK);
      assert.equal(state(e) & MX_SIGNAL_LAST_HANDLE, 0);
      assert.equal(mx_handle_close(d.value), MX_OK);
      assert.equal(state(e) & MX_SIGNAL_LAST_HANDLE, MX_SIGNAL_LAST_HANDLE);
    });

    it("replace keeps LAST_HANDLE and changes no signal seen through other handles", () => {
      const only = newEvent();
      const kept = { value: 0 };
      assert.equal(mx_handle_replace(only, MX_RIGHT_SAME_RIGHTS, kept), MX_OK);
      track(kept.value);
      assert.equal(state(kept.value) & MX_SIGNAL_LAST_HANDLE, MX_SIGNAL_LAST_HANDLE);
      const port = newPort();
      const e = newEvent();
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, d), MX_OK);
      track(d.value);
      // A repeating observer through `d` sees any state change of the event.
      assert.equal(mx_object_wait_async(d.value, port, 7n, MX_USER_SIGNAL_0 | MX_SIGNAL_LAST_HANDLE, 1), MX_OK);
      const r = { value: 0 };
      assert.equal(mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS, r), MX_OK);
      track(r.value);
      assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
      assert.equal(mx_port_cancel(port, d.value, 7n), MX_OK);
    });

    it("is set on channels, event pairs and timers at creation", () => {
      const a = { value: 0 };
      const b = { value: 0 };
      assert.equal(mx_channel_create(0, a, b), MX_OK);
      track(a.value);
      track(b.value);
      assert.equal(state(a.value), (MX_SIGNAL_LAST_HANDLE | 2) >>> 0);
      assert.equal(mx_eventpair_create(0, a, b), MX_OK);
      track(a.value);
      track(b.value);
      assert.equal(state(a.value), MX_SIGNAL_LAST_HANDLE);
      assert.equal(mx_timer_create(0, 0, a), MX_OK);
      track(a.value);
      assert.equal(state(a.value), MX_SIGNAL_LAST_HANDLE);
    });

    it("cannot be set or cleared by users", () => {
      const e = newEvent();
      assert.equal(mx_object_signal(e, 0, MX_SIGNAL_LAST_HANDLE), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_signal(e, MX_SIGNAL_LAST_HANDLE, 0), MX_ERR_INVALID_ARGS);
    });
  });

  describe("limits", () => {
    let saved = kernel_limits();
    beforeEach(() => {
      saved = kernel_limits();
    });
    afterEach(() => {
      assert.equal(kernel_configure(saved), MX_OK);
    });

    it("a full table gives NO_MEMORY, creates nothing, and recovers when handles close", () => {
      const base = kernel_stats().handles;
      assert.equal(kernel_configure({ maxHandles: base + 3 }), MX_OK);
      const e = newEvent();
      const o = { value: 0 };
      const o2 = { value: 0 };
      assert.equal(mx_channel_create(0, o, o2), MX_OK);
      track(o.value);
      track(o2.value);
      assert.equal(kernel_stats().handles, base + 3);
      assert.equal(mx_event_create(0, o), MX_ERR_NO_MEMORY);
      assert.equal(mx_port_create(MX_PORT_OPT_V2, o), MX_ERR_NO_MEMORY);
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, o), MX_ERR_NO_MEMORY);
      assert.equal(mx_eventpair_create(0, o, o2), MX_ERR_NO_MEMORY);
      assert.equal(kernel_stats().handles, base + 3);
      // replace never needs a new slot
      assert.equal(mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS, o), MX_OK);
      track(o.value);
      assert.equal(mx_handle_close(o.value), MX_OK);
      assert.equal(mx_event_create(0, o), MX_OK);
      track(o.value);
    });

    it("a two-handle create fails whole when only one slot is left", () => {
      const base = kernel_stats().handles;
      assert.equal(kernel_configure({ maxHandles: base + 1 }), MX_OK);
      const a = { value: 0 };
      const b = { value: 0 };
      assert.equal(mx_channel_create(0, a, b), MX_ERR_NO_MEMORY);
      assert.equal(a.value, 0);
      assert.equal(b.value, 0);
      assert.equal(kernel_stats().handles, base);
    });

    it("kernel_configure rejects bad limits and changes nothing", () => {
      const before = kernel_limits();
      assert.equal(kernel_configure({ maxHandles: 0 }), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_configure({ maxHandles: 1.5 }), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_configure({ maxPacketsPerPort: -1, maxHandles: 10 }), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_configure({ maxHandles: 70000 }), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_configure(null as never), MX_ERR_INVALID_ARGS);
      assert.deepStrictEqual(kernel_limits(), before);
    });
  });

  it("default channel rights lack DUPLICATE; others carry TRANSFER", () => {
    assert.equal(MX_DEFAULT_CHANNEL_RIGHTS, MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE);
  });
});
