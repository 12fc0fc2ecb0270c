/**
 * Byte buffers that only look like the ones the API names (js-api.md: "a buffer that is not the typed array named
 * below" is C's bad pointer): a Proxy, an object with Uint8Array's or mx_port_packet_t's prototype, a Uint8Array that
 * claims a longer `length`, another kind of typed array, a detached buffer. Every call answers them with the bad
 * pointer's status, never runs their code, never throws, and leaves the kernel as it was, except where C would
 * already have moved data (a V2 wait or a channel read whose buffer is bad loses the packet or message).
 */
import assert from "node:assert/strict";
import {
  awaitable,
  mx_channel_call,
  mx_channel_read,
  mx_channel_write,
  mx_object_wait_one,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_CHANNEL_READABLE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V1,
  MX_TIME_INFINITE,
} from "../../kernel/index.ts";
import { newChannel, newPort, settle, useHandles } from "./helpers.ts";

/** Caller code the kernel must never run: it counts, then throws. */
let trapsRun = 0;
function trap(): never {
  trapsRun++;
  throw new Error("the kernel ran the caller's code");
}
/** A Proxy handler with every trap: the kernel must not touch a Proxy at all. */
const hostile: ProxyHandler<object> = new Proxy({}, { get: () => trap });

/** Look-alikes of a buffer of `n` bytes, by name. */
function lookAlikes(n: number): [string, () => unknown][] {
  return [
    ["an object with Uint8Array.prototype", () => Object.create(Uint8Array.prototype)],
    ["an object with mx_port_packet_t.prototype", () => Object.create(mx_port_packet_t.prototype)],
    ["a Proxy of a Uint8Array", () => new Proxy(new Uint8Array(n), hostile)],
    ["a Proxy of an mx_port_packet_t", () => new Proxy(new mx_port_packet_t(), hostile)],
    [
      "a short Uint8Array claiming a longer length",
      () => Object.defineProperty(new Uint8Array(4), "length", { value: n, configurable: true }),
    ],
    ["an Int8Array", () => new Int8Array(n)],
    ["a Uint8ClampedArray", () => new Uint8ClampedArray(n)],
    ["a DataView", () => new DataView(new ArrayBuffer(n))],
    ["a plain array of numbers", () => new Array<number>(n).fill(0)],
  ];
}

/** Detaches a buffer with whatever the engine offers (ArrayBuffer.prototype.transfer on XS, structuredClone on Node). */
function detached(n: number): Uint8Array | null {
  const b = new Uint8Array(n);
  const buffer = b.buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
  const clone = (globalThis as { structuredClone?: (v: unknown, options: { transfer: ArrayBuffer[] }) => unknown }).structuredClone;
  if (typeof buffer.transfer === "function") buffer.transfer();
  else if (typeof clone === "function") clone(buffer, { transfer: [buffer] });
  else return null;
  return b;
}

/** A genuine Uint8Array whose own methods would run the caller's code if anyone asked for them. */
function booby(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (const key of ["set", "subarray", "slice", "constructor"]) {
    Object.defineProperty(b, key, { get: trap });
  }
  return b;
}

function messages(h: number): number {
  const observed = { value: 0 };
  mx_object_wait_one(h, MX_CHANNEL_READABLE, 0n, observed);
  return observed.value & MX_CHANNEL_READABLE;
}

