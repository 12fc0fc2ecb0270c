/**
 * mx_port_queue and mx_port_wait are the data plane's entries (kernel/dataplane/dataplane.ts): plain calls finish
 * there, anything else falls back, arguments unchanged, to the control plane. Here, through the public syscalls
 * only, each condition that makes mx_port_queue fall back is forced, and the answer must be exactly the one the
 * reference semantics give (../shared/spec/magenta-ipc.md §1, js-api.md), the same on Node (the twin) and on the
 * device (C): a deadline armed elsewhere, a size that is not 0, bad handle values, missing rights, V1 ports and
 * other objects, packet arguments of every kind, missing arguments. Where the specs are silent, the expectation is
 * what the kernel on Node answers today (said so below). The wait side and the port's state: the two files beside.
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_channel_read,
  mx_channel_write,
  mx_deadline_after,
  mx_handle_close,
  mx_handle_replace,
  mx_port_packet_t,
  mx_timer_cancel,
  mx_timer_start,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_OK,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V1,
  MX_RIGHT_NONE,
  MX_RIGHT_READ,
  MX_RIGHT_SAME_RIGHTS,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_SEC,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, newEvent, newPort, newTimer, out, track } from "./helpers.ts";
import { queue, wait, user, asQueued, drain, duplicate } from "./port_fallback.ts";

describeFallbacks("mx_port_queue: each fall-back condition answers exactly as the spec says", () => {
  describe("deadlines armed elsewhere", () => {
    it("a timer set far in the future: queue and wait answer as usual and the order holds", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline armed before the test");
      const port = newPort();
      const timer = newTimer();
      assert.equal(queue(port, user(1n), 0), MX_OK, "before the timer: the fast path");
      assert.equal(mx_timer_start(timer, mx_deadline_after(MX_SEC(3600)), 0n, 0n), MX_OK);
      assert.equal(kernel_stats().deadlines, 1);
      assert.equal(queue(port, user(2n), 0), MX_OK);
      assert.equal(queue(port, user(3n), 0), MX_OK);
      assert.equal(queue(port, user(99n), 1), MX_ERR_WRONG_TYPE);
      assert.equal(queue(port, new Uint8Array(47), 0), MX_ERR_INVALID_ARGS);
      assert.equal(queue(0, user(99n), 0), MX_ERR_BAD_HANDLE);
      const got = new mx_port_packet_t();
      assert.equal(wait(port, -1, got, 0), MX_ERR_INVALID_ARGS);
      assert.equal(wait(port, 0n, got, 1), MX_ERR_WRONG_TYPE);
      assert.equal(wait(port, 0n, got, 0), MX_OK);
      assert.deepEqual(Array.from(got.bytes), asQueued(user(1n)), "the oldest packet first, type USER");
      assert.equal(mx_timer_cancel(timer), MX_OK);
      assert.equal(kernel_stats().deadlines, 0);
      assert.equal(queue(port, user(4n), 0), MX_OK, "after the timer, behind the packets queued while it was armed");
      assert.deepEqual(drain(port), [2n, 3n, 4n]);
      // Armed again with the port empty: a wait polls, a queue goes on, and disarming changes nothing.
      assert.equal(mx_timer_start(timer, mx_deadline_after(MX_SEC(3600)), 0n, 0n), MX_OK);
      assert.equal(wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
      assert.equal(queue(port, user(5n), 0), MX_OK);
      assert.equal(mx_handle_close(timer), MX_OK);
      assert.equal(kernel_stats().deadlines, 0, "closing the timer disarmed it");
      assert.equal(queue(port, user(6n), 0), MX_OK);
      assert.deepEqual(drain(port), [5n, 6n]);
    });
  });

  describe("mx_port_queue", () => {
    it("size not 0: WRONG_TYPE for 1..128, BUFFER_TOO_SMALL above (-1 is 0xffffffff), INVALID_ARGS for non-uint32 kinds", () => {
      const port = newPort();
      const cases: [string, unknown, number][] = [
        ["1", 1, MX_ERR_WRONG_TYPE],
        ["48", 48, MX_ERR_WRONG_TYPE],
        ["128", 128, MX_ERR_WRONG_TYPE],
        ["129", 129, MX_ERR_BUFFER_TOO_SMALL],
        ["-1", -1, MX_ERR_BUFFER_TOO_SMALL],
        ["0x80000000", 0x8000_0000, MX_ERR_BUFFER_TOO_SMALL],
        ["0xffffffff", 0xffff_ffff, MX_ERR_BUFFER_TOO_SMALL],
        ["0.5", 0.5, MX_ERR_INVALID_ARGS],
        ['"0"', "0", MX_ERR_INVALID_ARGS],
        ["0n", 0n, MX_ERR_INVALID_ARGS],
        ["2^32", 2 ** 32, MX_ERR_INVALID_ARGS],
        ["NaN", NaN, MX_ERR_INVALID_ARGS],
        ["null", null, MX_ERR_INVALID_ARGS],
        ["undefined", undefined, MX_ERR_INVALID_ARGS],
        ["false", false, MX_ERR_INVALID_ARGS],
      ];
      for (const [name, size, status] of cases) assert.equal(queue(port, user(9n), size), status, `size ${name}`);
      // The size is checked before the handle (BUFFER_TOO_SMALL, and the kind of the size); the rest after it.
      assert.equal(queue(0, user(9n), 129), MX_ERR_BUFFER_TOO_SMALL);
      assert.equal(queue(0, user(9n), 0.5), MX_ERR_INVALID_ARGS);
      assert.equal(queue(0, user(9n), 1), MX_ERR_BAD_HANDLE);
      // -0 is 0 (isU32 and the fast path's `size === 0` agree), and so is a 0 computed as a fraction's difference
      // (the specs are silent on -0: Node's answer today).
      assert.equal(queue(port, user(1n), -0), MX_OK);
      assert.equal(queue(port, user(2n), 0.5 - 0.5), MX_OK);
      assert.equal(queue(port + 0.25 - 0.25, user(3n), 0), MX_OK, "a handle value computed through fractions");
      assert.deepEqual(drain(port), [1n, 2n, 3n], "only the size-0 packets were queued");
    });

    it("bad, closed, stale and travelling handle values are BAD_HANDLE, before the packet is looked at", () => {
      const port = newPort();
      const closed = duplicate(port, MX_RIGHT_SAME_RIGHTS);
      assert.equal(mx_handle_close(closed), MX_OK);
      const dup = duplicate(port, MX_RIGHT_SAME_RIGHTS);
      const replaced = out();
      assert.equal(mx_handle_replace(dup, MX_RIGHT_SAME_RIGHTS, replaced), MX_OK);
      track(replaced.value);
      const bad: [string, unknown][] = [
        ["0", 0],
        ["-1", -1],
        ["a closed handle", closed],
        ["a replaced (stale) handle", dup],
        ["port + 2^32", port + 2 ** 32],
        ["port | 1 << 31", port | (1 << 31)],
        ["port + 0.5", port + 0.5],
        ["String(port)", String(port)],
        ["BigInt(port)", BigInt(port)],
        ["NaN", NaN],
        ["null", null],
        ["undefined", undefined],
        ["{ valueOf }", { valueOf: () => port }],
      ];
      for (const [name, h] of bad) {
        assert.equal(queue(h, user(9n), 0), MX_ERR_BAD_HANDLE, name);
        assert.equal(queue(h, null, 0), MX_ERR_BAD_HANDLE, `${name}, with no packet`);
        assert.equal(wait(h, 0n, new mx_port_packet_t(), 0), MX_ERR_BAD_HANDLE, `${name}: wait`);
        assert.equal(wait(h, -1, new mx_port_packet_t(), 0), MX_ERR_BAD_HANDLE, `${name}: wait, bad deadline`);
        assert.equal(wait(h, 0n, null, 0), MX_ERR_INVALID_ARGS, `${name}: wait checks the packet first`);
      }
      // A handle travelling in a channel message is not the caller's until it is read (with a new value).
      const [c0, c1] = newChannel();
      const travelling = duplicate(port, MX_RIGHT_SAME_RIGHTS);
      assert.equal(queue(travelling, user(1n), 0), MX_OK);
      assert.equal(mx_channel_write(c0, 0, null, 0, [travelling], 1), MX_OK);
      assert.equal(queue(travelling, user(9n), 0), MX_ERR_BAD_HANDLE, "in transit");
      assert.equal(wait(travelling, 0n, new mx_port_packet_t(), 0), MX_ERR_BAD_HANDLE, "in transit: wait");
      const received = [0];
      assert.equal(mx_channel_read(c1, 0, null, received, 0, 1, null, null), MX_OK);
      track(received[0]);
      assert.notEqual(received[0], travelling);
      assert.equal(queue(travelling, user(9n), 0), MX_ERR_BAD_HANDLE, "the old value after the read");
      assert.equal(queue(received[0], user(2n), 0), MX_OK);
      assert.equal(queue(replaced.value, user(3n), 0), MX_OK);
      assert.deepEqual(drain(received[0]), [1n, 2n, 3n], "nothing else was queued");
    });

    it("a handle without WRITE is ACCESS_DENIED (before the packet); WRITE alone is enough", () => {
      const port = newPort();
      const readOnly = duplicate(port, MX_RIGHT_READ | MX_RIGHT_TRANSFER);
      const none = duplicate(port, MX_RIGHT_NONE);
      const writeOnly = duplicate(port, MX_RIGHT_WRITE);
      for (const h of [readOnly, none]) {
        assert.equal(queue(h, user(9n), 0), MX_ERR_ACCESS_DENIED);
        assert.equal(queue(h, new Uint8Array(47), 0), MX_ERR_ACCESS_DENIED);
        assert.equal(queue(h, user(9n), 1), MX_ERR_ACCESS_DENIED, "both lookups need WRITE");
      }
      assert.equal(queue(writeOnly, user(1n), 0), MX_OK);
      assert.deepEqual(drain(port), [1n]);
    });

    it("a V1 port with size 0 is INVALID_ARGS (its header does not fit); other objects are WRONG_TYPE", () => {
      const v1 = newPort(MX_PORT_OPT_V1);
      assert.equal(queue(v1, user(9n), 0), MX_ERR_INVALID_ARGS);
      assert.equal(queue(v1, new Uint8Array(48), 0), MX_ERR_INVALID_ARGS);
      assert.equal(queue(v1, new Uint8Array(16), 16), MX_OK, "the V1 path with a size");
      const buf = new Uint8Array(16);
      assert.equal(wait(v1, 0n, buf, 16), MX_OK);
      assert.equal(wait(v1, 0n, buf, 16), MX_ERR_TIMED_OUT, "the size-0 queues added nothing");
      const [c0] = newChannel();
      for (const h of [newEvent(), c0, newTimer()]) {
        assert.equal(queue(h, user(9n), 0), MX_ERR_WRONG_TYPE);
        assert.equal(queue(h, new Uint8Array(16), 16), MX_ERR_WRONG_TYPE);
        assert.equal(queue(h, null, 0), MX_ERR_WRONG_TYPE, "the type before the packet");
      }
    });

    it("packet arguments: a packet, its subclass and Uint8Arrays of 48+ bytes are queued; anything else is INVALID_ARGS", () => {
      const port = newPort();
      class Labelled extends mx_port_packet_t {
        label = "a subclass instance is a genuine packet";
      }
      const sub = new Labelled();
      sub.bytes.set(user(4n).bytes);
      const raw48 = Uint8Array.from(user(2n).bytes);
      const raw64 = new Uint8Array(64).fill(0x5a);
      raw64.set(user(3n).bytes);
      const backing = new Uint8Array(100).fill(0x77);
      backing.set(user(5n).bytes, 16);
      class Bytes extends Uint8Array {}
      const subBytes = new Bytes(48);
      subBytes.set(user(6n).bytes);
      const good: [string, unknown, bigint][] = [
        ["an mx_port_packet_t", user(1n), 1n],
        ["a Uint8Array of 48 bytes", raw48, 2n],
        ["a Uint8Array of 64 bytes (its first 48)", raw64, 3n],
        ["an instance of a subclass of mx_port_packet_t", sub, 4n],
        ["a 48-byte view at offset 16 of a larger buffer", backing.subarray(16, 64), 5n],
        ["an instance of a subclass of Uint8Array", subBytes, 6n],
      ];
      if (typeof SharedArrayBuffer === "function") {
        const shared = new Uint8Array(new SharedArrayBuffer(48));
        shared.set(user(7n).bytes);
        good.push(["a Uint8Array over a SharedArrayBuffer", shared, 7n]);
      }
      const packetProxy = new Proxy(user(9n), {});
      const bad: [string, unknown][] = [
        ["a Uint8Array of 47 bytes", new Uint8Array(47)],
        ["a 47-byte view of a larger buffer", backing.subarray(16, 63)],
        ["null", null],
        ["undefined", undefined],
        ["a number", 42],
        ["0", 0],
        ["a string", "x".repeat(48)],
        ["a plain object", {}],
        ["a plain object with bytes", { bytes: new Uint8Array(48) }],
        ["a Proxy of a packet", packetProxy],
        ["a Proxy of a Uint8Array", new Proxy(new Uint8Array(48), {})],
        ["Object.create(mx_port_packet_t.prototype)", Object.create(mx_port_packet_t.prototype)],
        ["Object.create(Uint8Array.prototype)", Object.create(Uint8Array.prototype)],
        ["an Int8Array of 48", new Int8Array(48)],
        ["an ArrayBuffer of 48", new ArrayBuffer(48)],
        ["a DataView of 48", new DataView(new ArrayBuffer(48))],
        ["an array of 48 numbers", new Array<number>(48).fill(0)],
      ];
      for (const [name, p] of bad) assert.equal(queue(port, p, 0), MX_ERR_INVALID_ARGS, name);
      for (const [name, p] of good) assert.equal(queue(port, p, 0), MX_OK, name);
      for (const [name, p] of bad) assert.equal(queue(port, p, 0), MX_ERR_INVALID_ARGS, `${name}, with packets queued`);
      assert.equal(sub.type, 5, "the caller's packet keeps its type");
      assert.equal(raw64[60], 0x5a);
      assert.deepEqual(drain(port), good.map(([, , key]) => key), "the good ones, whole, type USER, in order; nothing else");
    });

    it("the type is forced to USER whatever it was, and key, status and user are kept", () => {
      const port = newPort();
      for (const type of [5, 1, 2, 7, 0xff, 0xffff_ffff]) {
        assert.equal(queue(port, user(BigInt(type), type), 0), MX_OK);
        const got = new mx_port_packet_t();
        got.type = 0x1234;
        assert.equal(wait(port, 0n, got, 0), MX_OK);
        assert.equal(got.type, MX_PKT_TYPE_USER, `type ${type}`);
        assert.equal(got.key, BigInt(type));
        assert.deepEqual(Array.from(got.bytes), asQueued(user(BigInt(type), type)));
      }
    });

    // Missing arguments are undefined: a missing pointer or a size of the wrong kind (js-api.md). Extra arguments:
    // the specs are silent; Node's answer today is that they are ignored.
    it("missing arguments are INVALID_ARGS; extra ones are ignored", () => {
      const port = newPort();
      assert.equal(queue(), MX_ERR_INVALID_ARGS, "no arguments: the size is checked first");
      assert.equal(queue(port), MX_ERR_INVALID_ARGS);
      assert.equal(queue(port, user(9n)), MX_ERR_INVALID_ARGS, "no size");
      assert.equal(wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT, "nothing queued");
      assert.equal(queue(port, user(1n), 0, "extra", 7), MX_OK);
      assert.deepEqual(drain(port), [1n]);
    });
  });
});
