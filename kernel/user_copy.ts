/**
 * The kernel's reads and writes of caller objects other than byte buffers (those go through hal.byteLength and
 * hal.copyBytes): out-parameters, handle arrays, wait items, the mx_channel_call record.
 *
 * Any of these may be a Proxy, carry getters and setters, or be frozen, so touching one can run the caller's code or
 * throw. The rules are a C kernel's for user pointers. Each caller value is read once, before the call changes
 * anything, and the kernel then works from its own copy, so what it checked is what it uses (a getter cannot answer
 * a valid handle to the check and another one to the transfer). Each write is checked, like copy_to_user: a write
 * that throws is that caller's bad pointer, MX_ERR_INVALID_ARGS, and never an exception in whichever syscall
 * happened to end the caller's wait. Writes happen where the kernel is consistent (after the operation, or as a
 * wait ends), because a setter may itself call the kernel.
 *
 * On XS a `try` costs ~750 instructions: the hot paths (a port or channel round trip without handles) use none.
 */
import { isObject, isU32 } from "./args.ts";
import { MX_ERR_INVALID_ARGS, MX_OK } from "./constants.ts";
import { handleClose } from "./handle_table.ts";
import type { Out } from "./types.ts";

/** Writes `v` to an out-parameter; false if the object refuses it (frozen, a throwing setter or Proxy). */
export function putOut(out: Out<unknown>, v: unknown): boolean {
  try {
    out.value = v;
    return true;
  } catch {
    return false;
  }
}

/** The same for an optional out-parameter, which may be null or undefined (nothing to write). */
export function putOptOut(out: Out<unknown> | null | undefined, v: unknown): boolean {
  return out === null || out === undefined || putOut(out, v);
}

/**
 * Gives the caller the handles a create call made, through its out-parameters; if any write fails every one of
 * them is closed again and the call fails with INVALID_ARGS (Magenta's HandleOwner when copy_to_user fails).
 */
export function giveHandles(out0: Out<number>, h0: number, out1: Out<number> | null = null, h1 = 0): number {
  try {
    // putOut's writes, without its call: every create syscall comes through here
    out0.value = h0;
    if (out1 !== null) out1.value = h1;
    return MX_OK;
  } catch {
    // a write failed: both handles are closed
  }
  handleClose(h0);
  if (out1 !== null) handleClose(h1);
  return MX_ERR_INVALID_ARGS;
}

/**
 * Reads `n` handle values from a caller's Uint32Array or array into `into`, each once; false if it is neither,
 * is shorter than `n`, or throws while being read (a Proxy's `instanceof` already runs its code). With `n` 0 it may
 * also be null or undefined.
 */
export function copyInHandles(src: unknown, n: number, into: number[]): boolean {
  if (n === 0 && (src === null || src === undefined)) return true;
  try {
    if (!(src instanceof Uint32Array || Array.isArray(src)) || src.length < n) return false;
    for (let i = 0; i < n; i++) into[i] = src[i];
    return true;
  } catch {
    return false;
  }
}

/**
 * A caller's handle buffer covering `n` entries (null or undefined when `n` is 0), checked when mx_channel_call
 * copies its record in; the reply's handles are written into it later, by copyOutHandles. The same one-line test is
 * written out in copyInHandles and copyOutHandles, inside their own `try`: a shared helper measured 1,070
 * instructions more on a channel message with a handle (a call costs ~250 on XS, and each `try` must enclose it).
 */
export function isHandleBuffer(v: unknown, n: number): boolean {
  if (n === 0 && (v === null || v === undefined)) return true;
  try {
    return (v instanceof Uint32Array || Array.isArray(v)) && v.length >= n;
  } catch {
    return false;
  }
}

/**
 * Writes `n` handle values to a caller's handle buffer, which must cover `size` entries, and reads each back; false
 * if it is no such buffer, or a write throws or did not take (a typed array shorter than the `length` it claims
 * drops writes silently, and the handle would be lost). One `try` for the check and the writes.
 */
export function copyOutHandles(dst: unknown, size: number, from: number[], n: number): boolean {
  try {
    if (!(dst instanceof Uint32Array || Array.isArray(dst)) || dst.length < size) return false;
    const to = dst as number[];
    for (let i = 0; i < n; i++) {
      to[i] = from[i];
      if (to[i] !== from[i]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Writes a wait item's `pending`; false if the item refuses it. */
export function putPending(item: object, pending: number): boolean {
  try {
    (item as { pending: number }).pending = pending;
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `n` mx_wait_item_t records, each field once, into the kernel's copies: the item objects (where `pending`
 * goes), their handles and their `waitfor` masks. False if `items` is not an array of at least `n` objects whose
 * `waitfor` is a u32, or throws while being read.
 */
export function copyInWaitItems(items: unknown, n: number, objects: object[], handles: unknown[], waitfor: number[]): boolean {
  try {
    if (!Array.isArray(items) || items.length < n) return false;
    for (let i = 0; i < n; i++) {
      const item: unknown = items[i];
      if (!isObject(item)) return false;
      const w: unknown = (item as { waitfor: unknown }).waitfor;
      if (!isU32(w)) return false;
      objects[i] = item;
      handles[i] = (item as { handle: unknown }).handle;
      waitfor[i] = w | 0;
    }
    return true;
  } catch {
    return false;
  }
}
