/**
 * What the data plane's own suites share (dataplane_{handles,ports,channels}.spec.ts): process 7's table and the
 * slots a test holds, kernel ports whose data-plane index is known, packets, and the suite set-up. One suite for
 * both implementations: `#dataplane` is the TypeScript twin on Node and the C data plane on the device, so every
 * assertion holds them to the same answers. Split in files because netduinoplus2 runs one firmware per spec file and
 * a spec's own bytecode lives in its RAM.
 *
 * Process 0's handle table is the kernel's own: the handle-table tests use process 7 only, release every handle they
 * allocate (the table ends each test empty), and make no assumption about the history of that table (they first
 * take every free slot, so that what follows is known). Ports: the tests create and destroy their own data-plane
 * ports and never assume an index value; where a test needs packets in a prefix it makes a kernel port while every
 * other free index is taken, so the index the kernel's port got is the one left. Nothing kernel-global is changed
 * (no setLimits, setNextDeadline, bindSlowPath); a port marked slow here is marked back.
 */
import assert from "node:assert/strict";
import * as dp from "#dataplane";
import {
  firstGeneration,
  MAX_GENERATION,
  nextGeneration,
  PROCESSES,
  type PortFields,
  SLOT_BITS,
  SLOT_IN_TRANSIT,
  SLOT_LIVE,
  SLOT_MASK,
  STATE_SHIFT,
} from "../../kernel/dataplane/dataplane.ts";
import {
  kernel_check,
  MX_OBJ_TYPE_IOPORT2,
  MX_RIGHT_DUPLICATE,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
} from "../../kernel/index.ts";
import { letDeadlinesPass, newPort, useHandles } from "./helpers.ts";

/** Port objects for the data-plane ports the tests make themselves: the data plane reads their fields until
 * portDestroy, so they stay referenced here. */
const portObjects: PortFields[] = [];
export function newPortFields(): PortFields {
  const o = { head: null, waiters: { head: null }, dead: false };
  portObjects.push(o);
  return o;
}

/** The process whose handle table these tests own. */
export const P = 7;
export const LIVE = SLOT_LIVE << STATE_SHIFT;
export const IN_TRANSIT = SLOT_IN_TRANSIT << STATE_SHIFT;
export const DTRW = MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE;

export const slotOf = (value: number) => value & SLOT_MASK;
export const genOf = (valueOrMeta: number) => valueOrMeta >>> SLOT_BITS;
export const nextGen = (gen: number) => nextGeneration(gen << SLOT_BITS) >>> SLOT_BITS;
/** Process P's first generation and its last (its generations are P+1 apart by PROCESSES: dataplane.ts processOf). */
export const FIRST_GEN = firstGeneration(P) >>> SLOT_BITS;
export const LAST_GEN = MAX_GENERATION - ((MAX_GENERATION - FIRST_GEN) % PROCESSES);
export const stateOf = (meta: number) => (meta >>> STATE_SHIFT) & 3;

/** The object process 7's handles name: nothing ever waits through them (no tracker, no waiters). */
export const NOTHING_WATCHED = { tracker: null };

/**
 * Every slot process 7 uses in a test, released at its end. An array, not a Set: XS gives a Set's numbers back as
 * doubles, which the C data plane's integer arguments refuse (RangeError), while it takes the same number when it
 * is an integer.
 */
export const held: number[] = [];
export const hold = (slot: number) => {
  if (!held.includes(slot)) held.push(slot);
};
export const unhold = (slot: number) => {
  const i = held.indexOf(slot);
  if (i >= 0) held.splice(i, 1);
};

export function alloc(type = MX_OBJ_TYPE_IOPORT2, rights = DTRW): number {
  const v = dp.handleAlloc(P, type, rights, -1, NOTHING_WATCHED);
  assert.ok(v > 0, "handleAlloc gave a value");
  hold(slotOf(v));
  return v;
}

export function release(value: number): void {
  dp.handleRelease(P, slotOf(value));
  unhold(slotOf(value));
}

/**
 * Takes every free slot of process 7's (empty) table, so that the free list is empty and the next allocation is a
 * fresh slot: what the table did before the test no longer matters. Returns the values taken.
 */
export function drainFreeList(): number[] {
  assert.equal(dp.handleCount(P), 0, "process 7's table is empty at the start of a test");
  const n = dp.handleSlots(P);
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(alloc());
  assert.deepEqual(
    values.map(slotOf).sort((a, b) => a - b),
    Array.from({ length: n }, (_, i) => i),
    "the free list held every slot once",
  );
  assert.equal(dp.handleSlots(P), n, "no slot was added while free ones were left");
  return values;
}


export function consistent(): void {
  assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
}

/** A user packet with every field set (type 5, which the kernel forces to USER), and how it comes back. */
export { asQueued, user as packet } from "./port_fallback.ts";

/** Packets in a port's prefix, all of them user packets here: portCount answers users | all << 16. */
export function prefixCount(index: number): number {
  const c = dp.portCount(index);
  assert.equal(c >>> 16, c & 0xffff, `portCount ${c}: only user packets in the prefix`);
  return c & 0xffff;
}

/** Takes every free data-plane port index; the indexes taken. */
export function takeAllPorts(): number[] {
  const taken: number[] = [];
  for (let p = dp.portCreate(newPortFields()); p >= 0; p = dp.portCreate(newPortFields())) {
    taken.push(p);
    assert.ok(taken.length <= 4096, "portCreate never ran out");
  }
  return taken;
}

/**
 * A kernel V2 port whose data-plane index is known: every other free index is taken while the kernel creates it,
 * so it gets the one left. Returns its handle (closed by useHandles) and that index.
 */
export function kernelPort(): { handle: number; index: number } {
  const mine = takeAllPorts();
  assert.ok(mine.length > 0, "the data plane has a free port index");
  const index = mine.pop() as number;
  dp.portDestroy(index);
  const handle = newPort();
  assert.equal(dp.portCreate(newPortFields()), -1, "the kernel's port took the one index left");
  for (const p of mine) dp.portDestroy(p);
  assert.equal(prefixCount(index), 0);
  return { handle, index };
}

/** The suite's set-up, shared by the files it is split into. */
export function describeDataPlane(title: string, body: () => void): void {
  describe(title, () => {
    useHandles();
    before(async function () {
      this.timeout(0);
      await letDeadlinesPass();
    });
    beforeEach(() => {
      held.length = 0;
    });
    afterEach(() => {
      for (const slot of held) dp.handleRelease(P, slot);
      held.length = 0;
      assert.equal(dp.handleCount(P), 0, "process 7's table ends empty");
      assert.equal(dp.handleCheck(P), "");
      assert.equal(dp.handleCheck(0), "", "the kernel's own table is sound");
      consistent();
    });
    body();
  });
}
