/**
 * The reference model's constants and argument kinds: what a JavaScript value means when it stands in for a C
 * argument (js-api.md "Types"), written out independently of kernel/ (the model shares no code with it).
 *
 * Every predicate is one obvious test. A "genuine Uint8Array" is a real typed array of that type (not a Proxy, not a
 * Uint16Array, not a plain array): `ArrayBuffer.isView` answers false for a Proxy, so no caller code is consulted.
 */

// Status codes (magenta-ipc.md §2).
export const OK = 0;
export const ERR_NOT_SUPPORTED = -2;
export const ERR_NO_MEMORY = -4;
export const ERR_CALL_FAILED = -5;
export const ERR_INVALID_ARGS = -10;
export const ERR_BAD_HANDLE = -11;
export const ERR_WRONG_TYPE = -12;
export const ERR_OUT_OF_RANGE = -14;
export const ERR_BUFFER_TOO_SMALL = -15;
export const ERR_BAD_STATE = -20;
export const ERR_TIMED_OUT = -21;
export const ERR_SHOULD_WAIT = -22;
export const ERR_CANCELED = -23;
export const ERR_PEER_CLOSED = -24;
export const ERR_NOT_FOUND = -25;
export const ERR_ACCESS_DENIED = -30;

// Rights.
export const RIGHT_DUPLICATE = 1;
export const RIGHT_TRANSFER = 2;
export const RIGHT_READ = 4;
export const RIGHT_WRITE = 8;
export const RIGHT_SAME_RIGHTS = 0x8000_0000;
export const RIGHTS_DTRW = 0x0f;
export const RIGHTS_CHANNEL = 0x0e;

// Signals (kept as unsigned 32-bit numbers throughout the model).
export const READABLE = 1;
export const WRITABLE = 2;
export const PEER_CLOSED = 4;
export const SIGNALED = 8;
export const LAST_HANDLE = 1 << 22;
export const HANDLE_CLOSED = 1 << 23;
export const USER_ALL = 0xff00_0000;

// Sizes and limits.
export const INFINITE = 0xffff_ffff_ffff_ffffn;
export const MAX_MSG_BYTES = 65536;
export const MAX_MSG_HANDLES = 64;
export const MAX_WAIT_ITEMS = 1024;
export const PORT_MAX_PKT_SIZE = 128;
export const PACKET_HEADER_SIZE = 16;
export const PACKET_SIZE = 48;
export const TIMER_MIN_DEADLINE = 1000n;
export const TIMER_MIN_PERIOD = 50_000n;

// Packet types.
export const PKT_TYPE_USER = 0;
export const PKT_TYPE_SIGNAL_ONE = 1;
export const PKT_TYPE_SIGNAL_REP = 2;
export const V1_PKT_TYPE_USER = 2;

/** A 32-bit unsigned C value: an int32 or a uint32 number. Use `u32()` to normalise. */
export function isU32(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= -0x8000_0000 && v <= 0xffff_ffff;
}

export function u32(v: number): number {
  return v >>> 0;
}

/** A 64-bit unsigned C value: a bigint in range, or a non-negative safe-integer number. */
export function isU64(v: unknown): v is bigint | number {
  if (typeof v === "bigint") return v >= 0n && v <= INFINITE;
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

export function big(v: bigint | number): bigint {
  return typeof v === "bigint" ? v : BigInt(v);
}

/** A C struct or out-pointer: any non-null object (arrays included). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

/** An optional out-pointer: NULL (null or undefined) or an object. */
export function isOptOut(v: unknown): boolean {
  return v === null || v === undefined || typeof v === "object";
}

/** Writes an out-parameter like copy_to_user: false if the object refuses (frozen, throwing setter). */
export function put(out: unknown, field: string, v: number): boolean {
  try {
    (out as Record<string, unknown>)[field] = v;
    return true;
  } catch {
    return false;
  }
}

/** The same for an optional out-parameter (null/undefined: nothing to write, success). */
export function putOpt(out: unknown, v: number): boolean {
  return out === null || out === undefined || put(out, "value", v);
}

export function isGenuineU8(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && v instanceof Uint8Array;
}

/** Bytes a buffer argument covers: its length if it is a genuine Uint8Array, else -1 (not a byte buffer at all). */
export function byteLength(v: unknown): number {
  return isGenuineU8(v) ? v.byteLength : -1;
}

/** A byte buffer covering `n` bytes; NULL is allowed only when `n` is 0. */
export function coversBytes(v: unknown, n: number): boolean {
  if (n === 0 && (v === null || v === undefined)) return true;
  return byteLength(v) >= n;
}

/** A handle buffer covering `n` entries: a Uint32Array or a plain array (NULL allowed only when `n` is 0). */
export function coversHandles(v: unknown, n: number): v is number[] | Uint32Array | null | undefined {
  if (n === 0 && (v === null || v === undefined)) return true;
  return (v instanceof Uint32Array || Array.isArray(v)) && v.length >= n;
}

/**
 * The 48 bytes a V2 packet argument names: a genuine Uint8Array of at least 48 bytes, or a packet object, which
 * the model recognises as "an object (not a typed array) whose `bytes` is a genuine 48-byte Uint8Array" (that is
 * what kernel/index.ts's mx_port_packet_t is; the kernel checks the class brand, the model does not import it).
 * Null if the argument is neither (C's bad pointer).
 */
export function packetBytes(v: unknown): Uint8Array | null {
  if (isGenuineU8(v)) return v.byteLength >= PACKET_SIZE ? v : null;
  if (!isObject(v) || ArrayBuffer.isView(v)) return null;
  const b = v.bytes;
  return isGenuineU8(b) && b.byteLength === PACKET_SIZE ? b : null;
}

export function get32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export function put32(b: Uint8Array, off: number, v: number): void {
  for (let i = 0; i < 4; i++) b[off + i] = (v >>> (8 * i)) & 0xff;
}

export function put64(b: Uint8Array, off: number, v: bigint): void {
  for (let i = 0; i < 8; i++) b[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}
