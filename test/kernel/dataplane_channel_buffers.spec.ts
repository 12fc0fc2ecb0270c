/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (byte buffers). The method, for every file of
 * this suite (channel_fallback.ts has what they share): through the public syscalls only, each condition that makes
 * an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be exactly the one the
 * reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the twin) and on the
 * device (C); a queue's order holds across the prefix/suffix boundary. Where the specs are silent, the expectation
 * is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  MX_ERR_INVALID_ARGS,
  MX_OK,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, noDeadline, track } from "./helpers.ts";
import { write, read, LAST, pattern, tagged, tagOf, state, duplicate, HOWS, expectNext, expectEmpty } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: each fall-back condition answers exactly as the spec says: byte buffers", () => {
  describe("byte buffers", () => {
    it("write: Uint8Arrays covering num_bytes are sent; anything else is INVALID_ARGS and moves no handle", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(5);
      const backing = new Uint8Array(40).fill(0x77);
      backing.set(pattern(3, 16), 8);
      class Bytes extends Uint8Array {}
      const sub = new Bytes(16);
      sub.set(pattern(4, 16));
      // Node has no read-only buffers (hal/user_memory.ts) and a non-empty typed array cannot be frozen: a
      // non-extensible one is the closest both engines offer.
      const fixed = Object.preventExtensions(Uint8Array.from(pattern(5, 16)));
      const good: [string, Uint8Array, Uint8Array][] = [
        ["a Uint8Array of 16", pattern(1, 16), pattern(1, 16)],
        ["a Uint8Array of 20 (its first 16)", pattern(2, 20), pattern(2, 16)],
        ["a 16-byte view at offset 8", backing.subarray(8, 24), pattern(3, 16)],
        ["an instance of a subclass", sub, pattern(4, 16)],
        ["a non-extensible Uint8Array", fixed, pattern(5, 16)],
      ];
      if (typeof SharedArrayBuffer === "function") {
        const shared = new Uint8Array(new SharedArrayBuffer(16));
        shared.set(pattern(6, 16));
        good.push(["a view of a SharedArrayBuffer", shared, pattern(6, 16)]);
      }
      const bad: [string, unknown][] = [
        ["a Uint8Array of 15", pattern(1, 15)],
        ["a 15-byte view", backing.subarray(8, 23)],
        ["null", null],
        ["undefined", undefined],
        ["a Proxy of a Uint8Array", new Proxy(pattern(1, 16), {})],
        ["a plain array of 16 numbers", Array.from(pattern(1, 16))],
        ["an Int8Array of 16", new Int8Array(16)],
        ["a Uint8ClampedArray of 16", new Uint8ClampedArray(16)],
        ["a Uint16Array of 8", new Uint16Array(8)],
        ["an ArrayBuffer of 16", new ArrayBuffer(16)],
        ["a DataView of 16", new DataView(new ArrayBuffer(16))],
        ["Object.create(Uint8Array.prototype)", Object.create(Uint8Array.prototype)],
        ["{ length: 16 }", { length: 16 }],
        ["a string of 16", "x".repeat(16)],
        ["16", 16],
      ];
      for (const [name, bytes] of bad) {
        assert.equal(write(a, 0, bytes, 16, null, 0), MX_ERR_INVALID_ARGS, name);
        assert.equal(write(a, 0, bytes, 16, [e], 1), MX_ERR_INVALID_ARGS, `${name}, with a handle`);
        assert.equal(write(a, 0, bytes, 200, [e], 1), MX_ERR_INVALID_ARGS, `${name}, 200 bytes`);
        assert.equal(tagOf(e), 5, `${name}: the handle did not move`);
      }
      expectEmpty(b, "after the bad buffers");
      for (const [name, bytes] of good) assert.equal(write(a, 0, bytes, 16, null, 0), MX_OK, name);
      assert.equal(write(a, 0, fixed, 16, [e], 1), MX_OK);
      good.forEach(([name, , want], i) => expectNext(b, want, [], HOWS[i % 3], name));
      expectNext(b, pattern(5, 16), [5], "plain", "with the handle");
      assert.equal(backing[7], 0x77, "the writer's buffers are not changed");
      expectEmpty(b);
    });

    // With num_bytes 0 C never reads the pointer; the specs are silent on a non-null pointer of the wrong kind then:
    // Node's answer today is INVALID_ARGS (it is still a bad pointer), and an empty message otherwise.
    it("write with num_bytes 0: null, undefined and any Uint8Array send an empty message; other kinds are INVALID_ARGS", () => {
      noDeadline();
      const [a, b] = newChannel();
      const good: [string, unknown][] = [
        ["null", null],
        ["undefined", undefined],
        ["an empty Uint8Array", new Uint8Array(0)],
        ["a Uint8Array of 5", pattern(1, 5)],
        ["a frozen empty Uint8Array", Object.freeze(new Uint8Array(0))],
      ];
      const bad: [string, unknown][] = [
        ["[]", []],
        ["a Proxy of an empty Uint8Array", new Proxy(new Uint8Array(0), {})],
        ['""', ""],
        ["0", 0],
        ["{}", {}],
      ];
      for (const [name, bytes] of bad) assert.equal(write(a, 0, bytes, 0, null, 0), MX_ERR_INVALID_ARGS, name);
      expectEmpty(b);
      for (const [name, bytes] of good) assert.equal(write(a, 0, bytes, 0, null, 0), MX_OK, name);
      assert.equal(write(a, 0, pattern(2, 3), 3, null, 0), MX_OK, "behind the empty ones");
      good.forEach(([name], i) => expectNext(b, new Uint8Array(0), [], HOWS[i % 3], name));
      expectNext(b, pattern(2, 3), []);
      expectEmpty(b);
    });

    // The specs predate resizable buffers: a view covers the bytes it covers at the call (Node's answer today).
    it("a view of a resizable buffer counts the bytes it covers now (where the engine has resizable buffers)", function () {
      type Resizable = ArrayBuffer & { resize(n: number): void };
      const Buffer = ArrayBuffer as unknown as new (n: number, options: { maxByteLength: number }) => Resizable;
      if (typeof (ArrayBuffer.prototype as Partial<Resizable>).resize !== "function") return this.skip();
      noDeadline();
      const [a, b] = newChannel();
      const buffer = new Buffer(16, { maxByteLength: 64 });
      const view = new Uint8Array(buffer); // length-tracking
      view.set(pattern(1, 16));
      assert.equal(write(a, 0, view, 16, null, 0), MX_OK);
      buffer.resize(15);
      assert.equal(write(a, 0, view, 16, null, 0), MX_ERR_INVALID_ARGS, "shrunk to 15 bytes");
      buffer.resize(32);
      view.set(pattern(2, 32));
      assert.equal(write(a, 0, view, 32, null, 0), MX_OK, "grown to 32");
      const fixed = new Uint8Array(buffer, 8, 16);
      buffer.resize(20);
      assert.equal(write(a, 0, fixed, 16, null, 0), MX_ERR_INVALID_ARGS, "a fixed view out of bounds");
      assert.equal(write(a, 0, fixed, 0, null, 0), MX_OK, "an out-of-bounds view covers 0 bytes: an empty message");
      expectNext(b, pattern(1, 16), [], "plain", "first");
      assert.equal(read(b, 0, view, null, 32, 0, null, null), MX_ERR_INVALID_ARGS, "a 20-byte destination for 32: lost");
      buffer.resize(64);
      view.fill(0xcc);
      assert.equal(read(b, 0, view, null, 64, 0, null, null), MX_OK, "the empty message, into 64 bytes");
      assert.deepEqual(Array.from(view), new Array(64).fill(0xcc), "an empty message writes nothing");
      expectEmpty(b);
    });

    // The specs predate detaching: a detached buffer covers 0 bytes (Node's answer today). Engines detach through
    // ArrayBuffer.prototype.transfer (XS, newer Node) or structuredClone (Node 20).
    it("a view of a detached buffer covers 0 bytes: as a source and as a destination (where the engine can detach)", function () {
      const detach = (buffer: ArrayBuffer): void => {
        const transfer = (ArrayBuffer.prototype as { transfer?: () => ArrayBuffer }).transfer;
        if (typeof transfer === "function") transfer.call(buffer);
        else (globalThis as unknown as { structuredClone(v: unknown, o: unknown): unknown }).structuredClone(buffer, { transfer: [buffer] });
      };
      const canDetach =
        typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === "function" ||
        typeof (globalThis as { structuredClone?: unknown }).structuredClone === "function";
      if (!canDetach) return this.skip();
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(3);
      const src = Uint8Array.from(pattern(1, 8));
      detach(src.buffer);
      assert.equal(src.length, 0, "detached");
      assert.equal(write(a, 0, src, 8, [e], 1), MX_ERR_INVALID_ARGS, "8 bytes from a detached view");
      assert.equal(tagOf(e), 3);
      assert.equal(write(a, 0, src, 0, [e], 1), MX_OK, "0 bytes from it: an empty message");
      assert.equal(write(a, 0, pattern(2, 8), 8, null, 0), MX_OK);
      const dst = new Uint8Array(8);
      detach(dst.buffer);
      const hs = [0];
      assert.equal(read(b, 0, dst, hs, 0, 1, null, null), MX_OK, "the empty message into a detached view");
      assert.equal(tagOf(track(hs[0])), 3);
      assert.equal(read(b, 0, dst, null, 8, 0, null, null), MX_ERR_INVALID_ARGS, "8 bytes into a detached view: lost");
      expectEmpty(b);
    });

    it("read: a destination shorter than num_bytes, null or of another kind loses the message (bad pointer) and closes its handles", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(9);
      const cases: [string, unknown, unknown][] = [
        ["a Uint8Array of 5 for num_bytes 6", new Uint8Array(5), 6],
        ["a Uint8Array of 6 for num_bytes 8", new Uint8Array(6), 8],
        ["num_bytes -1 (0xffffffff)", new Uint8Array(6), -1],
        ["null", null, 6],
        ["undefined", undefined, 6],
        ["a Proxy of a Uint8Array", new Proxy(new Uint8Array(6), {}), 6],
        ["a plain array", [0, 0, 0, 0, 0, 0], 6],
        ["an Int8Array", new Int8Array(6), 6],
      ];
      cases.forEach(([name, dst, n], i) => {
        const d = duplicate(e);
        assert.equal(state(e) & LAST, 0);
        // Both a prefix message (6 bytes, a handle) and one the prefix does not take (200 bytes).
        const size = i % 2 === 0 ? 6 : 200;
        assert.equal(write(a, 0, pattern(i, size), size, [d], 1), MX_OK);
        assert.equal(write(a, 0, pattern(100 + i, 2), 2, null, 0), MX_OK);
        const handles = kernel_stats().handles;
        const hs = [0];
        const status = read(b, 0, dst, hs, n === -1 ? -1 : (n as number) + size - 6, 1, null, null);
        assert.equal(status, MX_ERR_INVALID_ARGS, name);
        assert.equal(hs[0], 0, `${name}: no handle was given`);
        assert.equal(kernel_stats().handles, handles - 1, `${name}: the message's handle was closed`);
        assert.equal(state(e) & LAST, LAST, `${name}: the event has one handle again`);
        expectNext(b, pattern(100 + i, 2), [], HOWS[i % 3], `${name}: the next message`);
      });
      // A message of 0 bytes needs no destination: C never touches the pointer (Node's answer today for a wrong kind).
      assert.equal(write(a, 0, null, 0, null, 0), MX_OK);
      assert.equal(read(b, 0, "not a buffer", null, 0, 0, null, null), MX_OK);
      expectEmpty(b);
    });

    it("read: bytes beyond the message are not written; a view is written only inside itself; other good destinations", () => {
      noDeadline();
      const [a, b] = newChannel();
      for (let i = 0; i < 6; i++) assert.equal(write(a, 0, pattern(i, 10), 10, null, 0), MX_OK);
      const big = new Uint8Array(32).fill(0xcc);
      assert.equal(read(b, 0, big, null, 32, 0, null, null), MX_OK);
      assert.deepEqual(Array.from(big.subarray(0, 10)), Array.from(pattern(0, 10)));
      assert.deepEqual(Array.from(big.subarray(10)), new Array(22).fill(0xcc));
      const backing = new Uint8Array(40).fill(0x77);
      assert.equal(read(b, 0, backing.subarray(8, 24), null, 16, 0, null, null), MX_OK);
      assert.deepEqual(Array.from(backing.subarray(8, 18)), Array.from(pattern(1, 10)));
      assert.deepEqual(Array.from(backing.subarray(0, 8)), new Array(8).fill(0x77));
      assert.deepEqual(Array.from(backing.subarray(18)), new Array(22).fill(0x77));
      const fixed = Object.preventExtensions(new Uint8Array(10));
      assert.equal(read(b, 0, fixed, null, 10, 0, null, null), MX_OK, "a non-extensible Uint8Array");
      assert.deepEqual(Array.from(fixed), Array.from(pattern(2, 10)));
      class Bytes extends Uint8Array {}
      const sub = new Bytes(10);
      assert.equal(read(b, 0, sub, null, 10, 0, null, null), MX_OK, "a subclass instance");
      assert.deepEqual(Array.from(sub), Array.from(pattern(3, 10)));
      const exact = new Uint8Array(10);
      assert.equal(read(b, 0, exact, [], 10, 0, null, null), MX_OK, "an empty handle array for a message without handles");
      assert.deepEqual(Array.from(exact), Array.from(pattern(4, 10)));
      if (typeof SharedArrayBuffer === "function") {
        const shared = new Uint8Array(new SharedArrayBuffer(10));
        assert.equal(read(b, 0, shared, null, 10, 0, null, null), MX_OK, "a view of a SharedArrayBuffer");
        assert.deepEqual(Array.from(shared), Array.from(pattern(5, 10)));
      } else {
        expectNext(b, pattern(5, 10), []);
      }
      expectEmpty(b);
    });
  });
});
