/**
 * The handle table: maps handle values to (object, rights), with a fixed capacity.
 *
 * A value is `generation << 16 | slot`, with generations 1..0x7fff, so values are positive int32, never 0, and a
 * closed handle's value comes back only after its slot has been reused 32767 times; free slots are reused in FIFO
 * order, which spreads reuse further. Stale values fail the generation check.
 *
 * Like Magenta's handle arena, the table also holds the handles that travel inside channel messages (state
 * IN_TRANSIT: they keep their slot and value but no syscall can use them). That makes transfer all-or-nothing
 * without allocating, makes "a handle inside an unread message counts" for MX_SIGNAL_LAST_HANDLE true for free, and
 * lets a read cancel the waits registered through the old value before giving the handle its new value.
 *
 * The slots themselves (generation, state, rights, type) live in the data plane (dataplane/dataplane.ts), where the
 * fast paths look handles up without entering JavaScript, and where a lookup from here costs one call (on XS ~350
 * instructions, against ~3,000 for the same lookup written in JavaScript). This module keeps each slot's object, in a
 * plain array indexed by the same slot, the handle limit, and each object's handle count. Lookup failures report
 * their status through `lookupStatus`, so lookups allocate nothing.
 */
import { MX_OK } from "./constants.ts";
import { addHandleRef, dropHandleRef, type Dispatcher, type Report } from "./dispatcher.ts";
import { limits } from "./limits.ts";
import {
  handleAlloc as dpAlloc,
  handleCheck as dpCheck,
  handleCount as dpCount,
  handleGet as dpGet,
  handleMeta as dpMeta,
  handleRelease as dpRelease,
  handleRevalue as dpRevalue,
  handleSetState as dpSetState,
  handleSlots as dpSlots,
} from "#dataplane";
import {
  nextGeneration,
  RIGHTS_MASK,
  SLOT_BITS,
  SLOT_FREE,
  SLOT_IN_TRANSIT,
  SLOT_LIVE,
  SLOT_MASK,
  STATE_SHIFT,
} from "./dataplane/dataplane.ts";

/** The process whose table this is: the only one until processes exist. */
const PROC = 0;

/** Per slot, the object its handle names (null when free). */
const objects: (Dispatcher | null)[] = [];

/** Status of the last failed lookup. */
export let lookupStatus = MX_OK;
/** Rights of the last successful lookup (saves a second call on the hot paths). */
export let lookupRights = 0;

/** Installs a new handle to `d`; 0 when the table is full. */
export function handleAlloc(d: Dispatcher, r: number): number {
  if (dpCount(PROC) >= limits.maxHandles) return 0;
  const value = dpAlloc(PROC, d.type, r, d.dataIndex, d);
  if (value === 0) return 0;
  const slot = value & SLOT_MASK;
  while (objects.length <= slot) objects.push(null);
  objects[slot] = d;
  addHandleRef(d);
  return value;
}

/** True if `n` more handles fit. */
export function handleRoom(n: number): boolean {
  return dpCount(PROC) + n <= limits.maxHandles;
}

/**
 * Looks a live handle up: it must exist (BAD_HANDLE), carry `need` rights (ACCESS_DENIED) and, if `type` is not 0,
 * name an object of that type (WRONG_TYPE). Returns null and sets `lookupStatus` on failure.
 */
export function handleGet(value: unknown, need: number, type: number): Dispatcher | null {
  const r = dpGet(PROC, value, need, type);
  if (r < 0) {
    lookupStatus = r;
    return null;
  }
  lookupRights = r >>> SLOT_BITS;
  return objects[r & SLOT_MASK];
}

/** Rights of a live handle (call after a successful handleGet). */
export function handleRights(value: number): number {
  return dpMeta(PROC, value & SLOT_MASK) & RIGHTS_MASK;
}

function release(slot: number): void {
  const d = objects[slot] as Dispatcher;
  objects[slot] = null;
  dpRelease(PROC, slot);
  dropHandleRef(d);
}

/** Closes a live handle: waits through it end, the object may die. */
export function handleClose(value: unknown): number {
  const d = handleGet(value, 0, 0);
  if (d === null) return lookupStatus;
  const v = value as number;
  d.cancelHandle(v);
  release(v & SLOT_MASK);
  return MX_OK;
}

/** The value handleRevalue will give the live handle `value` (its slot's next generation). */
export function handleNextValue(value: number): number {
  const slot = value & SLOT_MASK;
  return nextGeneration(dpMeta(PROC, slot)) | slot;
}

/**
 * Gives a live or travelling handle a new value and rights in place: waits through the old value end, the object's
 * handle count does not change (so mx_handle_replace raises no LAST_HANDLE edge) and nothing is allocated.
 */
export function handleRevalue(value: number, r: number): number {
  const slot = value & SLOT_MASK;
  (objects[slot] as Dispatcher).cancelHandle(value);
  return dpRevalue(PROC, slot, r);
}

/** Channel write, pass 2: moves a live handle into a message; false if it is not live (a duplicate in the array). */
export function handleBeginTransfer(value: number): boolean {
  return dpSetState(PROC, value & SLOT_MASK, SLOT_LIVE, SLOT_IN_TRANSIT);
}

/** Undoes handleBeginTransfer when a write fails. */
export function handleAbortTransfer(value: number): void {
  dpSetState(PROC, value & SLOT_MASK, SLOT_IN_TRANSIT, SLOT_LIVE);
}

/** Channel read: a travelling handle arrives and gets a new value (waits through the old one are cancelled). */
export function handleReceive(value: number): number {
  return handleRevalue(value, handleRights(value));
}

/** Destroys a travelling handle (its message was discarded or its channel died). */
export function handleDestroyInTransit(value: number): void {
  const slot = value & SLOT_MASK;
  (objects[slot] as Dispatcher).cancelHandle(value);
  release(slot);
}

/** Handles in existence, live and travelling. */
export function handleCount(): number {
  return dpCount(PROC);
}

/** For the invariant walker (invariants.ts): every slot in use, with its object and whether it is travelling. */
export function handleSlots(visit: (value: number, d: Dispatcher | null, inTransit: boolean) => void): void {
  const n = dpSlots(PROC);
  for (let slot = 0; slot < n; slot++) {
    const m = dpMeta(PROC, slot);
    const state = (m >>> STATE_SHIFT) & 3;
    if (state !== SLOT_FREE) visit(((m >>> SLOT_BITS) << SLOT_BITS) | slot, objects[slot] ?? null, state === SLOT_IN_TRANSIT);
  }
}

/** The table's own bookkeeping (the data plane's) and its agreement with the objects kept here. */
export function handleTableProblems(report: Report): void {
  const problem = dpCheck(PROC);
  if (problem !== "") report(problem);
  const n = dpSlots(PROC);
  for (let slot = 0; slot < n; slot++) {
    const free = ((dpMeta(PROC, slot) >>> STATE_SHIFT) & 3) === SLOT_FREE;
    const present = (objects[slot] ?? null) !== null;
    if (free === present) report(`handle slot ${slot}: state ${free ? "free" : "in use"} but object ${present ? "present" : "absent"}`);
  }
  if (objects.length > n && objects.slice(n).some((d) => d !== null)) report("handle table: objects beyond the last slot");
}
