/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (handle arrays, the handles' own checks, the
 * peer). The method, for every file of this suite (channel_fallback.ts has what they share): through the public
 * syscalls only, each condition that makes an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the
 * answer must be exactly the one the reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same
 * on Node (the twin) and on the device (C); a queue's order holds across the prefix/suffix boundary. Where the
 * specs are silent, the expectation is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_limits,
  kernel_configure,
  mx_handle_close,
  MX_CHANNEL_PEER_CLOSED,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_OUT_OF_RANGE,
  MX_ERR_PEER_CLOSED,
  MX_OK,
  MX_RIGHT_DUPLICATE,
  MX_RIGHT_READ,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, noDeadline } from "./helpers.ts";
import { write, read, READABLE, LAST, pattern, tagged, tagOf, state, live, duplicate, HOWS, expectNext, expectEmpty } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: each fall-back condition answers exactly as the spec says: handles and the peer", () => {
  describe("handle arrays (write)", () => {
    // With num_handles 0 C never reads the pointer; the specs are silent on a non-null one of the wrong kind: Node's
    // answer today is INVALID_ARGS (a bad pointer), and an array or Uint32Array of any length is fine.
    it("no handles: null, undefined, [], an empty Uint32Array, a longer array; other kinds are INVALID_ARGS", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(6);
      const good: [string, unknown][] = [
        ["null", null],
        ["undefined", undefined],
        ["[]", []],
        ["an empty Uint32Array", new Uint32Array(0)],
        ["[e]", [e]],
        ["a Uint32Array holding e", Uint32Array.of(e)],
        ["a Proxy of []", new Proxy([], {})],
      ];
      const bad: [string, unknown][] = [
        ['"x"', "x"],
        ["{}", {}],
        ["5", 5],
        ["an empty Int32Array", new Int32Array(0)],
        ["{ length: 0 }", { length: 0 }],
      ];
      for (const [name, hs] of bad) assert.equal(write(a, 0, pattern(0, 3), 3, hs, 0), MX_ERR_INVALID_ARGS, name);
      expectEmpty(b);
      good.forEach(([name, hs], i) => assert.equal(write(a, 0, pattern(i, 3), 3, hs, 0), MX_OK, name));
      assert.equal(tagOf(e), 6, "an element beyond num_handles did not move");
      good.forEach(([name], i) => expectNext(b, pattern(i, 3), [], HOWS[i % 3], name));
      expectEmpty(b);
    });

    it("1 to 4 handles in a plain array, then 5, then a Uint32Array, then fewer again: all arrive, in order, with new values", () => {
      noDeadline();
      const [a, b] = newChannel();
      const plan: [number, boolean][] = [
        [1, false],
        [2, false],
        [3, false],
        [4, false],
        [0, false],
        [5, false],
        [2, true],
        [1, false],
        [4, false],
        [0, false],
        [3, true],
        [4, false],
      ];
      let tag = 0;
      const sent: { bytes: Uint8Array; tags: number[]; values: number[] }[] = [];
      plan.forEach(([n, u32], i) => {
        const tags = Array.from({ length: n }, () => ++tag);
        const values = tags.map(tagged);
        const bytes = pattern(i, 8 + i);
        assert.equal(write(a, 0, bytes, bytes.length, u32 ? Uint32Array.from(values) : values, n), MX_OK, `message ${i}`);
        values.forEach((v) => assert.ok(!live(v), `message ${i}: the handles left the caller`));
        sent.push({ bytes, tags, values });
        if (i === 3) {
          // Half way: the oldest two read already, while the rest stay queued.
          for (const [k, m] of sent.splice(0, 2).entries()) {
            const got = expectNext(b, m.bytes, m.tags, HOWS[k], `early ${k}`);
            got.forEach((v, j) => assert.notEqual(v, m.values[j], "a new value"));
          }
        }
      });
      sent.forEach((m, i) => {
        const got = expectNext(b, m.bytes, m.tags, HOWS[i % 3], `message ${i + 2}`);
        got.forEach((v, j) => assert.notEqual(v, m.values[j], "a new value"));
      });
      expectEmpty(b);
    });

    it("num_handles beyond the array is INVALID_ARGS and moves nothing; elements beyond num_handles stay", () => {
      noDeadline();
      const [a, b] = newChannel();
      const es = [1, 2, 3, 4, 5, 6].map(tagged);
      assert.equal(write(a, 0, pattern(1, 3), 3, [es[0]], 2), MX_ERR_INVALID_ARGS);
      assert.equal(write(a, 0, pattern(1, 3), 3, Uint32Array.of(es[0]), 2), MX_ERR_INVALID_ARGS);
      assert.equal(write(a, 0, pattern(1, 3), 3, es.slice(0, 4), 5), MX_ERR_INVALID_ARGS);
      assert.equal(write(a, 0, pattern(1, 3), 3, [], 1), MX_ERR_INVALID_ARGS);
      assert.equal(write(a, 0, pattern(1, 3), 3, null, 1), MX_ERR_INVALID_ARGS);
      assert.equal(write(a, 0, pattern(1, 3), 3, undefined, 1), MX_ERR_INVALID_ARGS);
      assert.deepEqual(es.map(tagOf), [1, 2, 3, 4, 5, 6], "nothing moved");
      expectEmpty(b);
      assert.equal(write(a, 0, pattern(2, 3), 3, es, 2), MX_OK);
      assert.deepEqual(es.slice(2).map(tagOf), [3, 4, 5, 6], "the elements beyond num_handles stayed");
      assert.equal(write(a, 0, pattern(3, 3), 3, es.slice(2), 4), MX_OK);
      expectNext(b, pattern(2, 3), [1, 2]);
      expectNext(b, pattern(3, 3), [3, 4, 5, 6]);
      expectEmpty(b);
    });

    it("arrays the prefix does not take: a hole is BAD_HANDLE; an accessor, a Proxy, a subclass instance, a frozen array are read once and moved", () => {
      noDeadline();
      const [a, b] = newChannel();
      const es = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(tagged);
      // eslint-disable-next-line no-sparse-arrays
      const holey = [es[0], , es[1]] as number[];
      assert.equal(write(a, 0, pattern(1, 3), 3, holey, 3), MX_ERR_BAD_HANDLE, "a hole reads as undefined");
      assert.deepEqual([tagOf(es[0]), tagOf(es[1])], [1, 2], "nothing moved");
      assert.equal(write(a, 0, pattern(1, 3), 3, holey, 1), MX_OK, "the hole beyond num_handles is not read");
      let reads = 0;
      const accessor: number[] = [es[1]];
      Object.defineProperty(accessor, 1, { get: () => (reads++, es[2]), enumerable: true, configurable: true });
      assert.equal(write(a, 0, pattern(2, 3), 3, accessor, 2), MX_OK);
      assert.equal(reads, 1, "the accessor ran once");
      const keys: string[] = [];
      const proxy = new Proxy([es[3], es[4]], {
        get(target, key, receiver) {
          if (typeof key === "string") keys.push(key);
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      assert.equal(write(a, 0, pattern(3, 3), 3, proxy, 2), MX_OK);
      assert.deepEqual([keys.filter((k) => k === "0").length, keys.filter((k) => k === "1").length], [1, 1], "each element read once");
      class Handles extends Array<number> {}
      const sub = new Handles();
      sub.push(es[5]);
      assert.equal(write(a, 0, pattern(4, 3), 3, sub, 1), MX_OK, "an instance of a subclass of Array");
      assert.equal(write(a, 0, pattern(5, 3), 3, Object.freeze([es[6], es[7]]), 2), MX_OK, "a frozen array");
      const notNumbers: [string, unknown][] = [
        ["a string", String(es[8])],
        ["a bigint", BigInt(es[8])],
        ["a boxed number", new Number(es[8])],
        ["value + 0.5", es[8] + 0.5],
        ["undefined", undefined],
      ];
      for (const [name, v] of notNumbers) {
        assert.equal(write(a, 0, pattern(9, 3), 3, [v], 1), MX_ERR_BAD_HANDLE, name);
        assert.equal(write(a, 0, pattern(9, 3), 3, [es[8], v], 2), MX_ERR_BAD_HANDLE, `${name}, second`);
      }
      assert.equal(tagOf(es[8]), 9, "nothing moved");
      assert.equal(write(a, 0, pattern(6, 3), 3, [es[8] + 0.25 - 0.25], 1), MX_OK, "a value computed through fractions");
      expectNext(b, pattern(1, 3), [1], "plain");
      expectNext(b, pattern(2, 3), [2, 3], "sizes");
      expectNext(b, pattern(3, 3), [4, 5], "u32");
      expectNext(b, pattern(4, 3), [6], "plain");
      expectNext(b, pattern(5, 3), [7, 8], "plain");
      expectNext(b, pattern(6, 3), [9], "plain");
      expectEmpty(b);
    });
  });

  describe("the handles' own checks", () => {
    it("a duplicate value is INVALID_ARGS, found only once every handle passed the first pass; nothing moves", () => {
      noDeadline();
      const [a, b] = newChannel();
      const es = [1, 2, 3, 4, 5].map(tagged);
      const [e1, e2, e3, e4] = es;
      const noTransfer = duplicate(e1, MX_RIGHT_READ | MX_RIGHT_DUPLICATE);
      const cases: [string, unknown, number][] = [
        ["[e1, e1]", [e1, e1], MX_ERR_INVALID_ARGS],
        ["[e1, e2, e1]", [e1, e2, e1], MX_ERR_INVALID_ARGS],
        ["[e1, e2, e3, e4, e1] (five)", [e1, e2, e3, e4, e1], MX_ERR_INVALID_ARGS],
        ["Uint32Array [e1, e1]", Uint32Array.of(e1, e1), MX_ERR_INVALID_ARGS],
        ["[e1, e1 computed through fractions]", [e1, e1 + 0.5 - 0.5], MX_ERR_INVALID_ARGS],
        ["[e1, e1, 0]", [e1, e1, 0], MX_ERR_BAD_HANDLE],
        ["[e1, e1, a]", [e1, e1, a], MX_ERR_NOT_SUPPORTED],
        ["[e1, e1, no TRANSFER]", [e1, e1, noTransfer], MX_ERR_ACCESS_DENIED],
      ];
      for (const [name, hs, status] of cases) {
        const n = (hs as ArrayLike<number>).length;
        assert.equal(write(a, 0, pattern(1, 3), 3, hs, n), status, name);
        assert.equal(write(a, 0, pattern(1, 200), 200, hs, n), status, `${name}, 200 bytes`);
        assert.deepEqual(es.map(tagOf), [1, 2, 3, 4, 5], `${name}: nothing moved`);
        assert.ok(live(noTransfer) && live(a));
      }
      expectEmpty(b);
      assert.equal(write(a, 0, pattern(2, 3), 3, es, 5), MX_OK);
      expectNext(b, pattern(2, 3), [1, 2, 3, 4, 5]);
    });

    it("each handle in turn: BAD_HANDLE, the writer's own NOT_SUPPORTED, no TRANSFER ACCESS_DENIED; the peer's passes", () => {
      noDeadline();
      const [a, b] = newChannel();
      const [c, d] = newChannel();
      const e = tagged(1);
      const [f1, f2, f3, f4] = [2, 3, 4, 5].map(tagged);
      const noTransfer = duplicate(e, MX_RIGHT_READ | MX_RIGHT_DUPLICATE);
      const closed = duplicate(e);
      assert.equal(mx_handle_close(closed), MX_OK);
      const travelling = duplicate(e);
      assert.equal(write(c, 0, pattern(0, 1), 1, [travelling], 1), MX_OK, "travelling in another channel");
      const cases: [string, unknown[], number][] = [
        ["[no TRANSFER]", [noTransfer], MX_ERR_ACCESS_DENIED],
        ["[e, no TRANSFER]", [e, noTransfer], MX_ERR_ACCESS_DENIED],
        ["[a]", [a], MX_ERR_NOT_SUPPORTED],
        ["[e, a]", [e, a], MX_ERR_NOT_SUPPORTED],
        ["[no TRANSFER, a]", [noTransfer, a], MX_ERR_ACCESS_DENIED],
        ["[a, no TRANSFER]", [a, noTransfer], MX_ERR_NOT_SUPPORTED],
        ["[0, a]", [0, a], MX_ERR_BAD_HANDLE],
        ["[a, 0]", [a, 0], MX_ERR_NOT_SUPPORTED],
        ["[closed]", [closed], MX_ERR_BAD_HANDLE],
        ["[e, closed]", [e, closed], MX_ERR_BAD_HANDLE],
        ["[travelling]", [travelling], MX_ERR_BAD_HANDLE],
        ["[b, no TRANSFER]: the peer passed", [b, noTransfer], MX_ERR_ACCESS_DENIED],
        ["[b, closed]", [b, closed], MX_ERR_BAD_HANDLE],
        ["[b, b]: the peer passed twice", [b, b], MX_ERR_INVALID_ARGS],
        ["[f1, f2, f3, f4, a] (five)", [f1, f2, f3, f4, a], MX_ERR_NOT_SUPPORTED],
        ["[f1, f2, f3, f4, no TRANSFER] (five)", [f1, f2, f3, f4, noTransfer], MX_ERR_ACCESS_DENIED],
        ["[f1, f2, f3, f4, closed] (five)", [f1, f2, f3, f4, closed], MX_ERR_BAD_HANDLE],
      ];
      for (const [name, hs, status] of cases) {
        assert.equal(write(a, 0, pattern(1, 3), 3, hs, hs.length), status, name);
        assert.equal(write(a, 0, pattern(1, 3), 3, Uint32Array.from(hs as number[]), hs.length), status, `${name} in a Uint32Array`);
        assert.deepEqual([e, f1, f2, f3, f4].map(tagOf), [1, 2, 3, 4, 5], `${name}: nothing moved`);
        assert.ok(live(noTransfer) && live(a) && live(b), `${name}: nothing moved`);
      }
      expectEmpty(b);
      // A successful write of the peer's own handle would put it in its own queue, where (2017 semantics) no handle
      // is left to read or close it: it is only shown to pass the checks above. Another channel's endpoints travel.
      assert.equal(write(a, 0, pattern(2, 3), 3, [c, e, f1], 3), MX_OK);
      // tagOf reads a channel endpoint's user signals as tag 0.
      const [c2] = expectNext(b, pattern(2, 3), [0, 1, 2], "plain", "another channel's endpoint and two events");
      expectNext(d, pattern(0, 1), [1], "plain", "what travelled in c's message");
      assert.equal(write(d, 0, pattern(3, 3), 3, null, 0), MX_OK);
      expectNext(c2, pattern(3, 3), [], "plain", "through c's new value");
      expectEmpty(b);
    });
  });

  describe("the peer", () => {
    it("a closed peer is PEER_CLOSED, checked after sizes, bytes and handles; the handles stay; the writer still reads its queue", () => {
      const saved = kernel_limits();
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(1);
      const es = [2, 3, 4, 5, 6].map(tagged);
      assert.equal(write(b, 0, pattern(1, 5), 5, null, 0), MX_OK, "queued at a");
      assert.equal(write(b, 0, pattern(2, 4), 4, [e], 1), MX_OK, "queued at a, with a handle");
      assert.equal(write(b, 0, pattern(3, 200), 200, null, 0), MX_OK, "queued at a, larger");
      assert.equal(mx_handle_close(b), MX_OK);
      assert.equal(state(a), (READABLE | MX_CHANNEL_PEER_CLOSED | LAST) >>> 0, "READABLE and PEER_CLOSED, not WRITABLE");
      const cases: [string, unknown[], number][] = [
        ["bytes", [a, 0, pattern(9, 3), 3, null, 0], MX_ERR_PEER_CLOSED],
        ["bytes and a handle", [a, 0, pattern(9, 3), 3, [es[0]], 1], MX_ERR_PEER_CLOSED],
        ["200 bytes and five handles", [a, 0, pattern(9, 200), 200, es, 5], MX_ERR_PEER_CLOSED],
        ["no bytes", [a, 0, null, 0, null, 0], MX_ERR_PEER_CLOSED],
        ["a short buffer", [a, 0, pattern(9, 2), 3, null, 0], MX_ERR_INVALID_ARGS],
        ["a bad handle", [a, 0, pattern(9, 3), 3, [es[0], 0], 2], MX_ERR_BAD_HANDLE],
        ["its own handle", [a, 0, pattern(9, 3), 3, [a], 1], MX_ERR_NOT_SUPPORTED],
        ["a duplicate", [a, 0, pattern(9, 3), 3, [es[0], es[0]], 2], MX_ERR_INVALID_ARGS],
        ["65537 bytes", [a, 0, null, 65537, null, 0], MX_ERR_OUT_OF_RANGE],
        ["options 1", [a, 1, null, 0, null, 0], MX_ERR_INVALID_ARGS],
      ];
      for (const [name, args, status] of cases) assert.equal(write(...args), status, name);
      assert.deepEqual(es.map(tagOf), [2, 3, 4, 5, 6], "the handles stayed the caller's");
      // There is no queue to fill: the limit is not what fails.
      assert.equal(kernel_configure({ maxMessagesPerChannel: 1 }), MX_OK);
      assert.equal(write(a, 0, pattern(9, 3), 3, [es[0]], 1), MX_ERR_PEER_CLOSED, "with the limit reached");
      assert.equal(kernel_configure(saved), MX_OK);
      // The messages queued before the close are read, then PEER_CLOSED.
      expectNext(a, pattern(1, 5), [], "plain", "1");
      expectNext(a, pattern(2, 4), [1], "plain", "2");
      expectNext(a, pattern(3, 200), [], "sizes", "3");
      assert.equal(read(a, 0, null, null, 0, 0, null, null), MX_ERR_PEER_CLOSED);
      assert.equal(read(a, 0, new Uint8Array(8), [0], 8, 1, null, null), MX_ERR_PEER_CLOSED);
      assert.equal(state(a), (MX_CHANNEL_PEER_CLOSED | LAST) >>> 0);
    });
  });
});
