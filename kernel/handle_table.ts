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
 * Each slot is one small integer, `generation << 16 | state << 14 | rights`, in a plain array beside the array of
 * objects. Plain arrays, not typed arrays: on XS an element of a plain array is read in ~230 instructions and one of
 * a typed array in ~440, and a lookup then reads one element instead of three. (Rights fit in 14 bits: the highest
 * June 2017 right is 1<<13; MX_RIGHT_SAME_RIGHTS is never stored.) Plain arrays also stay writable when the
 * firmware preloads the kernel into its read-only base heap, where XS copies a changed array into RAM.
 * About 32 bytes a handle. Lookup failures report their status through `lookupStatus`, so lookups allocate nothing.
 */
import {
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_WRONG_TYPE,
  MX_OK,
} from "./constants.ts";
import { NUMBER } from "./args.ts";
import { addHandleRef, dropHandleRef, type Dispatcher, type Report } from "./dispatcher.ts";
import { limits } from "./limits.ts";

const SLOT_BITS = 16;
const SLOT_MASK = 0xffff;
const MAX_GEN = 0x7fff;

const STATE_SHIFT = 14;
const RIGHTS_MASK = 0x3fff;
const FREE = 0;
const LIVE = 1 << STATE_SHIFT;
const IN_TRANSIT = 2 << STATE_SHIFT;
const STATE_MASK = 3 << STATE_SHIFT;

const objects: (Dispatcher | null)[] = [];
/** Per slot: generation << 16 | state | rights. */
const meta: number[] = [];
const nextFree: number[] = [];
/** meta.length, kept as a number: reading an array's length costs a getter call on XS. */
let slotCount = 0;
let used = 0;
let freeHead = -1;
let freeTail = -1;

/** Status of the last failed lookup. */
export let lookupStatus = MX_OK;
/** Rights of the last successful lookup (saves a second call on the hot paths). */
export let lookupRights = 0;

function valueOf(slot: number): number {
  return ((meta[slot] >>> SLOT_BITS) << SLOT_BITS) | slot;
}

function nextGeneration(m: number): number {
  const gen = m >>> SLOT_BITS;
  return (gen === MAX_GEN ? 1 : gen + 1) << SLOT_BITS;
}

/** Installs a new handle to `d`; 0 when the table is full. */
export function handleAlloc(d: Dispatcher, r: number): number {
  if (used >= limits.maxHandles) return 0;
  let slot: number;
  let gen: number;
  if (freeHead >= 0) {
    slot = freeHead;
    freeHead = nextFree[slot];
    if (freeHead < 0) freeTail = -1;
    gen = meta[slot] & ~(STATE_MASK | RIGHTS_MASK);
  } else {
    slot = slotCount;
    objects.push(null);
    meta.push(0);
    nextFree.push(-1);
    slotCount++;
    gen = 1 << SLOT_BITS;
  }
  used++;
  objects[slot] = d;
  meta[slot] = gen | LIVE | (r & RIGHTS_MASK);
  addHandleRef(d);
  return valueOf(slot);
}

/** True if `n` more handles fit. */
export function handleRoom(n: number): boolean {
  return used + n <= limits.maxHandles;
}

/**
 * Looks a live handle up: it must exist (BAD_HANDLE), carry `need` rights (ACCESS_DENIED) and, if `type` is not 0,
 * name an object of that type (WRONG_TYPE). Returns null and sets `lookupStatus` on failure.
 */
export function handleGet(value: unknown, need: number, type: number): Dispatcher | null {
  // typeof first: `|` on a bigint throws, on a string or an object coerces. A number equal to its `|0` is an int32.
  if (typeof value !== NUMBER || ((value as number) | 0) !== value || (value as number) <= 0) {
    lookupStatus = MX_ERR_BAD_HANDLE;
    return null;
  }
  const slot = (value as number) & SLOT_MASK;
  const m = slot < slotCount ? meta[slot] : 0;
  // One comparison for both: the slot's generation must be the value's, and its state LIVE.
  if ((m & ~RIGHTS_MASK) !== (((value as number) & ~SLOT_MASK) | LIVE)) {
    lookupStatus = MX_ERR_BAD_HANDLE;
    return null;
  }
  if ((m & need) !== need) {
    lookupStatus = MX_ERR_ACCESS_DENIED;
    return null;
  }
  const d = objects[slot] as Dispatcher;
  if (type !== 0 && d.type !== type) {
    lookupStatus = MX_ERR_WRONG_TYPE;
    return null;
  }
  lookupRights = m & RIGHTS_MASK;
  return d;
}

