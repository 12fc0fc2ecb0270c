/**
 * What the port fall-back suites share (dataplane_port_*.spec.ts): the two entries with their arguments untyped, a
 * packet maker, a drain, and the suite set-up. The suites are split in three files because netduinoplus2 runs one
 * firmware per spec file, and a spec's own bytecode lives in its RAM.
 */
import assert from "node:assert/strict";
import {
  mx_handle_duplicate,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_USER,
} from "../../kernel/index.ts";
import { out, track } from "./helpers.ts";

/** The two entries with their arguments left untyped (missing and wrongly typed arguments are part of the test). */
export const queue = mx_port_queue as (...args: unknown[]) => number;
export const wait = mx_port_wait as (...args: unknown[]) => number;

/** A user packet with every field set; `type` 5, which the kernel must force to USER. */
export function user(key: bigint, type = 5): mx_port_packet_t {
  const p = new mx_port_packet_t();
  p.key = key;
  p.type = type;
  p.status = -7 - Number(key % 100n);
  for (let i = 0; i < 32; i++) p.user.c8[i] = (Number(key % 251n) + i * 3) & 0xff;
  return p;
}

/** The 48 bytes packet `p` comes back as: its own, type zeroed (USER). */
export function asQueued(p: mx_port_packet_t | Uint8Array): number[] {
  const b = Array.from(p instanceof mx_port_packet_t ? p.bytes : p.subarray(0, 48));
  b[8] = b[9] = b[10] = b[11] = 0;
  return b;
}

/** Polls packets until the port is empty; their keys. Every user packet must come back as the one queued with `key`. */
export function drain(port: number): bigint[] {
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

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

export function duplicate(h: number, rights: number): number {
  const o = out();
  assert.equal(mx_handle_duplicate(h, rights, o), MX_OK);
  return track(o.value);
}


