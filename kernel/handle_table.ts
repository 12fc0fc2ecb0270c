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
  queuedBytes as dpQueuedBytes,
} from "#dataplane";
import {
  nextGeneration,
  PROCESSES,
  processOf,
  RIGHTS_MASK,
  SLOT_BITS,
  SLOT_FREE,
  SLOT_IN_TRANSIT,
  SLOT_LIVE,
  SLOT_MASK,
  STATE_SHIFT,
} from "./dataplane/dataplane.ts";

/**
 * The process whose table syscalls use: 0 (the program the firmware starts) unless a process's own syscall functions
 * (process.ts) have entered the kernel on its behalf.
 */
let current = 0;

/** The process syscalls run in now. */
export function currentProcess(): number {
  return current;
}

/** Enters process `proc` (its syscalls run in its table); returns the process to come back to. */
export function enterProcess(proc: number): number {
  const previous = current;
  current = proc;
  return previous;
}

/** Per process, per slot, the object its handle names (null when free). */
const objects: (Dispatcher | null)[][] = Array.from({ length: PROCESSES }, () => []);

/**
 * Tables the kernel uses: a process's, from its creation until it has ended and the last handle it wrote into a
 * message has left (travelling handles stay in the writer's table). Table 0, the first program's, always. Only these
 * count in kernel_stats and the invariant walk; a table is given to a new process only when it is free and empty.
 */
const claimed: boolean[] = Array.from({ length: PROCESSES }, (_, proc) => proc === 0);
const owned: boolean[] = claimed.slice();

/** A free, empty table for a new process (the lowest; none of an ended process's messages still queued, whose
 * bytes count against their writer's table); -1 when every table is in use. A table that is not claimed holds no
 * handle (freeIfDone frees only empty ones, and only claimed tables are given handles). */
export function claimTable(): number {
  for (let proc = 1; proc < PROCESSES; proc++) {
    if (!claimed[proc] && dpQueuedBytes(proc) === 0) {
      claimed[proc] = owned[proc] = true;
      return proc;
    }
  }
  return -1;
}

/** Process `proc` has ended and closed its live handles: its table is free once its travelling handles are gone. */
export function disownTable(proc: number): void {
  owned[proc] = false;
  freeIfDone(proc);
}

/** A table whose process has ended is no longer the kernel's once its last handle has left it. */
function freeIfDone(proc: number): void {
  if (!owned[proc] && dpCount(proc) === 0) claimed[proc] = false;
}

/** Status of the last failed lookup. */
export let lookupStatus = MX_OK;
/** Rights of the last successful lookup (saves a second call on the hot paths). */
export let lookupRights = 0;

/** Puts `d` in a new slot of `proc`'s table; its value, or 0 when the table is full. */
function install(proc: number, d: Dispatcher, r: number): number {
  if (dpCount(proc) >= limits.maxHandles) return 0;
  const value = dpAlloc(proc, d.type, r, d.dataIndex, d);
  if (value === 0) return 0;
  const slot = value & SLOT_MASK;
  const table = objects[proc];
  while (table.length <= slot) table.push(null);
  table[slot] = d;
  return value;
}

/** Installs a new handle to `d`; 0 when the table is full. */
export function handleAlloc(d: Dispatcher, r: number): number {
  const value = install(current, d, r);
  if (value !== 0) addHandleRef(d);
  return value;
}

/** True if `n` more handles fit in the current process's table (the limit is per process). */
export function handleRoom(n: number): boolean {
  return dpCount(current) + n <= limits.maxHandles;
}

/**
 * Looks a live handle up: it must exist (BAD_HANDLE), carry `need` rights (ACCESS_DENIED) and, if `type` is not 0,
 * name an object of that type (WRONG_TYPE). Returns null and sets `lookupStatus` on failure.
 */
export function handleGet(value: unknown, need: number, type: number): Dispatcher | null {
  const r = dpGet(current, value, need, type);
  if (r < 0) {
    lookupStatus = r;
    return null;
  }
  lookupRights = r >>> SLOT_BITS;
  return objects[current][r & SLOT_MASK];
}

/** Rights of a live or travelling handle (its value says whose table holds it). */
export function handleRights(value: number): number {
  return dpMeta(processOf(value), value & SLOT_MASK) & RIGHTS_MASK;
}

/** Empties a slot; the object it named, which has one handle fewer now. */
function vacate(proc: number, slot: number): Dispatcher {
  const d = objects[proc][slot] as Dispatcher;
  objects[proc][slot] = null;
  dpRelease(proc, slot);
  freeIfDone(proc);
  return d;
}

function release(proc: number, slot: number): void {
  dropHandleRef(vacate(proc, slot));
}

/** Closes a live handle: waits through it end, the object may die. */
export function handleClose(value: unknown): number {
  const d = handleGet(value, 0, 0);
  if (d === null) return lookupStatus;
  const v = value as number;
  d.cancelHandle(v);
  release(current, v & SLOT_MASK);
  return MX_OK;
}

/** The value handleRevalue will give the live handle `value` (its slot's next generation). */
export function handleNextValue(value: number): number {
  const slot = value & SLOT_MASK;
  return nextGeneration(dpMeta(current, slot)) | slot;
}

