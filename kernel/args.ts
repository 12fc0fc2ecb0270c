/**
 * Argument kinds: how a JavaScript value stands in for a C argument.
 *
 * C cannot receive a string where it wants a uint32_t, but JavaScript can, so every syscall first decides whether
 * each argument is of the right kind, following js-api.md: a wrong scalar is an invalid value where C checks it,
 * a wrong buffer or out-parameter is C's bad pointer. These predicates are cheap and allocate nothing, because the
 * hot syscalls run them on every call. XS 13.3 copies a string literal into a new chunk each time it is evaluated,
 * so `typeof v === "object"` allocated (353 instructions and collection pressure) where the same test against a
 * module constant did not (233); the base heap's bytecode now reads its literals in place
 * (hal/runtime/archive_code.c), and the type names below stay constants so that the checks cost the same wherever
 * the code runs. Integer checks
 * are `typeof` then `|0` or `>>>0` round trips, which are exact for numbers and cost less than Number.isInteger
 * (a host call, ~550); the common values are tested first.
 */
import { hal } from "./platform.ts";
import type { Out } from "./types.ts";

const U64_MAX = 0xffff_ffff_ffff_ffffn;
/** On XS a bigint literal allocates a new bigint each time it runs; a module constant does not. */
export const ZERO = 0n;
const BIGINT = "bigint";
export const NUMBER = "number";
export const OBJECT = "object";

/** A 32-bit unsigned C value, given as int32 or uint32. Normalise with `>>> 0`. */
export function isU32(v: unknown): v is number {
  return v === 0 || (typeof v === NUMBER && (((v as number) | 0) === v || (v as number) >>> 0 === v));
}

/** A 64-bit unsigned C value: a bigint in range, or a non-negative safe-integer number. */
export function isU64(v: unknown): v is bigint | number {
  if (v === ZERO) return true; // the usual deadline: poll
  if (typeof v === BIGINT) return (v as bigint) >= ZERO && (v as bigint) <= U64_MAX;
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** A 64-bit input as a bigint (allocates for numbers: callers use it off the hot paths). */
export function toBig(v: bigint | number): bigint {
  return typeof v === BIGINT ? (v as bigint) : BigInt(v);
}

/** Low and high 32-bit halves of a u64 input, so packets can be written without bigint arithmetic later. */
export function lo32(v: bigint | number): number {
  return typeof v === BIGINT ? Number(BigInt.asUintN(32, v as bigint)) : (v as number) % 0x1_0000_0000;
}
export function hi32(v: bigint | number): number {
  return typeof v === BIGINT ? Number((v as bigint) >> 32n) : Math.floor((v as number) / 0x1_0000_0000);
}

/** A C struct pointer: any object, whose fields the caller then checks one by one. */
export function isObject(v: unknown): v is object {
  return typeof v === OBJECT && v !== null;
}

/** A C out-pointer: any object (or array) the call can write `value` into (the same test, typed for its use). */
export const isOut = isObject as (v: unknown) => v is Out<unknown>;

/** An optional C out-pointer: NULL is allowed. */
export function isOptOut(v: unknown): v is Out<unknown> | null | undefined {
  return v === null || v === undefined || typeof v === OBJECT;
}

/** A byte buffer covering `n` bytes (NULL allowed only when `n` is 0): a genuine Uint8Array, asked of the HAL. */
export function isBytes(v: unknown, n: number): boolean {
  if (n === 0 && (v === null || v === undefined)) return true;
  return hal.byteLength(v) >= n;
}

/** Little-endian 32-bit store into a byte array (packets are little-endian C structs). */
export function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}

/** Little-endian unsigned 32-bit load. */
export function get32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}
