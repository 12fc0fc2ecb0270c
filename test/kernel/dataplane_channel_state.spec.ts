/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (an observed peer or reader). The method, for
 * every file of this suite (channel_fallback.ts has what they share): through the public syscalls only, each
 * condition that makes an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be exactly
 * the one the reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the twin) and
 * on the device (C); a queue's order holds across the prefix/suffix boundary. Where the specs are silent, the
 * expectation is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_object_signal_peer,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_port_cancel,
  MX_ERR_NOT_FOUND,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_SIGNAL_REP,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_7,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, newPort, noDeadline, out } from "./helpers.ts";
import { write, READABLE, WRITABLE, LAST, pattern, tagged, state, HOWS, expectNext, expectEmpty, nextPacket, noPacket } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: an observed peer or reader", () => {
  describe("an observed peer or reader", () => {
    it("an async wait on the peer (ONCE, READABLE): the message is delivered and exactly one packet is queued", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      assert.equal(mx_object_wait_async(b, port, 42n, READABLE, MX_WAIT_ASYNC_ONCE), MX_OK);
      noPacket(port, "before the write");
      assert.equal(write(a, 0, pattern(1, 6), 6, null, 0), MX_OK);
      const p = nextPacket(port);
      assert.equal(p.key, 42n);
      assert.equal(p.type, MX_PKT_TYPE_SIGNAL_ONE);
      assert.equal(p.status, MX_OK);
      assert.equal(p.signal.trigger, READABLE);
      assert.equal(p.signal.observed, (READABLE | WRITABLE | LAST) >>> 0);
      assert.equal(p.signal.count, 1n);
      noPacket(port, "one packet");
      const e = tagged(3);
      assert.equal(write(a, 0, pattern(2, 6), 6, [e], 1), MX_OK);
      assert.equal(write(a, 0, pattern(3, 6), 6, null, 0), MX_OK);
      expectNext(b, pattern(1, 6), [], "plain", "1");
      expectNext(b, pattern(2, 6), [3], "plain", "2");
      expectNext(b, pattern(3, 6), [], "plain", "3");
      assert.equal(write(a, 0, pattern(4, 6), 6, null, 0), MX_OK);
      noPacket(port, "the ONCE observer is gone");
      expectNext(b, pattern(4, 6), []);
      expectEmpty(b);
    });

    it("an async wait on the peer for another signal: no packet, the message is delivered, READABLE set; then its own signal", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      assert.equal(mx_object_wait_async(b, port, 7n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_REPEATING), MX_OK);
      assert.equal(write(a, 0, pattern(1, 6), 6, null, 0), MX_OK);
      assert.equal(state(b), (READABLE | WRITABLE | LAST) >>> 0);
      noPacket(port, "READABLE is not a trigger");
      expectNext(b, pattern(1, 6), []);
      noPacket(port, "after the read");
      assert.equal(mx_object_signal_peer(a, 0, MX_USER_SIGNAL_0), MX_OK);
      const p = nextPacket(port);
      assert.equal(p.key, 7n);
      assert.equal(p.type, MX_PKT_TYPE_SIGNAL_REP);
      assert.equal(p.signal.observed, (WRITABLE | LAST | MX_USER_SIGNAL_0) >>> 0);
      assert.equal(p.signal.count, 1n);
      assert.equal(mx_port_cancel(port, b, 7n), MX_OK);
      assert.equal(write(a, 0, pattern(2, 6), 6, null, 0), MX_OK);
      expectNext(b, pattern(2, 6), []);
      noPacket(port, "cancelled");
    });

    it("a REPEATING wait on the peer for WRITABLE: level-triggered, READABLE's changes queue packets, one in flight at a time", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      assert.equal(mx_object_wait_async(b, port, 9n, WRITABLE, MX_WAIT_ASYNC_REPEATING), MX_OK);
      let p = nextPacket(port);
      assert.equal(p.signal.observed, (WRITABLE | LAST) >>> 0, "at registration");
      assert.equal(p.signal.count, 1n);
      assert.equal(write(a, 0, pattern(1, 4), 4, null, 0), MX_OK, "READABLE set: a change");
      assert.equal(write(a, 0, pattern(2, 4), 4, null, 0), MX_OK, "no change");
      expectNext(b, pattern(1, 4), [], "plain", "1: no change");
      expectNext(b, pattern(2, 4), [], "plain", "2: READABLE cleared, while the packet is still queued");
      p = nextPacket(port);
      assert.equal(p.type, MX_PKT_TYPE_SIGNAL_REP);
      assert.equal(p.signal.observed, (READABLE | WRITABLE | LAST) >>> 0, "the packet keeps the state it was queued with");
      noPacket(port, "one packet in flight");
      assert.equal(write(a, 0, pattern(3, 4), 4, null, 0), MX_OK);
      p = nextPacket(port);
      assert.equal(p.signal.observed, (READABLE | WRITABLE | LAST) >>> 0);
      expectNext(b, pattern(3, 4), []);
      p = nextPacket(port);
      assert.equal(p.signal.observed, (WRITABLE | LAST) >>> 0, "READABLE cleared by the read");
      noPacket(port);
      assert.equal(mx_port_cancel(port, b, 9n), MX_OK);
    });

    it("an async wait on the writer's own end: writes change nothing there and queue no packet", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      assert.equal(mx_object_wait_async(a, port, 1n, READABLE, MX_WAIT_ASYNC_REPEATING), MX_OK);
      for (let i = 0; i < 3; i++) assert.equal(write(a, 0, pattern(i, 4), 4, null, 0), MX_OK);
      noPacket(port, "the writer's state did not change");
      for (let i = 0; i < 3; i++) expectNext(b, pattern(i, 4), []);
      assert.equal(write(b, 0, pattern(5, 4), 4, null, 0), MX_OK);
      const p = nextPacket(port);
      assert.equal(p.key, 1n);
      assert.equal(p.signal.observed, (READABLE | WRITABLE | LAST) >>> 0);
      expectNext(a, pattern(5, 4), []);
      assert.equal(mx_port_cancel(port, a, 1n), MX_OK);
    });

    it("READABLE: wait_one with deadline 0 sees it after a fast write, and not after the last fast read", () => {
      noDeadline();
      const [a, b] = newChannel();
      assert.equal(state(b), (WRITABLE | LAST) >>> 0);
      const o = out();
      for (const deadline of [0n, 0, 1n]) {
        assert.equal(write(a, 0, pattern(1, 4), 4, null, 0), MX_OK);
        assert.equal(mx_object_wait_one(b, READABLE, deadline, o), MX_OK, `deadline ${deadline}: READABLE`);
        assert.equal(o.value, (READABLE | WRITABLE | LAST) >>> 0);
        assert.equal(mx_object_wait_one(a, READABLE, deadline, o), MX_ERR_TIMED_OUT, "the writer is not READABLE");
        assert.equal(o.value, (WRITABLE | LAST) >>> 0);
        assert.equal(write(a, 0, pattern(2, 4), 4, null, 0), MX_OK);
        expectNext(b, pattern(1, 4), []);
        assert.equal(mx_object_wait_one(b, READABLE, deadline, o), MX_OK, "one message left");
        expectNext(b, pattern(2, 4), []);
        assert.equal(mx_object_wait_one(b, READABLE, deadline, o), MX_ERR_TIMED_OUT, "the last one read");
        assert.equal(o.value, (WRITABLE | LAST) >>> 0);
      }
      assert.equal(kernel_stats().deadlines, 0, "the polls armed nothing");
      // With bit 31 set in the reader's signal word (a negative int32 to the engine), READABLE comes and goes alone.
      assert.equal(mx_object_signal_peer(a, 0, MX_USER_SIGNAL_7), MX_OK);
      assert.equal(write(a, 0, pattern(3, 4), 4, null, 0), MX_OK);
      assert.equal(state(b), (READABLE | WRITABLE | LAST | MX_USER_SIGNAL_7) >>> 0);
      expectNext(b, pattern(3, 4), []);
      assert.equal(state(b), (WRITABLE | LAST | MX_USER_SIGNAL_7) >>> 0);
    });

    it("a REPEATING wait on the reader reports the count of messages queued, prefix and suffix; then packets as the spec says", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      const es = [1, 2, 3, 4, 5].map(tagged);
      const sent: [Uint8Array, number[]][] = [];
      const send = (bytes: Uint8Array, handles: number[] = [], tags: number[] = []) => {
        assert.equal(write(a, 0, bytes, bytes.length, handles, handles.length), MX_OK);
        sent.push([bytes, tags]);
      };
      for (let i = 0; i < 5; i++) send(pattern(i, i + 1));
      send(pattern(5, 6), es, [1, 2, 3, 4, 5]); // five handles: behind the prefix
      send(pattern(6, 7));
      send(pattern(7, 8));
      assert.equal(mx_object_wait_async(b, port, 77n, READABLE, MX_WAIT_ASYNC_REPEATING), MX_OK);
      let p = nextPacket(port);
      assert.equal(p.type, MX_PKT_TYPE_SIGNAL_REP);
      assert.equal(p.signal.count, 8n, "every message queued, prefix and suffix");
      assert.equal(p.signal.observed, (READABLE | WRITABLE | LAST) >>> 0);
      send(pattern(8, 9));
      send(pattern(9, 10));
      noPacket(port, "READABLE was already set");
      sent.splice(0).forEach(([bytes, tags], i) => expectNext(b, bytes, tags, HOWS[i % 3], `message ${i}`));
      noPacket(port, "READABLE cleared: not a trigger");
      send(pattern(10, 3));
      p = nextPacket(port);
      assert.equal(p.signal.count, 1n, "a state change counts 1");
      assert.equal(p.signal.observed, (READABLE | WRITABLE | LAST) >>> 0);
      assert.equal(mx_port_cancel(port, b, 77n), MX_OK);
      send(pattern(11, 3));
      sent.splice(0).forEach(([bytes, tags], i) => expectNext(b, bytes, tags, HOWS[i % 3], `after ${i}`));
      noPacket(port, "cancelled");
      expectEmpty(b);
    });

    it("a ONCE wait on the reader with 3 messages queued: one packet, count 3; the reads and later writes queue none", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      for (let i = 0; i < 3; i++) assert.equal(write(a, 0, pattern(i, 4), 4, null, 0), MX_OK);
      assert.equal(mx_object_wait_async(b, port, 5n, READABLE, MX_WAIT_ASYNC_ONCE), MX_OK);
      const p = nextPacket(port);
      assert.equal(p.type, MX_PKT_TYPE_SIGNAL_ONE);
      assert.equal(p.signal.count, 3n);
      for (let i = 0; i < 3; i++) expectNext(b, pattern(i, 4), []);
      assert.equal(write(a, 0, pattern(3, 4), 4, null, 0), MX_OK);
      expectNext(b, pattern(3, 4), []);
      noPacket(port);
      assert.equal(mx_port_cancel(port, b, 5n), MX_ERR_NOT_FOUND);
    });
  });
});
