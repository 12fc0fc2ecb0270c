import assert from "node:assert/strict";
import {
  awaitable,
  mx_deadline_after,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_signal,
  mx_object_signal_peer,
  mx_object_wait_many,
  mx_object_wait_one,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_MSEC,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_SAME_RIGHTS,
  MX_RIGHT_WRITE,
  MX_SIGNAL_HANDLE_CLOSED,
  MX_SIGNAL_LAST_HANDLE,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_1,
  MX_USER_SIGNAL_7,
  type mx_wait_item_t,
  mx_channel_write,
  mx_channel_read,
  mx_handle_replace,
} from "../../kernel/index.ts";
import { newChannel, newEvent, newPort, settle, track, useHandles } from "./helpers.ts";

describe("object waits and signals", () => {
  useHandles();

  describe("mx_object_wait_one", () => {
    it("returns OK at once when a bit is already set, even with a past deadline", () => {
      const e = newEvent();
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
      const o = { value: 0 };
      assert.equal(mx_object_wait_one(e, MX_USER_SIGNAL_0, 0n, o), MX_OK);
      assert.equal(o.value, (MX_USER_SIGNAL_0 | MX_SIGNAL_LAST_HANDLE) >>> 0);
    });

    it("wait_one(h, 0, 0, &obs) reads the state: TIMED_OUT with observed filled", () => {
      const e = newEvent();
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_7), MX_OK);
      const o = { value: 0 };
      assert.equal(mx_object_wait_one(e, 0, 0n, o), MX_ERR_TIMED_OUT);
      assert.equal(o.value, (MX_USER_SIGNAL_7 | MX_SIGNAL_LAST_HANDLE) >>> 0);
      assert.ok(o.value > 0);
    });

    it("a short deadline times out synchronously", () => {
      const e = newEvent();
      assert.equal(mx_object_wait_one(e, MX_USER_SIGNAL_0, mx_deadline_after(MX_MSEC(3)), null), MX_ERR_TIMED_OUT);
    });

    it("errors: BAD_HANDLE, ACCESS_DENIED without READ, NOT_SUPPORTED for a port, INVALID_ARGS for bad kinds", () => {
      assert.equal(mx_object_wait_one(0, 1, 0n, null), MX_ERR_BAD_HANDLE);
      const wo = { value: 0 };
      assert.equal(mx_handle_duplicate(newEvent(), MX_RIGHT_WRITE, wo), MX_OK);
      track(wo.value);
      assert.equal(mx_object_wait_one(wo.value, 1, 0n, null), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_object_wait_one(newPort(), 1, 0n, null), MX_ERR_NOT_SUPPORTED);
      const e = newEvent();
      assert.equal(mx_object_wait_one(e, 1, 0n, 5 as never), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_wait_one(e, 1.5, 0n, null), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_wait_one(e, 1, -1n, null), MX_ERR_INVALID_ARGS);
    });

    it("awaitable: every satisfied waiter wakes; observed is the OR of every state seen", async () => {
      const e = newEvent();
      const o1 = { value: 0 };
      const o2 = { value: 0 };
      const o3 = { value: 0 };
      const w1 = awaitable.mx_object_wait_one(e, MX_USER_SIGNAL_1, MX_TIME_INFINITE, o1);
      const w2 = awaitable.mx_object_wait_one(e, MX_USER_SIGNAL_1, MX_TIME_INFINITE, o2);
      const w3 = awaitable.mx_object_wait_one(e, MX_EVENT_SIGNALED, mx_deadline_after(MX_MSEC(20)), o3);
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(mx_object_signal(e, MX_USER_SIGNAL_0, MX_USER_SIGNAL_1), MX_OK);
      assert.deepStrictEqual(await Promise.all([w1, w2]), [MX_OK, MX_OK]);
      const want = (MX_USER_SIGNAL_0 | MX_USER_SIGNAL_1 | MX_SIGNAL_LAST_HANDLE) >>> 0;
      assert.equal(o1.value, want);
      assert.equal(o2.value, want);
      assert.equal(await w3, MX_ERR_TIMED_OUT);
      assert.equal(o3.value, want);
    });

    it("closing the handle a waiter waits through ends it with CANCELED (HANDLE_CLOSED observed); a duplicate's waiter goes on", async () => {
      const e = newEvent();
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, d), MX_OK);
      track(d.value);
      const o = { value: 0 };
      const cancelled = awaitable.mx_object_wait_one(e, MX_USER_SIGNAL_0, MX_TIME_INFINITE, o);
      let other = -1;
      const survivor = awaitable.mx_object_wait_one(d.value, MX_USER_SIGNAL_0, MX_TIME_INFINITE, null).then((s) => (other = s));
      assert.equal(mx_handle_close(e), MX_OK);
      assert.equal(await cancelled, MX_ERR_CANCELED);
      assert.equal(o.value & MX_SIGNAL_HANDLE_CLOSED, MX_SIGNAL_HANDLE_CLOSED);
      await settle();
      assert.equal(other, -1);
      assert.equal(mx_object_signal(d.value, 0, MX_USER_SIGNAL_0), MX_OK);
      await survivor;
      assert.equal(other, MX_OK);
    });

    it("a wait through a transferred handle is cancelled when the message is read", async () => {
      const e = newEvent();
      const [a, b] = newChannel();
      let result = 0;
      const w = awaitable.mx_object_wait_one(e, MX_USER_SIGNAL_0, MX_TIME_INFINITE, null).then((s) => (result = s));
      assert.equal(mx_channel_write(a, 0, null, 0, [e], 1), MX_OK);
      await settle();
      assert.equal(result, 0);
      const hs = [0];
      assert.equal(mx_channel_read(b, 0, null, hs, 0, 1, null, null), MX_OK);
      track(hs[0]);
      await w;
      assert.equal(result, MX_ERR_CANCELED);
    });
  });

  describe("mx_object_wait_many", () => {
    it("returns OK when any item is satisfied and writes every item's pending", () => {
      const e1 = newEvent();
      const e2 = newEvent();
      assert.equal(mx_object_signal(e2, 0, MX_USER_SIGNAL_1), MX_OK);
      const items: mx_wait_item_t[] = [
        { handle: e1, waitfor: MX_USER_SIGNAL_0, pending: 0 },
        { handle: e2, waitfor: MX_USER_SIGNAL_1, pending: 0 },
      ];
      assert.equal(mx_object_wait_many(items, 2, 0n), MX_OK);
      assert.equal(items[0].pending, MX_SIGNAL_LAST_HANDLE);
      assert.equal(items[1].pending, (MX_USER_SIGNAL_1 | MX_SIGNAL_LAST_HANDLE) >>> 0);
    });

    it("TIMED_OUT still writes pending; count 0 sleeps until the deadline", () => {
      const e = newEvent();
      const items = [{ handle: e, waitfor: MX_USER_SIGNAL_0, pending: 99 }];
      assert.equal(mx_object_wait_many(items, 1, mx_deadline_after(MX_MSEC(2))), MX_ERR_TIMED_OUT);
      assert.equal(items[0].pending, MX_SIGNAL_LAST_HANDLE);
      assert.equal(mx_object_wait_many(null, 0, mx_deadline_after(MX_MSEC(2))), MX_ERR_TIMED_OUT);
      assert.equal(mx_object_wait_many(null, 0, 0n), MX_ERR_TIMED_OUT);
    });

    it("errors: NULL items, too many, count beyond the array, bad handle, no READ, not waitable; nothing written", () => {
      const e = newEvent();
      assert.equal(mx_object_wait_many(null, 1, 0n), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_wait_many(new Array(1025).fill({ handle: e, waitfor: 1, pending: 0 }), 1025, 0n), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_wait_many([{ handle: e, waitfor: 1, pending: 0 }], 2, 0n), MX_ERR_INVALID_ARGS);
      const items = [
        { handle: e, waitfor: 1, pending: 7 },
        { handle: 0, waitfor: 1, pending: 7 },
      ];
      assert.equal(mx_object_wait_many(items, 2, 0n), MX_ERR_BAD_HANDLE);
      assert.equal(items[0].pending, 7);
      const wo = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_WRITE, wo), MX_OK);
      track(wo.value);
      assert.equal(mx_object_wait_many([{ handle: wo.value, waitfor: 1, pending: 0 }], 1, 0n), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_object_wait_many([{ handle: newPort(), waitfor: 1, pending: 0 }], 1, 0n), MX_ERR_NOT_SUPPORTED);
      // the unwound observers are gone: a later signal wakes nothing and the event still works
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    });

    it("awaitable: ends when one item is satisfied; CANCELED if an item's handle is closed", async () => {
      const e1 = newEvent();
      const e2 = newEvent();
      const items = [
        { handle: e1, waitfor: MX_USER_SIGNAL_0, pending: 0 },
        { handle: e2, waitfor: MX_USER_SIGNAL_0, pending: 0 },
      ];
      const w = awaitable.mx_object_wait_many(items, 2, MX_TIME_INFINITE);
      assert.equal(mx_object_signal(e2, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(await w, MX_OK);
      assert.equal(items[1].pending & MX_USER_SIGNAL_0, MX_USER_SIGNAL_0);
      const w2 = awaitable.mx_object_wait_many(items.map((i) => ({ ...i, waitfor: MX_USER_SIGNAL_1 })), 2, MX_TIME_INFINITE);
      assert.equal(mx_handle_close(e1), MX_OK);
      assert.equal(await w2, MX_ERR_CANCELED);
    });
  });

  describe("mx_object_signal / mx_object_signal_peer", () => {
    it("signal needs WRITE; clear is applied before set; only allowed bits", () => {
      const e = newEvent();
      const ro = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ, ro), MX_OK);
      track(ro.value);
      assert.equal(mx_object_signal(ro.value, 0, MX_USER_SIGNAL_0), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_object_signal(e, MX_USER_SIGNAL_0, MX_USER_SIGNAL_0), MX_OK);
      const o = { value: 0 };
      assert.equal(mx_object_wait_one(e, MX_USER_SIGNAL_0, 0n, o), MX_OK);
      assert.equal(mx_object_signal(e, 0, 1), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_signal(e, 1 << 4, 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(mx_object_signal(e, 0, "x" as never), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_signal(0, 0, 0), MX_ERR_BAD_HANDLE);
    });

    it("channels accept only user signals; ports have no state tracker", () => {
      const [a] = newChannel();
      assert.equal(mx_object_signal(a, 0, MX_EVENT_SIGNALED), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_signal(a, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(mx_object_signal(newPort(), 0, MX_USER_SIGNAL_0), MX_ERR_NOT_SUPPORTED);
    });

    it("signal_peer: no peer is NOT_SUPPORTED (before the mask check), checks no right", () => {
      const e = newEvent();
      assert.equal(mx_object_signal_peer(e, 0, MX_USER_SIGNAL_0), MX_ERR_NOT_SUPPORTED);
      assert.equal(mx_object_signal_peer(e, 0, 1), MX_ERR_NOT_SUPPORTED);
      assert.equal(mx_object_signal_peer(0, 0, 0), MX_ERR_BAD_HANDLE);
      const [a, b] = newChannel();
      const none = { value: 0 };
      assert.equal(mx_handle_replace(a, 0, none), MX_OK);
      track(none.value);
      assert.equal(mx_object_signal_peer(none.value, 0, MX_USER_SIGNAL_0), MX_OK);
      const o = { value: 0 };
      assert.equal(mx_object_wait_one(b, MX_USER_SIGNAL_0, 0n, o), MX_OK);
    });
  });
});

