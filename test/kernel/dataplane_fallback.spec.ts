/**
 * mx_port_queue and mx_port_wait are the data plane's entries (kernel/dataplane/dataplane.ts): plain calls finish
 * there, anything else falls back, arguments unchanged, to the control plane. Here, through the public syscalls
 * only, each condition that makes an entry fall back is forced, and the answer must be exactly the one the
 * reference semantics give (../shared/spec/magenta-ipc.md §1, js-api.md), the same on Node (the twin) and on the
 * device (C): a deadline armed elsewhere, a size that is not 0, bad handle values, missing rights, V1 ports and
 * other objects, a port with a suffix or a waiter, the per-port limit, the shared prefix pool running out, packet
 * and deadline arguments of every kind, missing arguments. And the queue's order holds across the prefix/suffix
 * boundary. Where the specs are silent, the expectation is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  awaitable,
  kernel_check,
  kernel_configure,
  kernel_limits,
  kernel_stats,
  mx_channel_read,
  mx_channel_write,
  mx_deadline_after,
  mx_handle_close,
  mx_handle_duplicate,
  mx_handle_replace,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  mx_timer_cancel,
  mx_timer_start,
  type KernelLimits,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_MSEC,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V1,
  MX_RIGHT_NONE,
  MX_RIGHT_READ,
  MX_RIGHT_SAME_RIGHTS,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_SEC,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";
import { newChannel, newEvent, newPort, newTimer, out, settle, track, useHandles } from "./helpers.ts";

/** The two entries with their arguments left untyped (missing and wrongly typed arguments are part of the test). */
const queue = mx_port_queue as (...args: unknown[]) => number;
const wait = mx_port_wait as (...args: unknown[]) => number;

/** A user packet with every field set; `type` 5, which the kernel must force to USER. */
function user(key: bigint, type = 5): mx_port_packet_t {
  const p = new mx_port_packet_t();
  p.key = key;
  p.type = type;
  p.status = -7 - Number(key % 100n);
  for (let i = 0; i < 32; i++) p.user.c8[i] = (Number(key % 251n) + i * 3) & 0xff;
  return p;
}

/** The 48 bytes packet `p` comes back as: its own, type zeroed (USER). */
function asQueued(p: mx_port_packet_t | Uint8Array): number[] {
  const b = Array.from(p instanceof mx_port_packet_t ? p.bytes : p.subarray(0, 48));
  b[8] = b[9] = b[10] = b[11] = 0;
  return b;
}

