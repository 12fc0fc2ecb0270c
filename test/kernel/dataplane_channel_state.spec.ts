/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (an observed peer or reader, the message limit, the shared prefix pool). The method, for every file of this
 * suite (channel_fallback.ts has what they share): through the public syscalls only, each condition that makes an
 * entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be exactly the one the reference
 * semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the twin) and on the device (C); a
 * queue's order holds across the prefix/suffix boundary. Where the specs are silent, the expectation is what the
 * kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_check,
  kernel_configure,
  kernel_stats,
  mx_handle_close,
  mx_object_signal_peer,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_port_cancel,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_FOUND,
  MX_ERR_OUT_OF_RANGE,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_SIGNAL_REP,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_7,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "../../kernel/index.ts";
import { newChannel, newPort, out } from "./helpers.ts";
import { write,  POOL, READABLE, WRITABLE, LAST, pattern, tagged, tagOf, state, HOWS, expectNext, expectEmpty, nextPacket, noPacket, noDeadline, describeChannelFallbacks } from "./channel_fallback.ts";

describeChannelFallbacks("mx_channel_write / mx_channel_read: each fall-back condition answers exactly as the spec says: observers, limits, the pool", () => {
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

  describe("the per-channel message limit (maxMessagesPerChannel)", () => {
    it("NO_MEMORY once reached, whatever the message: after the sizes, before bytes and handles; a channel made before obeys it", () => {
      noDeadline();
      const early = newChannel();
      assert.equal(write(early[0], 0, pattern(0, 4), 4, null, 0), MX_OK);
      assert.equal(kernel_configure({ maxMessagesPerChannel: 3 }), MX_OK);
      const late = newChannel();
      let e = tagged(1);
      const es = [2, 3, 4, 5, 6].map(tagged);
      for (const [name, [a, b]] of [["made before", early], ["made after", late]] as const) {
        for (let i = name === "made before" ? 1 : 0; i < 3; i++) assert.equal(write(a, 0, pattern(i, 4), 4, null, 0), MX_OK);
        const full: [string, unknown[], number][] = [
          ["bytes", [a, 0, pattern(9, 4), 4, null, 0], MX_ERR_NO_MEMORY],
          ["a handle", [a, 0, pattern(9, 4), 4, [e], 1], MX_ERR_NO_MEMORY],
          ["five handles", [a, 0, pattern(9, 4), 4, es, 5], MX_ERR_NO_MEMORY],
          ["200 bytes", [a, 0, pattern(9, 200), 200, null, 0], MX_ERR_NO_MEMORY],
          ["no bytes", [a, 0, null, 0, null, 0], MX_ERR_NO_MEMORY],
          ["a short buffer", [a, 0, pattern(9, 2), 4, null, 0], MX_ERR_NO_MEMORY],
          ["a bad handle", [a, 0, pattern(9, 4), 4, [0], 1], MX_ERR_NO_MEMORY],
          ["its own handle", [a, 0, pattern(9, 4), 4, [a], 1], MX_ERR_NO_MEMORY],
          ["65537 bytes", [a, 0, null, 65537, null, 0], MX_ERR_OUT_OF_RANGE],
          ["0.5 bytes", [a, 0, null, 0.5, null, 0], MX_ERR_INVALID_ARGS],
          ["options 1", [a, 1, pattern(9, 4), 4, null, 0], MX_ERR_INVALID_ARGS],
        ];
        for (const [what, args, status] of full) assert.equal(write(...args), status, `${name}: ${what}`);
        assert.equal(tagOf(e), 1, "the handle stayed");
        assert.deepEqual(es.map(tagOf), [2, 3, 4, 5, 6]);
        assert.equal(write(b, 0, pattern(5, 4), 4, null, 0), MX_OK, `${name}: the other direction has room`);
        expectNext(b, pattern(0, 4), [], "plain", `${name}: 0`);
        assert.equal(write(a, 0, pattern(3, 4), 4, [e], 1), MX_OK, `${name}: room for one`);
        assert.equal(write(a, 0, pattern(9, 4), 4, null, 0), MX_ERR_NO_MEMORY);
        expectNext(b, pattern(1, 4), [], "sizes", `${name}: 1`);
        expectNext(b, pattern(2, 4), [], "u32", `${name}: 2`);
        const [again] = expectNext(b, pattern(3, 4), [1], "plain", `${name}: 3`);
        expectNext(a, pattern(5, 4), [], "plain", `${name}: the other direction`);
        expectEmpty(b);
        // The event came back with a new value: use it from now on.
        assert.equal(write(a, 0, pattern(6, 4), 4, [again], 1), MX_OK);
        [e] = expectNext(b, pattern(6, 4), [1]);
      }
    });

    it(`the limit counts prefix and suffix together (${POOL + 8} > the pool's ${POOL}); lowered below what is queued it drops nothing`, () => {
      noDeadline();
      const limit = POOL + 8;
      assert.equal(kernel_configure({ maxMessagesPerChannel: limit }), MX_OK);
      const [a, b] = newChannel();
      for (let i = 0; i < limit; i++) assert.equal(write(a, 0, pattern(i, 5), 5, null, 0), MX_OK, `message ${i}`);
      assert.equal(write(a, 0, pattern(99, 5), 5, null, 0), MX_ERR_NO_MEMORY);
      expectNext(b, pattern(0, 5), []);
      assert.equal(write(a, 0, pattern(limit, 5), 5, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(99, 5), 5, null, 0), MX_ERR_NO_MEMORY);
      assert.equal(kernel_configure({ maxMessagesPerChannel: 5 }), MX_OK);
      let next = 1;
      for (; next <= limit - 4; next++) {
        assert.equal(write(a, 0, pattern(99, 5), 5, null, 0), MX_ERR_NO_MEMORY, `${limit + 1 - next} queued`);
        expectNext(b, pattern(next, 5), [], HOWS[next % 3], `message ${next}`);
      }
      assert.equal(write(a, 0, pattern(limit + 1, 5), 5, null, 0), MX_OK, "4 queued: room for one");
      assert.equal(write(a, 0, pattern(99, 5), 5, null, 0), MX_ERR_NO_MEMORY);
      for (; next <= limit + 1; next++) expectNext(b, pattern(next, 5), [], HOWS[next % 3], `message ${next}`);
      expectEmpty(b);
    });
  });

  describe(`the shared prefix pool (${POOL} messages)`, () => {
    it(`${POOL + 13} messages of 1..128 bytes and 0..4 handles in one queue, read while more are written: all in order, intact`, () => {
      noDeadline();
      const [a, b] = newChannel();
      let tag = 0;
      const queued: [Uint8Array, number[]][] = [];
      let seq = 0;
      const send = () => {
        const i = seq++;
        const n = 1 + ((i * 37) % 128);
        const tags = i % 3 === 0 ? Array.from({ length: (i / 3) % 5 }, () => ++tag) : [];
        const bytes = pattern(i, n);
        assert.equal(write(a, 0, bytes, n, tags.map(tagged), tags.length), MX_OK, `message ${i}`);
        queued.push([bytes, tags]);
      };
      let got = 0;
      const take = (k: number) => {
        for (let j = 0; j < k; j++, got++) {
          const [bytes, tags] = queued.shift() as [Uint8Array, number[]];
          expectNext(b, bytes, tags, HOWS[got % 3], `message ${got}`);
        }
      };
      for (let i = 0; i < POOL + 13; i++) send();
      take(10);
      for (let i = 0; i < 10; i++) send();
      take(20);
      for (let i = 0; i < 5; i++) send();
      take(queued.length);
      expectEmpty(b);
      assert.equal(got, POOL + 28);
      for (let i = 0; i < 3; i++) send();
      take(3);
      expectEmpty(b, "empty again");
    });

    it("two channels sharing the pool: one fills it, the other falls back; each keeps its own order", () => {
      noDeadline();
      const [a, b] = newChannel();
      const [c, d] = newChannel();
      const n = POOL + 3;
      for (let i = 0; i < n; i++) assert.equal(write(a, 0, pattern(i, 9), 9, null, 0), MX_OK);
      for (let i = 100; i < 103; i++) assert.equal(write(c, 0, pattern(i, 9), 9, null, 0), MX_OK);
      for (let i = 0; i < 5; i++) expectNext(b, pattern(i, 9), [], HOWS[i % 3], `a ${i}`);
      for (let i = 103; i < 105; i++) assert.equal(write(c, 0, pattern(i, 9), 9, null, 0), MX_OK);
      for (let i = n; i < n + 5; i++) assert.equal(write(a, 0, pattern(i, 9), 9, null, 0), MX_OK);
      for (let i = 100; i < 105; i++) expectNext(d, pattern(i, 9), [], HOWS[i % 3], `c ${i}`);
      for (let i = 105; i < 110; i++) assert.equal(write(c, 0, pattern(i, 9), 9, null, 0), MX_OK);
      for (let i = 5; i < n + 5; i++) expectNext(b, pattern(i, 9), [], HOWS[i % 3], `a ${i}`);
      for (let i = 105; i < 110; i++) expectNext(d, pattern(i, 9), [], HOWS[i % 3], `c ${i}`);
      expectEmpty(b);
      expectEmpty(d);
    });

    it(`closing a channel that holds prefix and suffix messages frees them: a new channel carries ${POOL + 8} in order`, () => {
      noDeadline();
      const [a, b] = newChannel();
      for (let i = 0; i < POOL + 8; i++) assert.equal(write(a, 0, pattern(i, 20), 20, null, 0), MX_OK);
      assert.equal(mx_handle_close(b), MX_OK);
      assert.deepEqual(kernel_check(), []);
      assert.equal(mx_handle_close(a), MX_OK);
      const [c, d] = newChannel();
      for (let i = 0; i < POOL + 8; i++) assert.equal(write(c, 0, pattern(i, 20), 20, null, 0), MX_OK);
      for (let i = 0; i < POOL + 8; i++) expectNext(d, pattern(i, 20), [], HOWS[i % 3], `${i}`);
      expectEmpty(d);
    });
  });
});