describe("caller buffers that only look like the named kind", () => {
  useHandles();
  beforeEach(() => {
    trapsRun = 0;
  });
  afterEach(() => {
    assert.equal(trapsRun, 0, "the kernel ran the caller's code");
  });

  for (const [name, make] of lookAlikes(48)) {
    it(`V2 port: queue refuses ${name}; a wait into one loses the packet, as a bad pointer in C does`, () => {
      const port = newPort();
      assert.equal(mx_port_queue(port, make(), 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT, "nothing was queued");
      assert.equal(mx_port_queue(port, new mx_port_packet_t(), 0), MX_OK);
      assert.equal(mx_port_wait(port, 0n, make(), 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT, "the packet was dequeued");
    });
  }

  for (const [name, make] of lookAlikes(64)) {
    it(`V1 port: queue and wait refuse ${name}, and the packet stays queued`, () => {
      const port = newPort(MX_PORT_OPT_V1);
      assert.equal(mx_port_queue(port, make(), 32), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_queue(port, new Uint8Array(32), 32), MX_OK);
      assert.equal(mx_port_wait(port, 0n, make(), 64), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_wait(port, 0n, new Uint8Array(64), 64), MX_OK, "still queued");
    });

    it(`channel: write and call refuse ${name}; a read into one loses the message`, () => {
      const [a, b] = newChannel();
      assert.equal(mx_channel_write(a, 0, make() as Uint8Array, 16, null, 0), MX_ERR_INVALID_ARGS);
      assert.equal(messages(b), 0, "nothing was written");
      const args = {
        wr_bytes: make() as Uint8Array,
        wr_handles: null,
        rd_bytes: new Uint8Array(64),
        rd_handles: null,
        wr_num_bytes: 16,
        wr_num_handles: 0,
        rd_num_bytes: 64,
        rd_num_handles: 0,
      };
      assert.equal(mx_channel_call(a, 0, 0n, args, { value: 0 }, { value: 0 }, null), MX_ERR_INVALID_ARGS);
      assert.equal(messages(b), 0, "the call wrote nothing");
      assert.equal(mx_channel_write(a, 0, new Uint8Array(16), 16, null, 0), MX_OK);
      const actual = { value: 0 };
      assert.equal(mx_channel_read(b, 0, make() as Uint8Array, null, 16, 0, actual, null), MX_ERR_INVALID_ARGS);
      assert.equal(actual.value, 16, "the size is reported before the copy fails");
      assert.equal(messages(b), 0, "the message was dequeued");
    });
  }

  it("a waiter's look-alike buffer fails only that waiter, when the packet reaches it", async () => {
    const port = newPort();
    const bad = awaitable.mx_port_wait(port, MX_TIME_INFINITE, new Proxy(new mx_port_packet_t(), hostile), 0);
    assert.equal(mx_port_queue(port, new mx_port_packet_t(), 0), MX_OK, "the queuing caller is not affected");
    await settle();
    assert.equal(await bad, MX_ERR_INVALID_ARGS);
  });

  it("a detached buffer covers no bytes", function () {
    const gone = detached(64);
    if (gone === null) this.skip();
    const port = newPort();
    assert.equal(mx_port_queue(port, gone, 0), MX_ERR_INVALID_ARGS);
    const [a] = newChannel();
    assert.equal(mx_channel_write(a, 0, gone, 16, null, 0), MX_ERR_INVALID_ARGS);
    assert.equal(mx_channel_write(a, 0, gone, 0, null, 0), MX_OK, "0 bytes need no buffer");
  });

  it("genuine arrays are used through the engine, not through their own methods", () => {
    const port = newPort();
    const packet = new mx_port_packet_t();
    packet.bytes.set([1, 2, 3, 4, 5, 6, 7, 8], 16);
    assert.equal(mx_port_queue(port, booby(48).fill(7), 0), MX_OK);
    assert.equal(mx_port_queue(port, packet, 0), MX_OK);
    const into = booby(48);
    assert.equal(mx_port_wait(port, 0n, into, 0), MX_OK);
    assert.deepEqual([...new Uint8Array(into.buffer, 16, 4)], [7, 7, 7, 7]);
    const received = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, received, 0), MX_OK);
    assert.deepEqual([...received.bytes.subarray(16, 24)], [1, 2, 3, 4, 5, 6, 7, 8]);

    const [a, b] = newChannel();
    assert.equal(mx_channel_write(a, 0, booby(16).fill(9), 16, null, 0), MX_OK);
    const read = booby(16);
    assert.equal(mx_channel_read(b, 0, read, null, 16, 0, { value: 0 }, null), MX_OK);
    assert.equal(new Uint8Array(read.buffer)[15], 9);
  });

  it("a packet's bytes cannot be swapped for a look-alike: the getter is the packet's own array", () => {
    const packet = new mx_port_packet_t();
    const original = packet.bytes;
    assert.throws(() => {
      (packet as { bytes: unknown }).bytes = Object.create(Uint8Array.prototype);
    }, TypeError);
    assert.equal(packet.bytes, original);
    class Labelled extends mx_port_packet_t {
      label = "a subclass is still a packet";
    }
    const port = newPort();
    assert.equal(mx_port_queue(port, new Labelled(), 0), MX_OK);
    const received = new Labelled();
    assert.equal(mx_port_wait(port, 0n, received, 0), MX_OK);
    assert.equal(received.type, MX_PKT_TYPE_USER);
  });
});
