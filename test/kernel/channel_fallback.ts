/**
 * What the channel fall-back suites share (dataplane_channel_*.spec.ts): the entries with their arguments untyped,
 * message patterns and tagged events, reading back in order, and the suite set-up. The suites are split in files
 * because netduinoplus2 runs one firmware per spec file and a spec's own bytecode lives in its RAM.
 */
import assert from "node:assert/strict";
import {
  mx_channel_read,
  mx_channel_write,
  mx_handle_duplicate,
  mx_handle_replace,
  mx_object_signal,
  mx_object_wait_one,
  mx_port_packet_t,
  mx_port_wait,
  MX_CHANNEL_READABLE,
  MX_CHANNEL_WRITABLE,
  MX_ERR_BAD_HANDLE,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_SHOULD_WAIT,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_RIGHT_SAME_RIGHTS,
  MX_SIGNAL_LAST_HANDLE,
} from "../../kernel/index.ts";
import { PREFIX_POOL_MESSAGES } from "../../kernel/dataplane/dataplane.ts";
import {
  newEvent,
  out,
  track,
} from "./helpers.ts";

/** The two entries with their arguments left untyped (missing and wrongly typed arguments are part of the test). */
export const write = mx_channel_write as (...args: unknown[]) => number;
export const read = mx_channel_read as (...args: unknown[]) => number;

/** The channels' prefix pool: its size decides only where messages wait, never a result (dataplane.ts). */
export const POOL = PREFIX_POOL_MESSAGES;
export const READABLE = MX_CHANNEL_READABLE;
export const WRITABLE = MX_CHANNEL_WRITABLE;
export const LAST = MX_SIGNAL_LAST_HANDLE;

/** `n` bytes that differ from message to message (seed) and from byte to byte. */
export function pattern(seed: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed * 31 + i * 7 + 1) & 0xff;
  return b;
}

/** `got` holds exactly the bytes of `want` (compared byte by byte: a 64 KiB message as an array of numbers would
 * not fit in the device's heap). */
export function sameBytes(got: Uint8Array, want: Uint8Array, label: string): void {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) assert.fail(`${label}: byte ${i} is ${got[i]}, not ${want[i]}`);
  }
}

/** An event tagged `tag` (1..255) in its user signal bits, so that a handle to it can be recognised anywhere. */
export function tagged(tag: number): number {
  const e = newEvent();
  assert.equal(mx_object_signal(e, 0, (tag << 24) >>> 0), MX_OK);
  return e;
}

/** The tag of the event `h` names: its user signal bits (0 for other waitable objects, -1 for a port, which is
 * not waitable); BAD_HANDLE fails the assertion. */
export function tagOf(h: number): number {
  const o = out();
  const status = mx_object_wait_one(h, 0, 0n, o);
  if (status === MX_ERR_NOT_SUPPORTED) return -1;
  assert.equal(status, MX_ERR_TIMED_OUT, `handle ${h} names a live object`);
  return o.value >>> 24;
}

/** The signal state of a waitable object. */
export function state(h: number): number {
  const o = out();
  assert.equal(mx_object_wait_one(h, 0, 0n, o), MX_ERR_TIMED_OUT);
  return o.value >>> 0;
}

/** True while `h` is a handle of the caller's (whatever it names and whatever rights it has). */
export function live(h: number): boolean {
  return mx_object_wait_one(h, 0, 0n, null) !== MX_ERR_BAD_HANDLE;
}

export function duplicate(h: number, rights = MX_RIGHT_SAME_RIGHTS): number {
  const o = out();
  assert.equal(mx_handle_duplicate(h, rights, o), MX_OK);
  return track(o.value);
}

export function replace(h: number, rights = MX_RIGHT_SAME_RIGHTS): number {
  const o = out();
  assert.equal(mx_handle_replace(h, rights, o), MX_OK);
  return track(o.value);
}

/** How a message is read: as the fast path takes it, with the size out-parameters, or into a Uint32Array. */
export type How = "plain" | "sizes" | "u32";
export const HOWS: How[] = ["plain", "sizes", "u32"];

/**
 * Reads the next message from `h` and checks it is exactly `bytes` with handles to the events tagged `tags`, in
 * order; returns the received handles (tracked). A "plain" read passes a buffer of exactly the expected size, filled
 * with the complement of what must arrive (a longer message is BUFFER_TOO_SMALL, a shorter one leaves bytes that
 * cannot match), and a plain array of 8 zeros for the handles (those beyond the message's stay 0).
 */
export function expectNext(h: number, bytes: Uint8Array, tags: number[], how: How = "plain", label = ""): number[] {
  const n = bytes.length;
  const buf = new Uint8Array(n);
  for (let i = 0; i < n; i++) buf[i] = ~bytes[i] & 0xff;
  const hs: number[] | Uint32Array = how === "u32" ? new Uint32Array(8) : [0, 0, 0, 0, 0, 0, 0, 0];
  const ab = { value: -1 };
  const ah = { value: -1 };
  const status =
    how === "sizes" ? read(h, 0, n === 0 ? null : buf, hs, n, 8, ab, ah) : read(h, 0, n === 0 ? null : buf, hs, n, 8, null, null);
  assert.equal(status, MX_OK, `${label}: read`);
  if (how === "sizes") {
    assert.equal(ab.value, n, `${label}: actual_bytes`);
    assert.equal(ah.value, tags.length, `${label}: actual_handles`);
  }
  sameBytes(buf, bytes, `${label}: the bytes`);
  const got = Array.from(hs.slice(0, tags.length));
  assert.deepEqual(Array.from(hs.slice(tags.length)), new Array(8 - tags.length).fill(0), `${label}: no more handles`);
  got.forEach(track);
  assert.deepEqual(got.map(tagOf), tags, `${label}: the handles name the events sent, in order`);
  return got;
}

/** The queue of `h` is empty (its peer is alive). */
export function expectEmpty(h: number, label = ""): void {
  assert.equal(read(h, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT, `${label}: nothing more queued`);
  assert.equal(state(h) & READABLE, 0, `${label}: not READABLE`);
}

export { user } from "./port_fallback.ts";

/** The next packet of a port (polled). */
export function nextPacket(port: number): mx_port_packet_t {
  const p = new mx_port_packet_t();
  assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK, "a packet is queued");
  return p;
}

export function noPacket(port: number, label = ""): void {
  assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT, `${label}: no packet`);
}

/** The first 4 bytes are the little-endian txid. */
export function txidBytes(txid: number, ...rest: number[]): Uint8Array {
  return Uint8Array.from([txid & 0xff, (txid >>> 8) & 0xff, (txid >>> 16) & 0xff, txid >>> 24, ...rest]);
}



