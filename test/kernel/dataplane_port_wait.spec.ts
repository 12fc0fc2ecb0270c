/**
 * The fall-back conditions of mx_port_wait (see dataplane_port_queue.spec.ts for the method): a size that is not
 * 0, missing rights, V1 ports, deadlines and destination buffers of every kind, missing arguments.
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_deadline_after,
  mx_port_packet_t,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_OK,
  MX_PORT_OPT_V1,
  MX_RIGHT_NONE,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_SEC,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, newEvent, newPort, newTimer } from "./helpers.ts";
import { queue, wait, user, asQueued, drain, range, duplicate } from "./port_fallback.ts";

describeFallbacks("mx_port_wait: each fall-back condition answers exactly as the spec says", () => {
  describe("mx_port_wait", () => {
    it("size not 0 on a V2 port: WRONG_TYPE (the V1 path), INVALID_ARGS for non-uint32 kinds; the packet stays", () => {
      const port = newPort();
      assert.equal(queue(port, user(1n), 0), MX_OK);
      const got = new mx_port_packet_t();
      const cases: [string, unknown, number][] = [
        ["1", 1, MX_ERR_WRONG_TYPE],
        ["48", 48, MX_ERR_WRONG_TYPE],
        ["129", 129, MX_ERR_WRONG_TYPE],
        ["-1", -1, MX_ERR_WRONG_TYPE],
        ["0.5", 0.5, MX_ERR_INVALID_ARGS],
        ['"0"', "0", MX_ERR_INVALID_ARGS],
        ["0n", 0n, MX_ERR_INVALID_ARGS],
        ["2^32", 2 ** 32, MX_ERR_INVALID_ARGS],
        ["null", null, MX_ERR_INVALID_ARGS],
        ["undefined", undefined, MX_ERR_INVALID_ARGS],
      ];
      for (const [name, size, status] of cases) assert.equal(wait(port, 0n, got, size), status, `size ${name}`);
      assert.equal(wait(port, 0n, got, -0), MX_OK, "-0 is 0");
      assert.equal(got.key, 1n);
      assert.equal(wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
      // V1 first (needs READ): a handle without READ and a size is ACCESS_DENIED, with READ WRONG_TYPE.
      assert.equal(queue(port, user(2n), 0), MX_OK);
      const writeOnly = duplicate(port, MX_RIGHT_WRITE);
      const readOnly = duplicate(port, MX_RIGHT_READ);
      assert.equal(wait(writeOnly, 0n, got, 1), MX_ERR_ACCESS_DENIED);
      assert.equal(wait(readOnly, 0n, got, 1), MX_ERR_WRONG_TYPE);
      assert.deepEqual(drain(port), [2n]);
    });

    it("a handle without WRITE is ACCESS_DENIED (V2 needs WRITE, not READ) and the packet stays", () => {
      const port = newPort();
      assert.equal(queue(port, user(1n), 0), MX_OK);
      const readOnly = duplicate(port, MX_RIGHT_READ | MX_RIGHT_TRANSFER);
      const none = duplicate(port, MX_RIGHT_NONE);
      const writeOnly = duplicate(port, MX_RIGHT_WRITE);
      const got = new mx_port_packet_t();
      for (const h of [readOnly, none]) {
        assert.equal(wait(h, 0n, got, 0), MX_ERR_ACCESS_DENIED);
        assert.equal(wait(h, -1, got, 0), MX_ERR_ACCESS_DENIED, "the rights before the deadline");
      }
      assert.equal(wait(none, 0n, null, 0), MX_ERR_INVALID_ARGS, "the packet before the rights");
      assert.equal(wait(writeOnly, 0n, got, 0), MX_OK);
      assert.equal(got.key, 1n);
      assert.equal(wait(readOnly, 0n, got, 0), MX_ERR_ACCESS_DENIED, "also on an empty port");
    });

    it("a V1 port takes the V1 path even with size 0; other objects are WRONG_TYPE", () => {
      const v1 = newPort(MX_PORT_OPT_V1);
      const header = new Uint8Array(16);
      header[0] = 0x42;
      const got = new mx_port_packet_t();
      // Spec-derived: a V1 buffer is a Uint8Array (an mx_port_packet_t is a bad pointer there); size 0 is smaller
      // than any V1 packet, so BUFFER_TOO_SMALL with the packet kept (the project's decision for V1).
      assert.equal(wait(v1, 0n, new Uint8Array(48), 0), MX_ERR_TIMED_OUT, "empty");
      assert.equal(queue(v1, header, 16), MX_OK);
      assert.equal(wait(v1, 0n, new Uint8Array(48), 0), MX_ERR_BUFFER_TOO_SMALL);
      assert.equal(wait(v1, 0n, got, 0), MX_ERR_INVALID_ARGS, "an mx_port_packet_t is not a V1 buffer");
      const buf = new Uint8Array(16);
      assert.equal(wait(v1, 0n, buf, 16), MX_OK, "still queued");
      assert.equal(buf[0], 0x42);
      const [c0] = newChannel();
      for (const h of [newEvent(), c0, newTimer()]) {
        assert.equal(wait(h, 0n, got, 0), MX_ERR_WRONG_TYPE);
        assert.equal(wait(h, -1, got, 0), MX_ERR_WRONG_TYPE, "the type before the deadline");
      }
    });

    it("deadlines: 0, 0n, past, future, MX_TIME_INFINITE take the packet; others are INVALID_ARGS and leave it", () => {
      const port = newPort();
      const got = new mx_port_packet_t();
      const good: [string, unknown][] = [
        ["0", 0],
        ["0n", 0n],
        ["-0", -0], // the specs are silent: -0 is a non-negative safe integer (Node's answer today)
        ["1", 1],
        ["1n", 1n],
        ["2^40 (beyond int32)", 2 ** 40],
        ["2^53 - 1", 2 ** 53 - 1],
        ["2^40 + 0.5 - 0.5", 2 ** 40 + 0.5 - 0.5],
        ["2n**64n - 1n (MX_TIME_INFINITE)", 2n ** 64n - 1n],
        ["an hour from now", mx_deadline_after(MX_SEC(3600))],
      ];
      let key = 0n;
      for (const [name, deadline] of good) {
        assert.equal(queue(port, user(++key), 0), MX_OK);
        assert.equal(wait(port, deadline, got, 0), MX_OK, name);
        assert.equal(got.key, key, name);
      }
      assert.equal(kernel_stats().deadlines, 0, "a wait that did not block armed nothing");
      const bad: [string, unknown][] = [
        ["-1", -1],
        ["-1n", -1n],
        ["2n**64n", 2n ** 64n],
        ["2^53", 2 ** 53],
        ["1.5", 1.5],
        ['"0"', "0"],
        ["undefined", undefined],
        ["null", null],
        ["NaN", NaN],
        ["Infinity", Infinity],
        ["{}", {}],
      ];
      assert.equal(queue(port, user(100n), 0), MX_OK);
      for (const [name, deadline] of bad) assert.equal(wait(port, deadline, got, 0), MX_ERR_INVALID_ARGS, name);
      assert.deepEqual(drain(port), [100n], "every bad deadline left the packet queued");
      for (const [name, deadline] of bad) assert.equal(wait(port, deadline, got, 0), MX_ERR_INVALID_ARGS, `${name}, empty port`);
    });

    it("packet arguments: null and undefined are INVALID_ARGS first and take nothing; a bad buffer loses the packet", () => {
      const port = newPort();
      const keys = range(1, 13);
      for (const k of keys) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.equal(wait(port, 0n, null, 0), MX_ERR_INVALID_ARGS);
      assert.equal(wait(port, 0n, undefined, 0), MX_ERR_INVALID_ARGS);
      // Spec §1: a bad pointer on copy-out is INVALID_ARGS and the packet was already dequeued: lost.
      const lost: [string, unknown][] = [
        ["a Uint8Array of 47 bytes", new Uint8Array(47)],
        ["a number", 42],
        ["a plain object", {}],
        ["a Proxy of a packet", new Proxy(new mx_port_packet_t(), {})],
        ["Object.create(mx_port_packet_t.prototype)", Object.create(mx_port_packet_t.prototype)],
        ["an Int8Array of 48", new Int8Array(48)],
      ];
      let next = 1n;
      const got = new mx_port_packet_t();
      for (const [name, dst] of lost) {
        assert.equal(wait(port, 0n, dst, 0), MX_ERR_INVALID_ARGS, name);
        next++;
        assert.equal(wait(port, 0n, got, 0), MX_OK);
        assert.equal(got.key, next, `after ${name}, the next wait gets the NEXT packet`);
        next++;
      }
      assert.equal(next, 13n);
      assert.equal(wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
      // Good buffers: exactly 48 bytes written.
      class Labelled extends mx_port_packet_t {
        label = "a genuine packet";
      }
      const sub = new Labelled();
      const big = new Uint8Array(64).fill(0xee);
      const backing = new Uint8Array(100).fill(0x77);
      for (const k of [20n, 21n, 22n]) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.equal(wait(port, 0n, sub, 0), MX_OK);
      assert.deepEqual(Array.from(sub.bytes), asQueued(user(20n)));
      assert.equal(wait(port, 0n, big, 0), MX_OK);
      assert.deepEqual(Array.from(big.subarray(0, 48)), asQueued(user(21n)));
      assert.deepEqual(Array.from(big.subarray(48)), new Array(16).fill(0xee), "bytes 48.. untouched");
      assert.equal(wait(port, 0n, backing.subarray(16, 64), 0), MX_OK);
      assert.deepEqual(Array.from(backing.subarray(16, 64)), asQueued(user(22n)));
      assert.deepEqual(Array.from(backing.subarray(0, 16)), new Array(16).fill(0x77), "nothing written before the view");
      assert.deepEqual(Array.from(backing.subarray(64)), new Array(36).fill(0x77), "nothing written after it");
      class Bytes extends Uint8Array {}
      const subBytes = new Bytes(48);
      assert.equal(queue(port, user(23n), 0), MX_OK);
      assert.equal(wait(port, 0n, subBytes, 0), MX_OK, "a subclass of Uint8Array");
      assert.deepEqual(Array.from(subBytes), asQueued(user(23n)));
      if (typeof SharedArrayBuffer === "function") {
        const shared = new Uint8Array(new SharedArrayBuffer(48));
        assert.equal(queue(port, user(24n), 0), MX_OK);
        assert.equal(wait(port, 0n, shared, 0), MX_OK, "a Uint8Array over a SharedArrayBuffer");
        assert.deepEqual(Array.from(shared), asQueued(user(24n)));
      }
      assert.equal(wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
    });

    // The specs predate resizable buffers: a view covers the bytes it covers at the call (Node's answer today).
    it("a view of a resizable buffer counts the bytes it covers now (where the engine has resizable buffers)", function () {
      type Resizable = ArrayBuffer & { resize(n: number): void };
      const Buffer = ArrayBuffer as unknown as new (n: number, options: { maxByteLength: number }) => Resizable;
      if (typeof (ArrayBuffer.prototype as Partial<Resizable>).resize !== "function") return this.skip();
      const port = newPort();
      const buffer = new Buffer(48, { maxByteLength: 96 });
      const view = new Uint8Array(buffer); // length-tracking
      view.set(user(1n).bytes);
      assert.equal(queue(port, view, 0), MX_OK);
      buffer.resize(47);
      assert.equal(queue(port, view, 0), MX_ERR_INVALID_ARGS, "shrunk to 47 bytes");
      assert.equal(queue(port, user(2n), 0), MX_OK);
      assert.equal(wait(port, 0n, view, 0), MX_ERR_INVALID_ARGS, "a 47-byte destination: packet 1 is lost");
      buffer.resize(64);
      view.fill(0xcc);
      assert.equal(wait(port, 0n, view, 0), MX_OK, "grown to 64 bytes");
      assert.deepEqual(Array.from(view.subarray(0, 48)), asQueued(user(2n)));
      assert.deepEqual(Array.from(view.subarray(48)), new Array(16).fill(0xcc));
      const fixed = new Uint8Array(buffer, 8, 48); // a fixed view that the buffer no longer covers after shrinking
      buffer.resize(50);
      assert.equal(queue(port, fixed, 0), MX_ERR_INVALID_ARGS, "out of bounds");
      assert.equal(wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
    });

    it("missing arguments are INVALID_ARGS and take nothing", () => {
      const port = newPort();
      assert.equal(queue(port, user(1n), 0), MX_OK);
      assert.equal(wait(), MX_ERR_INVALID_ARGS);
      assert.equal(wait(port), MX_ERR_INVALID_ARGS);
      assert.equal(wait(port, 0n), MX_ERR_INVALID_ARGS);
      assert.equal(wait(port, 0n, new mx_port_packet_t()), MX_ERR_INVALID_ARGS, "no size");
      const got = new mx_port_packet_t();
      assert.equal(wait(port, 0n, got, 0, "extra"), MX_OK, "extra arguments are ignored");
      assert.equal(got.key, 1n);
    });
  });
});
