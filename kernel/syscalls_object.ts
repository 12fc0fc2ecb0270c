/**
 * Object syscalls: mx_object_wait_one, mx_object_wait_many, mx_object_signal, mx_object_signal_peer.
 *
 * A signal mask of the wrong kind is replaced by an all-ones mask, which every object rejects at the point where
 * C checks mask bits: that keeps C's check order (rights, then "no state tracker" or "no peer", then the mask)
 * without a second copy of each object's rules here.
 */
import {
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
  MX_WAIT_MANY_MAX_ITEMS,
} from "./constants.ts";
import { isOptOut, isU32, isU64, toBig } from "./args.ts";
import { deadlinePassed, kernel_enter, kernelWork } from "./clock.ts";
import { handleGet, lookupStatus } from "./handle_table.ts";
import { SleepWaiter, WaitManyWaiter, WaitOneWaiter } from "./object_wait.ts";
import type { mx_handle_t, mx_signals_t, mx_status_t, mx_wait_item_t, Out } from "./types.ts";
import { copyInWaitItems, putOptOut } from "./user_copy.ts";
import { park, syncResult } from "./wait.ts";

/** mx_object_wait_one up to the point of blocking. */
export function waitOneCore(handle: mx_handle_t, signals: unknown, deadline: unknown, observed: unknown): number {
  if (kernelWork) kernel_enter();
  const d = handleGet(handle, MX_RIGHT_READ, 0);
  if (d === null) return lookupStatus;
  const tracker = d.tracker;
  if (tracker === null) return MX_ERR_NOT_SUPPORTED;
  if (!isU32(signals) || !isU64(deadline) || !isOptOut(observed)) return MX_ERR_INVALID_ARGS;
  const out = observed as Out<number> | null | undefined;
  const state = tracker.signals;
  const done = (state & signals) !== 0;
  if (done || deadlinePassed(deadline)) {
    if (!putOptOut(out, state >>> 0)) return MX_ERR_INVALID_ARGS;
    return done ? MX_OK : MX_ERR_TIMED_OUT;
  }
  const w = new WaitOneWaiter(tracker, handle, signals | 0, out);
  w.arm(toBig(deadline));
  return park(w);
}

export function mx_object_wait_one(
  handle: mx_handle_t,
  signals: mx_signals_t,
  deadline: bigint | number,
  observed: Out<mx_signals_t> | null,
): mx_status_t {
  return syncResult(waitOneCore(handle, signals, deadline, observed));
}

/** The kernel's copy of a wait_many's items (user_copy.ts), reused: nothing of the caller's runs while it is used. */
const itemHandles: unknown[] = [];
const itemWaitfor: number[] = [];

/** mx_object_wait_many up to the point of blocking. */
export function waitManyCore(items: unknown, count: unknown, deadline: unknown): number {
  if (kernelWork) kernel_enter();
  if (!isU32(count) || !isU64(deadline)) return MX_ERR_INVALID_ARGS;
  const n = count >>> 0;
  if (n === 0) {
    if (deadlinePassed(deadline)) return MX_ERR_TIMED_OUT;
    const s = new SleepWaiter(MX_ERR_TIMED_OUT);
    s.arm(toBig(deadline));
    return park(s);
  }
  if (n > MX_WAIT_MANY_MAX_ITEMS) return MX_ERR_INVALID_ARGS;
  const objects: object[] = [];
  if (!copyInWaitItems(items, n, objects, itemHandles, itemWaitfor)) return MX_ERR_INVALID_ARGS;
  const w = new WaitManyWaiter(objects);
  for (let i = 0; i < n; i++) {
    const h = itemHandles[i];
    const d = handleGet(h, MX_RIGHT_READ, 0);
    const tracker = d === null ? null : d.tracker;
    if (tracker === null) {
      w.unwind();
      return d === null ? lookupStatus : MX_ERR_NOT_SUPPORTED;
    }
    w.add(tracker, h as number, itemWaitfor[i]);
  }
  // finish() writes every item's pending: its status is INVALID_ARGS when an item refused the write.
  if (w.anySatisfied()) {
    w.finish(MX_OK);
    return w.status;
  }
  if (deadlinePassed(deadline)) {
    w.finish(MX_ERR_TIMED_OUT);
    return w.status;
  }
  w.arm(toBig(deadline));
  return park(w);
}

export function mx_object_wait_many(items: mx_wait_item_t[] | null, count: number, deadline: bigint | number): mx_status_t {
  return syncResult(waitManyCore(items, count, deadline));
}

export function mx_object_signal(handle: mx_handle_t, clear_mask: number, set_mask: number): mx_status_t {
  if (kernelWork) kernel_enter();
  const d = handleGet(handle, MX_RIGHT_WRITE, 0);
  if (d === null) return lookupStatus;
  if (d.tracker === null) return MX_ERR_NOT_SUPPORTED;
  const clear = isU32(clear_mask) ? clear_mask : -1;
  const set = isU32(set_mask) ? set_mask : -1;
  if (((clear | set) & ~d.userSignalMask()) !== 0) return MX_ERR_INVALID_ARGS;
  d.tracker.update(clear, set);
  return MX_OK;
}

export function mx_object_signal_peer(handle: mx_handle_t, clear_mask: number, set_mask: number): mx_status_t {
  if (kernelWork) kernel_enter();
  const d = handleGet(handle, 0, 0);
  if (d === null) return lookupStatus;
  return d.signalPeer(isU32(clear_mask) ? clear_mask : -1, isU32(set_mask) ? set_mask : -1);
}
