/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (the message limit, the shared prefix pool). The
 * method, for every file of this suite (channel_fallback.ts has what they share): through the public syscalls only,
 * each condition that makes an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be
 * exactly the one the reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the
 * twin) and on the device (C); a queue's order holds across the prefix/suffix boundary. Where the specs are silent,
 * the expectation is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_check,
  kernel_configure,
  mx_handle_close,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_OUT_OF_RANGE,
  MX_OK,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, noDeadline } from "./helpers.ts";
import { write, POOL, pattern, tagged, tagOf, HOWS, expectNext, expectEmpty } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: the message limit, the shared pool", () => {
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