/** Rights of a live handle (call after a successful handleGet). */
export function handleRights(value: number): number {
  return meta[value & SLOT_MASK] & RIGHTS_MASK;
}

function release(slot: number): void {
  const d = objects[slot] as Dispatcher;
  objects[slot] = null;
  meta[slot] = nextGeneration(meta[slot]) | FREE;
  nextFree[slot] = -1;
  if (freeTail < 0) freeHead = slot;
  else nextFree[freeTail] = slot;
  freeTail = slot;
  used--;
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
  return nextGeneration(meta[slot]) | slot;
}

/**
 * Gives a live or travelling handle a new value and rights in place: waits through the old value end, the object's
 * handle count does not change (so mx_handle_replace raises no LAST_HANDLE edge) and nothing is allocated.
 */
export function handleRevalue(value: number, r: number): number {
  const slot = value & SLOT_MASK;
  (objects[slot] as Dispatcher).cancelHandle(value);
  meta[slot] = nextGeneration(meta[slot]) | LIVE | (r & RIGHTS_MASK);
  return valueOf(slot);
}

/** Channel write, pass 2: moves a live handle into a message; false if it is not live (a duplicate in the array). */
export function handleBeginTransfer(value: number): boolean {
  const slot = value & SLOT_MASK;
  const m = meta[slot];
  if ((m & STATE_MASK) !== LIVE) return false;
  meta[slot] = (m & ~STATE_MASK) | IN_TRANSIT;
  return true;
}

/** Undoes handleBeginTransfer when a write fails. */
export function handleAbortTransfer(value: number): void {
  const slot = value & SLOT_MASK;
  meta[slot] = (meta[slot] & ~STATE_MASK) | LIVE;
}

/** Channel read: a travelling handle arrives and gets a new value (waits through the old one are cancelled). */
export function handleReceive(value: number): number {
  return handleRevalue(value, meta[value & SLOT_MASK] & RIGHTS_MASK);
}

/** Destroys a travelling handle (its message was discarded or its channel died). */
export function handleDestroyInTransit(value: number): void {
  const slot = value & SLOT_MASK;
  (objects[slot] as Dispatcher).cancelHandle(value);
  release(slot);
}

/** Handles in existence, live and travelling. */
export function handleCount(): number {
  return used;
}

/** For the invariant walker (invariants.ts): every slot in use, with its object and whether it is travelling. */
export function handleSlots(visit: (value: number, d: Dispatcher | null, inTransit: boolean) => void): void {
  for (let slot = 0; slot < slotCount; slot++) {
    const state = meta[slot] & STATE_MASK;
    if (state !== FREE) visit(valueOf(slot), objects[slot], state === IN_TRANSIT);
  }
}

/** The table's own bookkeeping: the count in use and the free list agree with the slots. */
export function handleTableProblems(report: Report): void {
  let inUse = 0;
  for (let slot = 0; slot < slotCount; slot++) {
    const free = (meta[slot] & STATE_MASK) === FREE;
    if (!free) inUse++;
    if (free !== (objects[slot] === null)) report(`handle slot ${slot}: state ${free ? "free" : "in use"} but object ${objects[slot] === null ? "absent" : "present"}`);
  }
  if (inUse !== used) report(`handle table: ${used} handles counted, ${inUse} slots in use`);
  let free = 0;
  for (let slot = freeHead; slot >= 0 && free <= slotCount; slot = nextFree[slot]) {
    if ((meta[slot] & STATE_MASK) !== FREE) report(`handle slot ${slot} is on the free list but in use`);
    free++;
  }
  if (free !== slotCount - used) report(`handle table: ${free} slots on the free list, ${slotCount - used} free`);
}