/**
 * Gives a live or travelling handle a new value and rights in place: waits through the old value end, the object's
 * handle count does not change (so mx_handle_replace raises no LAST_HANDLE edge) and nothing is allocated.
 */
export function handleRevalue(value: number, r: number): number {
  const proc = processOf(value);
  const slot = value & SLOT_MASK;
  (objects[proc][slot] as Dispatcher).cancelHandle(value);
  return dpRevalue(proc, slot, r);
}

/** Channel write, pass 2: moves a live handle into a message; false if it is not live (a duplicate in the array). */
export function handleBeginTransfer(value: number): boolean {
  return dpSetState(current, value & SLOT_MASK, SLOT_LIVE, SLOT_IN_TRANSIT);
}

/** Undoes handleBeginTransfer when a write fails. */
export function handleAbortTransfer(value: number): void {
  dpSetState(current, value & SLOT_MASK, SLOT_IN_TRANSIT, SLOT_LIVE);
}

/**
 * Travelling handles stay in the writer's table (so a write allocates nothing and cannot fail half-way); of `n`
 * travelling `values`, how many a read by the current process must move into its own table.
 */
export function handlesToMove(values: readonly number[], n: number): number {
  let moving = 0;
  for (let i = 0; i < n; i++) if (processOf(values[i]) !== current) moving++;
  return moving;
}

/**
 * Channel read: a travelling handle arrives in the current process and gets a new value there (waits through the
 * old one are cancelled); the object's handle count does not change. A handle from another process's table moves
 * into the reader's (the caller has made room: handlesToMove, handleRoom); 0 if the C heap cannot grow the table,
 * and then the handle is closed.
 */
export function handleReceive(value: number): number {
  const from = processOf(value);
  if (from === current) return handleRevalue(value, handleRights(value));
  const slot = value & SLOT_MASK;
  const d = objects[from][slot] as Dispatcher;
  d.cancelHandle(value);
  const moved = install(current, d, handleRights(value));
  if (moved === 0) release(from, slot);
  else vacate(from, slot);
  return moved;
}

/** Destroys a travelling handle (its message was discarded or its channel died). */
export function handleDestroyInTransit(value: number): void {
  const proc = processOf(value);
  const slot = value & SLOT_MASK;
  (objects[proc][slot] as Dispatcher).cancelHandle(value);
  release(proc, slot);
}

/**
 * Closes every live handle of process `proc` (it has ended): as mx_handle_close of each, oldest slot first.
 * Travelling handles it wrote stay where they are, in its table, until their messages are read or destroyed.
 */
export function handleCloseAll(proc: number): void {
  const previous = enterProcess(proc);
  const n = dpSlots(proc);
  for (let slot = 0; slot < n; slot++) {
    const m = dpMeta(proc, slot);
    if (((m >>> STATE_SHIFT) & 3) === SLOT_LIVE) handleClose(((m >>> SLOT_BITS) << SLOT_BITS) | slot);
  }
  enterProcess(previous);
}

/** Handles in process `proc`'s table, live and travelling. */
export function handleCountOf(proc: number): number {
  return dpCount(proc);
}

/** Handles in existence, live and travelling, in every table. */
export function handleCount(): number {
  let n = 0;
  for (let proc = 0; proc < PROCESSES; proc++) if (claimed[proc]) n += dpCount(proc);
  return n;
}

/** For the invariant walker (invariants.ts): every slot in use, with its object and whether it is travelling. */
export function handleSlots(visit: (value: number, d: Dispatcher | null, inTransit: boolean) => void): void {
  for (let proc = 0; proc < PROCESSES; proc++) {
    if (!claimed[proc]) continue;
    const n = dpSlots(proc);
    for (let slot = 0; slot < n; slot++) {
      const m = dpMeta(proc, slot);
      const state = (m >>> STATE_SHIFT) & 3;
      if (state !== SLOT_FREE) visit(((m >>> SLOT_BITS) << SLOT_BITS) | slot, objects[proc][slot] ?? null, state === SLOT_IN_TRANSIT);
    }
  }
}

/** The tables' own bookkeeping (the data plane's) and their agreement with the objects kept here. */
export function handleTableProblems(report: Report): void {
  for (let proc = 0; proc < PROCESSES; proc++) {
    if (!claimed[proc]) continue;
    const problem = dpCheck(proc);
    if (problem !== "") report(`process ${proc}: ${problem}`);
    const n = dpSlots(proc);
    const table = objects[proc];
    for (let slot = 0; slot < n; slot++) {
      const m = dpMeta(proc, slot);
      const free = ((m >>> STATE_SHIFT) & 3) === SLOT_FREE;
      const present = (table[slot] ?? null) !== null;
      if (free === present) report(`process ${proc} handle slot ${slot}: state ${free ? "free" : "in use"} but object ${present ? "present" : "absent"}`);
      if (m !== 0 && processOf(m) !== proc) report(`process ${proc} handle slot ${slot}: another process's generation`);
    }
    if (table.length > n && table.slice(n).some((d) => d !== null)) report(`process ${proc}: objects beyond the last slot`);
  }
}
