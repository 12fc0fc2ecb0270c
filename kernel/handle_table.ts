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
 * The table is per-slot typed arrays grown by doubling, not an object per handle: about 13 bytes a handle.
 * Lookup failures report their status through `lookupStatus`, so lookups allocate nothing.
 *
 * The arrays start empty and are allocated by the first handle: the firmware preloads the kernel into its read-only
 * base heap, where a buffer created at load time could never be written.
 */
import {
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_WRONG_TYPE,
  MX_OK,
} from "./constants.ts";
import { addHandleRef, dropHandleRef, type Dispatcher } from "./dispatcher.ts";
import { limits } from "./limits.ts";

const SLOT_BITS = 16;
const SLOT_MASK = 0xffff;
const MAX_GEN = 0x7fff;

const FREE = 0;
const LIVE = 1;
const IN_TRANSIT = 2;

const objects: (Dispatcher | null)[] = [];
let rights = new Uint32Array(0);
let gens = new Uint16Array(0);
let states = new Uint8Array(0);
let nextFree = new Int32Array(0);
let slots = 0;
let used = 0;
let freeHead = -1;
let freeTail = -1;

/** Status of the last failed lookup. */
export let lookupStatus = MX_OK;

function grow(): void {
  const n = Math.max(16, rights.length * 2);
  const r = new Uint32Array(n);
  r.set(rights);
  rights = r;
  const g = new Uint16Array(n);
  g.set(gens);
  gens = g;
  const s = new Uint8Array(n);
  s.set(states);
  states = s;
  const f = new Int32Array(n);
  f.set(nextFree);
  nextFree = f;
}

function slotOf(value: number): number {
  const slot = value & SLOT_MASK;
  return slot < slots && gens[slot] === value >>> SLOT_BITS ? slot : -1;
}

function valueOf(slot: number): number {
  return (gens[slot] << SLOT_BITS) | slot;
}

function bumpGeneration(slot: number): void {
  gens[slot] = gens[slot] === MAX_GEN ? 1 : gens[slot] + 1;
}

/** Installs a new handle to `d`; 0 when the table is full. */
export function handleAlloc(d: Dispatcher, r: number): number {
  if (used >= limits.maxHandles) return 0;
  let slot: number;
  if (freeHead >= 0) {
    slot = freeHead;
    freeHead = nextFree[slot];
    if (freeHead < 0) freeTail = -1;
  } else {
    if (slots === rights.length) grow();
    slot = slots++;
    gens[slot] = 1;
    objects.push(null);
  }
  used++;
  objects[slot] = d;
  rights[slot] = r;
  states[slot] = LIVE;
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
  const slot = typeof value === "number" && (value | 0) === value && value > 0 ? slotOf(value) : -1;
  if (slot < 0 || states[slot] !== LIVE) {
    lookupStatus = MX_ERR_BAD_HANDLE;
    return null;
  }
  if ((rights[slot] & need) !== need) {
    lookupStatus = MX_ERR_ACCESS_DENIED;
    return null;
  }
  const d = objects[slot] as Dispatcher;
  if (type !== 0 && d.type !== type) {
    lookupStatus = MX_ERR_WRONG_TYPE;
    return null;
  }
  return d;
}

/** Rights of a live handle (call after a successful handleGet). */
export function handleRights(value: number): number {
  return rights[value & SLOT_MASK];
}

function release(slot: number): void {
  const d = objects[slot] as Dispatcher;
  objects[slot] = null;
  states[slot] = FREE;
  bumpGeneration(slot);
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

/**
 * Gives a live or travelling handle a new value and rights in place: waits through the old value end, the object's
 * handle count does not change (so mx_handle_replace raises no LAST_HANDLE edge) and nothing is allocated.
 */
export function handleRevalue(value: number, r: number): number {
  const slot = value & SLOT_MASK;
  (objects[slot] as Dispatcher).cancelHandle(value);
  bumpGeneration(slot);
  rights[slot] = r;
  states[slot] = LIVE;
  return valueOf(slot);
}

/** Channel write, pass 2: moves a live handle into a message; false if it is not live (a duplicate in the array). */
export function handleBeginTransfer(value: number): boolean {
  const slot = value & SLOT_MASK;
  if (states[slot] !== LIVE) return false;
  states[slot] = IN_TRANSIT;
  return true;
}

/** Undoes handleBeginTransfer when a write fails. */
export function handleAbortTransfer(value: number): void {
  states[value & SLOT_MASK] = LIVE;
}

/** Channel read: a travelling handle arrives and gets a new value (waits through the old one are cancelled). */
export function handleReceive(value: number): number {
  return handleRevalue(value, rights[value & SLOT_MASK]);
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
