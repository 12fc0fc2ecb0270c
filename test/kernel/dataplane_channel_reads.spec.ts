/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (reads that do not fit). The method, for every
 * file of this suite (channel_fallback.ts has what they share): through the public syscalls only, each condition
 * that makes an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be exactly the one
 * the reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the twin) and on the
 * device (C); a queue's order holds across the prefix/suffix boundary. Where the specs are silent, the expectation
 * is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_handle_close,
  MX_CHANNEL_READ_MAY_DISCARD,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_PEER_CLOSED,
  MX_ERR_SHOULD_WAIT,
  MX_OK,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, noDeadline, track } from "./helpers.ts";
import { write, read, READABLE, LAST, pattern, sameBytes, tagged, tagOf, state, duplicate, HOWS, expectNext, expectEmpty } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: reads that do not fit", () => {
  describe("reads that do not fit", () => {
    it("BUFFER_TOO_SMALL reports the sizes through actual_bytes/actual_handles and leaves the message; READABLE stays", () => {
      noDeadline();
      const [a, b] = newChannel();
      const es = [1, 2, 3].map(tagged);
      assert.equal(write(a, 0, pattern(1, 10), 10, [es[0], es[1]], 2), MX_OK);
      assert.equal(write(a, 0, pattern(2, 5), 5, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(3, 200), 200, [es[2]], 1), MX_OK);
      const shapes: [Uint8Array, number[]][] = [
        [pattern(1, 10), [1, 2]],
        [pattern(2, 5), []],
        [pattern(3, 200), [3]],
      ];
      shapes.forEach(([bytes, tags], i) => {
        const n = bytes.length;
        const nh = tags.length;
        const tooSmall: [string, number, number][] = [
          ["one byte short", n - 1, nh],
          ["no room at all", 0, 0],
          ...(nh > 0 ? ([["one handle short", n, nh - 1]] as [string, number, number][]) : []),
        ];
        for (const [what, rb, rh] of tooSmall) {
          const ab = { value: -1 };
          const ah = { value: -1 };
          const dst = rb === 0 ? null : new Uint8Array(rb);
          const hs = new Array<number>(rh).fill(0);
          assert.equal(read(b, 0, dst, rh === 0 ? null : hs, rb, rh, ab, ah), MX_ERR_BUFFER_TOO_SMALL, `${i}: ${what}`);
          assert.deepEqual([ab.value, ah.value], [n, nh], `${i}: ${what}: the sizes`);
          assert.equal(read(b, 0, dst, rh === 0 ? null : hs, rb, rh, null, ab), MX_ERR_BUFFER_TOO_SMALL, `${i}: ${what}: one size`);
          assert.equal(ab.value, nh, "actual_handles alone");
          assert.equal(read(b, 0, dst, rh === 0 ? null : hs, rb, rh, null, null), MX_ERR_BUFFER_TOO_SMALL, `${i}: ${what}: no sizes`);
          if (dst !== null) assert.deepEqual(Array.from(dst), new Array(rb).fill(0), "nothing written");
          assert.deepEqual(hs, new Array(rh).fill(0), "no handle given");
          assert.equal(state(b) & READABLE, READABLE);
        }
        expectNext(b, bytes, tags, HOWS[i], `${i}: still queued`);
      });
      expectEmpty(b);
    });

    it("MAY_DISCARD drops a message that does not fit and closes its handles (LAST_HANDLE comes back); READABLE clears with the last", () => {
      noDeadline();
      const [a, b] = newChannel();
      const [e1, e2, e3] = [1, 2, 3].map(tagged);
      const [d1, d2, d3a, d3b] = [duplicate(e1), duplicate(e2), duplicate(e3), duplicate(e3)];
      assert.equal(write(a, 0, pattern(1, 10), 10, [d1], 1), MX_OK);
      assert.equal(write(a, 0, pattern(2, 5), 5, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(3, 200), 200, [d2], 1), MX_OK);
      assert.equal(write(a, 0, pattern(4, 3), 3, [d3a, d3b], 2), MX_OK);
      assert.equal(state(e1) & LAST, 0);
      let handles = kernel_stats().handles;
      const ab = { value: -1 };
      const ah = { value: -1 };
      assert.equal(read(b, MX_CHANNEL_READ_MAY_DISCARD, null, null, 0, 0, ab, ah), MX_ERR_BUFFER_TOO_SMALL);
      assert.deepEqual([ab.value, ah.value], [10, 1]);
      assert.equal(kernel_stats().handles, --handles, "its handle was closed");
      assert.equal(state(e1) & LAST, LAST, "the event has one handle again");
      expectNext(b, pattern(2, 5), [], "plain", "the next message fits");
      assert.equal(read(b, MX_CHANNEL_READ_MAY_DISCARD, new Uint8Array(100), [0], 100, 1, ab, ah), MX_ERR_BUFFER_TOO_SMALL);
      assert.deepEqual([ab.value, ah.value], [200, 1]);
      assert.equal(kernel_stats().handles, --handles);
      assert.equal(state(e2) & LAST, LAST);
      assert.equal(state(b) & READABLE, READABLE, "one message left");
      assert.equal(read(b, MX_CHANNEL_READ_MAY_DISCARD, new Uint8Array(3), [0], 3, 1, null, null), MX_ERR_BUFFER_TOO_SMALL, "one handle short");
      assert.equal(kernel_stats().handles, handles - 2, "both its handles were closed");
      assert.equal(state(e3) & LAST, LAST);
      assert.equal(state(b) & READABLE, 0, "READABLE cleared with the last message");
      expectEmpty(b);
      assert.equal(read(b, MX_CHANNEL_READ_MAY_DISCARD, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
    });

    it("out-parameters: written on OK and BUFFER_TOO_SMALL, not on SHOULD_WAIT or PEER_CLOSED; other kinds are INVALID_ARGS first", () => {
      noDeadline();
      const [a, b] = newChannel();
      const ab = { value: -1 };
      const ah = { value: -1 };
      assert.equal(read(b, 0, null, null, 0, 0, ab, ah), MX_ERR_SHOULD_WAIT);
      assert.deepEqual([ab.value, ah.value], [-1, -1], "not written on SHOULD_WAIT");
      const e = tagged(4);
      assert.equal(write(a, 0, pattern(1, 6), 6, [e], 1), MX_OK);
      const bad: [string, unknown][] = [
        ["5", 5],
        ['"x"', "x"],
        ["true", true],
        ["5n", 5n],
      ];
      const buf = new Uint8Array(6);
      const hs = [0];
      for (const [name, o] of bad) {
        assert.equal(read(b, 0, buf, hs, 6, 1, o, null), MX_ERR_INVALID_ARGS, `actual_bytes ${name}`);
        assert.equal(read(b, 0, buf, hs, 6, 1, null, o), MX_ERR_INVALID_ARGS, `actual_handles ${name}`);
        assert.equal(read(b, 0, null, null, 0, 0, o, null), MX_ERR_INVALID_ARGS, `${name}: before BUFFER_TOO_SMALL`);
        assert.equal(read(b, 2, buf, hs, 6, 1, o, null), MX_ERR_NOT_SUPPORTED, `${name}: after the options`);
      }
      assert.deepEqual([Array.from(buf), hs], [[0, 0, 0, 0, 0, 0], [0]], "nothing taken");
      assert.equal(read(b, 0, buf, hs, 6, 1, undefined, ah), MX_OK, "undefined is NULL");
      assert.equal(ah.value, 1);
      assert.deepEqual(Array.from(buf), Array.from(pattern(1, 6)));
      assert.equal(tagOf(track(hs[0])), 4);
      // An out-parameter that refuses the write: INVALID_ARGS, and the message is no longer queued (what happens to
      // its bytes and handles: the skipped test below).
      assert.equal(write(a, 0, pattern(2, 6), 6, null, 0), MX_OK);
      assert.equal(read(b, 0, buf, null, 6, 0, Object.freeze({ value: 0 }), null), MX_ERR_INVALID_ARGS);
      expectEmpty(b);
      assert.equal(mx_handle_close(a), MX_OK);
      ab.value = ah.value = -1;
      assert.equal(read(b, 0, null, null, 0, 0, ab, ah), MX_ERR_PEER_CLOSED);
      assert.deepEqual([ab.value, ah.value], [-1, -1], "not written on PEER_CLOSED");
    });

    // The 2017 sys_channel_read copies actual_bytes/actual_handles out right after Read() dequeued the message and
    // before the bytes and handles; a refusal returns INVALID_ARGS there and the message dies with its handles. The
    // kernel wrote the sizes last (the caller got the bytes and a live handle with INVALID_ARGS) until this test.
    it("an out-parameter that refuses the size: INVALID_ARGS, nothing written, the message dropped and its handles closed", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(4);
      for (const [name, ab, ah] of [
        ["actual_bytes", Object.freeze({ value: 0 }), null],
        ["actual_handles", null, Object.freeze({ value: 0 })],
      ] as const) {
        const d = duplicate(e);
        assert.equal(write(a, 0, pattern(1, 6), 6, [d], 1), MX_OK);
        const handles = kernel_stats().handles;
        const buf = new Uint8Array(6);
        const hs = [0];
        assert.equal(read(b, 0, buf, hs, 6, 1, ab, ah), MX_ERR_INVALID_ARGS, name);
        if (hs[0] !== 0) track(hs[0]);
        assert.deepEqual(Array.from(buf), [0, 0, 0, 0, 0, 0], `${name}: no bytes written`);
        assert.deepEqual(hs, [0], `${name}: no handle given`);
        assert.equal(kernel_stats().handles, handles - 1, `${name}: the message's handle was closed`);
        assert.equal(state(e) & LAST, LAST, `${name}: the event has one handle again`);
        expectEmpty(b, name);
      }
    });

    it("read handle buffers: too short, frozen or of another kind is INVALID_ARGS after the bytes, the handles closed; others receive", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(5);
      const dropping: number[] = [];
      Object.defineProperty(dropping, 0, { get: () => 0, set: () => {}, enumerable: true });
      const bad: [string, unknown, number][] = [
        ["[] for num_handles 1", [], 1],
        ["[0] for num_handles 2", [0], 2],
        ["a frozen array", Object.freeze([0]), 1],
        ["an array whose element drops writes", dropping, 1],
        ["an Int32Array", new Int32Array(1), 1],
        ["null", null, 1],
        ['"x"', "x", 1],
        ["{ length: 1 }", { length: 1 }, 1],
        ["a Uint32Array of 1 for num_handles 2", new Uint32Array(1), 2],
      ];
      bad.forEach(([name, dst, room], i) => {
        const d = duplicate(e);
        const size = i % 2 === 0 ? 6 : 200;
        assert.equal(write(a, 0, pattern(i, size), size, [d], 1), MX_OK);
        const handles = kernel_stats().handles;
        const buf = new Uint8Array(size);
        assert.equal(read(b, 0, buf, dst, size, room, null, null), MX_ERR_INVALID_ARGS, name);
        sameBytes(buf, pattern(i, size), `${name}: the bytes were written first`);
        assert.equal(kernel_stats().handles, handles - 1, `${name}: the handle was closed`);
        assert.equal(state(e) & LAST, LAST, `${name}: the event has one handle again`);
        expectEmpty(b, name);
      });
      class Handles extends Array<number> {}
      const good: [string, () => unknown, number][] = [
        ["a Uint32Array", () => new Uint32Array(1), 1],
        ["a sealed array", () => Object.seal([0]), 1],
        ["an array with a hole", () => new Array<number>(1), 1],
        ["a Proxy of an array", () => new Proxy([0], {}), 1],
        ["an instance of a subclass of Array", () => new Handles(0, 0), 2],
        ["a longer array", () => [0, 0, 0, 0, 0], 5],
      ];
      good.forEach(([name, make, room], i) => {
        const d = duplicate(e);
        const size = i % 2 === 0 ? 6 : 200;
        assert.equal(write(a, 0, pattern(i, size), size, [d], 1), MX_OK);
        const dst = make() as ArrayLike<number>;
        const buf = new Uint8Array(size);
        assert.equal(read(b, 0, buf, dst, size, room, null, null), MX_OK, name);
        sameBytes(buf, pattern(i, size), name);
        assert.notEqual(dst[0], d, `${name}: a new value`);
        assert.equal(tagOf(track(dst[0])), 5, `${name}: the handle`);
        assert.equal(mx_handle_close(dst[0]), MX_OK);
      });
      // A message without handles never touches the handle buffer (Node's answer today for a wrong kind).
      assert.equal(write(a, 0, pattern(9, 3), 3, null, 0), MX_OK);
      assert.equal(read(b, 0, new Uint8Array(3), "x", 3, 4, null, null), MX_OK);
      expectEmpty(b);
    });
  });
});