/** Polls packets until the port is empty; their keys. Every user packet must come back as the one queued with `key`. */
function drain(port: number): bigint[] {
  const keys: bigint[] = [];
  const got = new mx_port_packet_t();
  for (let status = wait(port, 0n, got, 0); status !== MX_ERR_TIMED_OUT; status = wait(port, 0n, got, 0)) {
    assert.equal(status, MX_OK);
    if (got.type === MX_PKT_TYPE_USER) assert.deepEqual(Array.from(got.bytes), asQueued(user(got.key)), `packet ${got.key} intact`);
    keys.push(got.key);
    assert.ok(keys.length <= 10_000, "the port empties");
  }
  return keys;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

function duplicate(h: number, rights: number): number {
  const o = out();
  assert.equal(mx_handle_duplicate(h, rights, o), MX_OK);
  return track(o.value);
}

/** Lets deadlines armed earlier pass (on the device, the test runtime's timeout sleeps): while one is armed every
 * call falls back, and the conditions below would not be the only reason. No timeout of its own: on the device a
 * test's timeout is itself a sleep, that is a deadline. */
async function letDeadlinesPass(): Promise<void> {
  for (let i = 0; i < 400 && kernel_stats().deadlines > 0; i++) await awaitable.mx_nanosleep(mx_deadline_after(MX_MSEC(25)));
}

describe("mx_port_queue / mx_port_wait: each fall-back condition answers exactly as the spec says", () => {
  useHandles();
  let saved: KernelLimits;
  before(async function () {
    this.timeout(0);
    await letDeadlinesPass();
  });
  beforeEach(() => {
    saved = kernel_limits();
  });
  afterEach(() => {
    assert.equal(kernel_configure(saved), MX_OK);
    assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
  });

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

  describe("the port's state: suffix, limit, the shared prefix pool", () => {
    it("a port with a suffix: a signal packet queued first, then user packets: they come out in that order", () => {
      const port = newPort();
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, port, 1000n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
      for (const k of [1n, 2n, 3n]) assert.equal(queue(port, user(k), 0), MX_OK);
      const got = new mx_port_packet_t();
      assert.equal(wait(port, 0n, got, 0), MX_OK);
      assert.equal(got.key, 1000n);
      assert.equal(got.type, MX_PKT_TYPE_SIGNAL_ONE);
      assert.equal(got.status, MX_OK);
      assert.equal(got.signal.trigger, MX_USER_SIGNAL_0);
      assert.equal((got.signal.observed & MX_USER_SIGNAL_0) >>> 0, MX_USER_SIGNAL_0);
      assert.equal(got.signal.count, 1n);
      assert.equal(queue(port, user(4n), 0), MX_OK, "queued while the suffix still holds packets");
      assert.deepEqual(drain(port), [1n, 2n, 3n, 4n]);
      // Prefix, then a signal packet, then user packets: the signal packet sits between them.
      assert.equal(queue(port, user(5n), 0), MX_OK);
      assert.equal(queue(port, user(6n), 0), MX_OK);
      assert.equal(mx_object_wait_async(e, port, 1001n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK, "queued at once");
      assert.equal(queue(port, user(7n), 0), MX_OK);
      assert.equal(wait(port, 0n, got, 0), MX_OK);
      assert.equal(got.key, 5n);
      assert.equal(queue(port, user(8n), 0), MX_OK);
      assert.deepEqual(drain(port), [6n, 1001n, 7n, 8n]);
      assert.equal(queue(port, user(9n), 0), MX_OK, "empty again");
      assert.deepEqual(drain(port), [9n]);
    });

    it("the per-port limit (maxPacketsPerPort): NO_MEMORY, nothing queued; a wait makes room; a port made before the change obeys it", () => {
      const early = newPort();
      assert.equal(queue(early, user(1n), 0), MX_OK);
      assert.equal(kernel_configure({ maxPacketsPerPort: 3 }), MX_OK);
      const late = newPort();
      for (const port of [early, late]) {
        for (let k = port === early ? 2 : 1; k <= 3; k++) assert.equal(queue(port, user(BigInt(k)), 0), MX_OK);
        assert.equal(queue(port, user(99n), 0), MX_ERR_NO_MEMORY);
        assert.equal(queue(port, new Uint8Array(47), 0), MX_ERR_INVALID_ARGS, "the packet is checked before the limit");
        assert.equal(queue(port, user(99n), 1), MX_ERR_WRONG_TYPE);
        const got = new mx_port_packet_t();
        assert.equal(wait(port, 0n, got, 0), MX_OK);
        assert.equal(got.key, 1n);
        assert.equal(queue(port, user(4n), 0), MX_OK, "room for one");
        assert.equal(queue(port, user(99n), 0), MX_ERR_NO_MEMORY);
        assert.deepEqual(drain(port), [2n, 3n, 4n]);
      }
      // Kernel packets do not count: with a signal packet in the suffix, still 3 user packets fit, behind it.
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, late, 1000n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
      for (const k of [1n, 2n, 3n]) assert.equal(queue(late, user(k), 0), MX_OK);
      assert.equal(queue(late, user(99n), 0), MX_ERR_NO_MEMORY);
      assert.deepEqual(drain(late), [1000n, 1n, 2n, 3n]);
      // Lowered below what is queued: nothing is dropped, queuing fails until enough is taken.
      assert.equal(kernel_configure(saved), MX_OK);
      for (const k of range(1, 7)) assert.equal(queue(early, user(k), 0), MX_OK);
      assert.equal(kernel_configure({ maxPacketsPerPort: 3 }), MX_OK);
      assert.equal(queue(early, user(99n), 0), MX_ERR_NO_MEMORY);
      const got = new mx_port_packet_t();
      for (const k of [1n, 2n, 3n]) {
        assert.equal(wait(early, 0n, got, 0), MX_OK);
        assert.equal(got.key, k);
        assert.equal(queue(early, user(99n), 0), MX_ERR_NO_MEMORY, `${6 - Number(k)} still queued`);
      }
      assert.equal(wait(early, 0n, got, 0), MX_OK);
      assert.equal(queue(early, user(7n), 0), MX_OK);
      assert.deepEqual(drain(early), [5n, 6n, 7n]);
      // A limit of 1.
      assert.equal(kernel_configure({ maxPacketsPerPort: 1 }), MX_OK);
      assert.equal(queue(late, user(1n), 0), MX_OK);
      assert.equal(queue(late, user(99n), 0), MX_ERR_NO_MEMORY);
      assert.deepEqual(drain(late), [1n]);
    });

    it("the limit counts prefix and suffix together (66 > the pool's 64)", () => {
      assert.equal(kernel_configure({ maxPacketsPerPort: 66 }), MX_OK);
      const port = newPort();
      for (const k of range(0, 66)) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.equal(queue(port, user(99n), 0), MX_ERR_NO_MEMORY);
      const got = new mx_port_packet_t();
      assert.equal(wait(port, 0n, got, 0), MX_OK);
      assert.equal(got.key, 0n);
      assert.equal(queue(port, user(66n), 0), MX_OK);
      assert.equal(queue(port, user(99n), 0), MX_ERR_NO_MEMORY);
      assert.deepEqual(drain(port), range(1, 67));
    });

    // Found while writing this suite: on the device the C data plane refuses the next two limits (RangeError out of
    // kernel_configure, and out of every mx_port_create while the limit is in force), while the twin on Node takes
    // them. kernel_configure accepts any integer 1..0x7fffffff (limits.ts).
    it("the limit at its largest, 0x7fffffff: kernel_configure sets it, ports are created and queue", () => {
      assert.equal(kernel_configure({ maxPacketsPerPort: 0x7fff_ffff }), MX_OK);
      const port = newPort();
      for (const k of range(0, 3)) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.deepEqual(drain(port), range(0, 3));
    });

    it("the limit as an integer the engine holds as a double (6 / 2): set, and obeyed", () => {
      const port = newPort();
      for (const k of range(0, 3)) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.equal(kernel_configure({ maxPacketsPerPort: 6 / 2 }), MX_OK);
      assert.equal(queue(port, user(99n), 0), MX_ERR_NO_MEMORY);
      assert.deepEqual(drain(port), range(0, 3));
    });

    it("more than 64 packets in one port (the shared prefix pool's size): all come out, in order, intact", () => {
      const port = newPort();
      for (const k of range(0, 150)) assert.equal(queue(port, user(k), 0), MX_OK);
      const got = new mx_port_packet_t();
      for (const k of range(0, 40)) {
        assert.equal(wait(port, 0n, got, 0), MX_OK);
        assert.equal(got.key, k);
      }
      for (const k of range(150, 200)) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.deepEqual(drain(port), range(40, 200));
      assert.equal(queue(port, user(1n), 0), MX_OK, "empty again");
      assert.deepEqual(drain(port), [1n]);
    });

    it("two ports sharing the pool: one fills it, the other falls back; each keeps its own order", () => {
      const a = newPort();
      const b = newPort();
      for (const k of range(0, 70)) assert.equal(queue(a, user(k), 0), MX_OK);
      for (const k of range(1000, 1003)) assert.equal(queue(b, user(k), 0), MX_OK);
      const got = new mx_port_packet_t();
      for (const k of range(0, 10)) {
        assert.equal(wait(a, 0n, got, 0), MX_OK);
        assert.equal(got.key, k);
      }
      for (const k of range(1003, 1005)) assert.equal(queue(b, user(k), 0), MX_OK);
      for (const k of range(70, 75)) assert.equal(queue(a, user(k), 0), MX_OK);
      assert.deepEqual(drain(b), range(1000, 1005));
      for (const k of range(1005, 1010)) assert.equal(queue(b, user(k), 0), MX_OK);
      assert.deepEqual(drain(a), range(10, 75));
      assert.deepEqual(drain(b), range(1005, 1010));
    });

    it("closing a port that holds prefix and suffix packets frees them all: a new port gets 150 in order", () => {
      const port = newPort();
      for (const k of range(0, 100)) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.equal(mx_handle_close(port), MX_OK);
      assert.deepEqual(kernel_check(), []);
      const again = newPort();
      for (const k of range(0, 150)) assert.equal(queue(again, user(k), 0), MX_OK);
      assert.deepEqual(drain(again), range(0, 150));
    });
  });

  // Async tests last: on the device each arms the runtime's timeout sleep (a deadline) that outlives it.
  describe("a port with a waiter (awaitable waits)", () => {
    it("a queue hands the packet to the waiter: type USER, nothing stays queued, then the fast path resumes", async () => {
      const port = newPort();
      const into = new mx_port_packet_t();
      const waiting = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into, 0);
      // Before any await: on the device, the test runtime arms its timeout (a deadline) at the first one.
      assert.equal(kernel_stats().deadlines, 0, "the waiter is the only reason to fall back");
      assert.equal(queue(port, user(1n), 0), MX_OK);
      assert.equal(queue(port, user(2n), 0), MX_OK, "no waiter left: queued");
      assert.equal(await waiting, MX_OK);
      assert.deepEqual(Array.from(into.bytes), asQueued(user(1n)), "the whole packet, type USER");
      assert.equal(queue(port, user(3n), 0), MX_OK);
      assert.deepEqual(drain(port), [2n, 3n]);
    });

    it("waiters get one packet each in arrival order; a waiter's bad buffer fails it alone and loses its packet", async () => {
      const port = newPort();
      const into = [0, 1, 2].map(() => new mx_port_packet_t());
      const small = new Uint8Array(47);
      const w0 = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into[0], 0);
      const w1 = awaitable.mx_port_wait(port, MX_TIME_INFINITE, small, 0);
      const w2 = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into[2], 0);
      for (const k of [1n, 2n, 3n, 4n]) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.deepEqual(await Promise.all([w0, w1, w2]), [MX_OK, MX_ERR_INVALID_ARGS, MX_OK]);
      assert.equal(into[0].key, 1n);
      assert.equal(into[2].key, 3n, "packet 2 belonged to the waiter with the bad buffer: lost");
      assert.deepEqual(Array.from(small), new Array(47).fill(0));
      assert.deepEqual(drain(port), [4n]);
    });

    it("a waiter cancelled by closing its handle leaves no waiter behind: packets stay queued", async () => {
      const port = newPort();
      const dup = duplicate(port, MX_RIGHT_SAME_RIGHTS);
      const waiting = awaitable.mx_port_wait(dup, MX_TIME_INFINITE, new mx_port_packet_t(), 0);
      assert.equal(mx_handle_close(dup), MX_OK);
      assert.equal(await waiting, MX_ERR_CANCELED);
      assert.equal(queue(port, user(1n), 0), MX_OK);
      assert.equal(queue(port, user(2n), 0), MX_OK);
      assert.deepEqual(drain(port), [1n, 2n]);
    });

    it("a waiter with a deadline, then a signal packet: the hand-off and the later queue keep the order", async () => {
      const port = newPort();
      const e = newEvent();
      const into = new mx_port_packet_t();
      const waiting = awaitable.mx_port_wait(port, mx_deadline_after(MX_SEC(3600)), into, 0);
      await settle();
      assert.equal(kernel_stats().deadlines > 0, true, "the wait's deadline is armed");
      assert.equal(mx_object_wait_async(e, port, 1000n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(await waiting, MX_OK);
      assert.equal(into.key, 1000n, "the signal packet went to the waiter");
      assert.equal(into.type, MX_PKT_TYPE_SIGNAL_ONE);
      for (const k of [1n, 2n]) assert.equal(queue(port, user(k), 0), MX_OK);
      assert.deepEqual(drain(port), [1n, 2n]);
    });
  });
});
