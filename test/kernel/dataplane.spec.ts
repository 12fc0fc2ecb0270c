/**
 * The data plane's own API (kernel/dataplane/dataplane.ts), one suite for both implementations: `#dataplane` is the
 * TypeScript twin on Node and the C data plane on the device, so every assertion here holds them to the same answers.
 *
 * Process 0's handle table is the kernel's own: the handle-table tests use process 7 only, release every handle they
 * allocate (the table ends each test empty), and make no assumption about the history of that table (they first
 * take every free slot, so that what follows is known). Ports: the tests create and destroy their own data-plane
 * ports and never assume an index value; where a test needs packets in a prefix it makes a kernel port while every
 * other free index is taken, so the index the kernel's port got is the one left. Nothing kernel-global is changed
 * (no portSetLimit / setLimits, setKernelWork, bindSlowPaths); a port marked slow here is marked back.
 */
import assert from "node:assert/strict";
import * as dp from "#dataplane";
import {
  MAX_GENERATION as MAX_GEN,
  PREFIX_POOL_PACKETS,
  RIGHTS_MASK,
  SLOT_BITS,
  SLOT_FREE,
  SLOT_IN_TRANSIT,
  SLOT_LIVE,
  SLOT_MASK,
  STATE_SHIFT,
} from "../../kernel/dataplane/dataplane.ts";
import {
  awaitable,
  kernel_check,
  kernel_stats,
  mx_channel_read,
  mx_channel_write,
  mx_deadline_after,
  mx_handle_close,
  mx_handle_replace,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_MSEC,
  MX_OBJ_TYPE_CHANNEL,
  MX_OBJ_TYPE_EVENT,
  MX_OBJ_TYPE_IOPORT2,
  MX_OK,
  MX_PKT_TYPE_USER,
  MX_RIGHT_DUPLICATE,
  MX_RIGHT_READ,
  MX_RIGHT_SAME_RIGHTS,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
} from "../../kernel/index.ts";
import { newChannel, newPort, track, useHandles } from "./helpers.ts";

/** The process whose handle table these tests own. */
const P = 7;
const LIVE = SLOT_LIVE << STATE_SHIFT;
const IN_TRANSIT = SLOT_IN_TRANSIT << STATE_SHIFT;
const DTRW = MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE;

const slotOf = (value: number) => value & SLOT_MASK;
const genOf = (valueOrMeta: number) => valueOrMeta >>> SLOT_BITS;
const nextGen = (gen: number) => (gen === MAX_GEN ? 1 : gen + 1);
const stateOf = (meta: number) => (meta >>> STATE_SHIFT) & 3;

/** The object process 7's handles name: nothing ever waits through them (no tracker, no waiters). */
const NOTHING_WATCHED = { tracker: null };

/**
 * Every slot process 7 uses in a test, released at its end. An array, not a Set: XS gives a Set's numbers back as
 * doubles, which the C data plane's integer arguments refuse (RangeError), while it takes the same number when it
 * is an integer.
 */
const held: number[] = [];
const hold = (slot: number) => {
  if (!held.includes(slot)) held.push(slot);
};
const unhold = (slot: number) => {
  const i = held.indexOf(slot);
  if (i >= 0) held.splice(i, 1);
};

function alloc(type = MX_OBJ_TYPE_IOPORT2, rights = DTRW): number {
  const v = dp.handleAlloc(P, type, rights, -1, NOTHING_WATCHED);
  assert.ok(v > 0, "handleAlloc gave a value");
  hold(slotOf(v));
  return v;
}

function release(value: number): void {
  dp.handleRelease(P, slotOf(value));
  unhold(slotOf(value));
}

/**
 * Takes every free slot of process 7's (empty) table, so that the free list is empty and the next allocation is a
 * fresh slot: what the table did before the test no longer matters. Returns the values taken.
 */
function drainFreeList(): number[] {
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

/** Lets deadlines armed earlier pass (on the device, the test runtime's timeout sleeps): with one armed, every
 * fast path falls back and the prefix tests below would see no prefix. No timeout of its own: on the device a
 * test's timeout is itself a sleep, that is a deadline. */
async function letDeadlinesPass(): Promise<void> {
  for (let i = 0; i < 400 && kernel_stats().deadlines > 0; i++) await awaitable.mx_nanosleep(mx_deadline_after(MX_MSEC(25)));
}

function consistent(): void {
  assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
}

/** A user packet with every field set, `type` 5 (the kernel forces USER). */
function packet(key: bigint): mx_port_packet_t {
  const p = new mx_port_packet_t();
  p.key = key;
  p.type = 5;
  p.status = -7;
  for (let i = 0; i < 32; i++) p.user.c8[i] = (Number(key) * 7 + i) & 0xff;
  return p;
}

/** The 48 bytes a packet comes back as: its own with the type word zeroed. */
function asQueued(p: mx_port_packet_t): number[] {
  const b = Array.from(p.bytes);
  b[8] = b[9] = b[10] = b[11] = 0;
  return b;
}

/** Packets in a port's prefix, all of them user packets here: portCount answers users | all << 16. */
function prefixCount(index: number): number {
  const c = dp.portCount(index);
  assert.equal(c >>> 16, c & 0xffff, `portCount ${c}: only user packets in the prefix`);
  return c & 0xffff;
}

/** Takes every free data-plane port index; the indexes taken. */
function takeAllPorts(): number[] {
  const taken: number[] = [];
  for (let p = dp.portCreate(); p >= 0; p = dp.portCreate()) {
    taken.push(p);
    assert.ok(taken.length <= 4096, "portCreate never ran out");
  }
  return taken;
}

/**
 * A kernel V2 port whose data-plane index is known: every other free index is taken while the kernel creates it,
 * so it gets the one left. Returns its handle (closed by useHandles) and that index.
 */
function kernelPort(): { handle: number; index: number } {
  const mine = takeAllPorts();
  assert.ok(mine.length > 0, "the data plane has a free port index");
  const index = mine.pop() as number;
  dp.portDestroy(index);
  const handle = newPort();
  assert.equal(dp.portCreate(), -1, "the kernel's port took the one index left");
  for (const p of mine) dp.portDestroy(p);
  assert.equal(prefixCount(index), 0);
  return { handle, index };
}

describe("data plane (twin on Node, C on the device): one suite for both", () => {
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

  describe("handle table", () => {
    it("a fresh slot: value 1 << 16 | slot, meta generation << 16 | LIVE << 14 | rights; slots and count grow", () => {
      const before = drainFreeList();
      const s = dp.handleSlots(P);
      assert.equal(dp.handleMeta(P, s), 0, "a slot never used has meta 0");
      const v = alloc(MX_OBJ_TYPE_EVENT, MX_RIGHT_READ | MX_RIGHT_WRITE);
      assert.equal(v, (1 << 16) | s);
      assert.equal(dp.handleMeta(P, s), (1 << 16) | LIVE | MX_RIGHT_READ | MX_RIGHT_WRITE);
      assert.equal(dp.handleSlots(P), s + 1);
      assert.equal(dp.handleCount(P), before.length + 1);
      // Rights keep their low 14 bits (MX_RIGHT_SAME_RIGHTS and other high bits are never stored).
      const w = alloc(MX_OBJ_TYPE_EVENT, (1 << 31) | (1 << 14) | MX_RIGHT_TRANSFER);
      assert.equal(w, (1 << 16) | (s + 1));
      assert.equal(dp.handleMeta(P, s + 1), (1 << 16) | LIVE | MX_RIGHT_TRANSFER);
      assert.equal(dp.handleGet(P, w, 0, 0), (MX_RIGHT_TRANSFER << 16) | (s + 1));
      const all = alloc(MX_OBJ_TYPE_EVENT, RIGHTS_MASK);
      assert.equal(dp.handleGet(P, all, 0, 0), (RIGHTS_MASK << 16) | slotOf(all), "all 14 rights bits come back");
      assert.equal(dp.handleCheck(P), "");
      for (const x of [...before, v, w, all]) release(x);
      assert.equal(dp.handleCount(P), 0);
      assert.equal(dp.handleSlots(P), s + 3, "released slots stay in the table");
    });

    it("release: the slot's next generation, FREE, rights cleared; the old value is BAD_HANDLE", () => {
      drainFreeList();
      const v = alloc(MX_OBJ_TYPE_EVENT, DTRW);
      const s = slotOf(v);
      const count = dp.handleCount(P);
      release(v);
      assert.equal(dp.handleCount(P), count - 1);
      assert.equal(dp.handleMeta(P, s), (2 << 16) | (SLOT_FREE << 14));
      assert.equal(stateOf(dp.handleMeta(P, s)), SLOT_FREE);
      assert.equal(dp.handleGet(P, v, 0, 0), MX_ERR_BAD_HANDLE, "the released value");
      assert.equal(dp.handleGet(P, (2 << 16) | s, 0, 0), MX_ERR_BAD_HANDLE, "a value forged with the free slot's generation");
      const again = alloc(MX_OBJ_TYPE_EVENT, MX_RIGHT_READ);
      assert.equal(again, (2 << 16) | s, "the only free slot comes back with its new generation");
      assert.equal(dp.handleMeta(P, s), (2 << 16) | LIVE | MX_RIGHT_READ);
      assert.equal(dp.handleGet(P, v, 0, 0), MX_ERR_BAD_HANDLE, "the old value stays stale once the slot is reused");
      assert.equal(dp.handleGet(P, again, 0, 0), (MX_RIGHT_READ << 16) | s);
    });

    it("revalue: next generation, LIVE, the new rights; the old value is BAD_HANDLE and the count is unchanged", () => {
      const v = alloc(MX_OBJ_TYPE_EVENT, DTRW);
      const s = slotOf(v);
      const g = genOf(v);
      const count = dp.handleCount(P);
      const w = dp.handleRevalue(P, s, MX_RIGHT_READ);
      assert.equal(w, (nextGen(g) << 16) | s);
      assert.equal(dp.handleMeta(P, s), (nextGen(g) << 16) | LIVE | MX_RIGHT_READ);
      assert.equal(dp.handleCount(P), count);
      assert.equal(dp.handleGet(P, v, 0, 0), MX_ERR_BAD_HANDLE);
      assert.equal(dp.handleGet(P, w, 0, MX_OBJ_TYPE_EVENT), (MX_RIGHT_READ << 16) | s, "the type is kept");
      assert.equal(dp.handleGet(P, w, MX_RIGHT_WRITE, 0), MX_ERR_ACCESS_DENIED, "the rights are the new ones");
    });

    it("free slots are reused first in, first out", () => {
      drainFreeList();
      const v = [0, 1, 2, 3, 4].map(() => alloc());
      const order = [3, 0, 4, 1];
      for (const i of order) release(v[i]);
      const again = order.map(() => alloc());
      assert.deepEqual(again.map(slotOf), order.map((i) => slotOf(v[i])), "slots come back in the order they were freed");
      assert.deepEqual(again.map(genOf), order.map((i) => nextGen(genOf(v[i]))));
      const fresh = alloc();
      assert.equal(fresh, (1 << 16) | (dp.handleSlots(P) - 1), "with the free list empty, a new slot");
      assert.equal(slotOf(fresh), slotOf(v[4]) + 1);
    });

    it("generations wrap from 0x7fff to 1, by revalue and by release", () => {
      const v = alloc();
      const s = slotOf(v);
      let w = v;
      while (genOf(w) !== MAX_GEN) w = dp.handleRevalue(P, s, DTRW);
      assert.equal(w, (MAX_GEN << 16) | s);
      assert.ok(w > 0, "the largest value is still a positive int32");
      assert.equal(dp.handleGet(P, w, 0, 0), (DTRW << 16) | s);
      w = dp.handleRevalue(P, s, DTRW);
      assert.equal(w, (1 << 16) | s, "after 0x7fff comes 1, never 0");
      assert.equal(dp.handleGet(P, w, 0, 0), (DTRW << 16) | s);
      assert.equal(dp.handleGet(P, (MAX_GEN << 16) | s, 0, 0), MX_ERR_BAD_HANDLE);
      while (genOf(w) !== MAX_GEN) w = dp.handleRevalue(P, s, DTRW);
      release(w);
      assert.equal(dp.handleMeta(P, s), (1 << 16) | (SLOT_FREE << 14), "release wraps too");
    });

    it("handleGet checks in order: BAD_HANDLE, then ACCESS_DENIED, then WRONG_TYPE; type 0 is any type", () => {
      const port = alloc(MX_OBJ_TYPE_IOPORT2, MX_RIGHT_READ | MX_RIGHT_TRANSFER);
      const s = slotOf(port);
      const ok = ((MX_RIGHT_READ | MX_RIGHT_TRANSFER) << 16) | s;
      assert.equal(dp.handleGet(P, port, 0, 0), ok);
      assert.equal(dp.handleGet(P, port, MX_RIGHT_READ, MX_OBJ_TYPE_IOPORT2), ok);
      assert.equal(dp.handleGet(P, port, MX_RIGHT_READ | MX_RIGHT_TRANSFER, 0), ok);
      assert.equal(dp.handleGet(P, port, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2), MX_ERR_ACCESS_DENIED);
      assert.equal(dp.handleGet(P, port, MX_RIGHT_READ | MX_RIGHT_WRITE, 0), MX_ERR_ACCESS_DENIED, "every right asked for");
      assert.equal(dp.handleGet(P, port, MX_RIGHT_READ, MX_OBJ_TYPE_EVENT), MX_ERR_WRONG_TYPE);
      assert.equal(dp.handleGet(P, port, MX_RIGHT_WRITE, MX_OBJ_TYPE_EVENT), MX_ERR_ACCESS_DENIED, "rights before type");
      assert.notEqual(dp.handleRevalue(P, s, MX_RIGHT_READ), port);
      assert.equal(dp.handleGet(P, port, MX_RIGHT_WRITE, MX_OBJ_TYPE_EVENT), MX_ERR_BAD_HANDLE, "existence before rights and type");
      const none = alloc(MX_OBJ_TYPE_CHANNEL, 0);
      assert.equal(dp.handleGet(P, none, 0, MX_OBJ_TYPE_CHANNEL), (0 << 16) | slotOf(none), "no rights, none needed");
      assert.equal(dp.handleGet(P, none, MX_RIGHT_READ, 0), MX_ERR_ACCESS_DENIED);
    });

    it("handleGet: any value that is not a live handle's positive int32 number is BAD_HANDLE", () => {
      drainFreeList();
      const v = alloc(MX_OBJ_TYPE_EVENT, DTRW);
      const s = slotOf(v);
      const ok = (DTRW << 16) | s;
      assert.equal(dp.handleGet(P, v, 0, 0), ok);
      assert.equal(dp.handleGet(P, (v * 10) / 10, 0, 0), ok, "the same number, however computed");
      assert.equal(dp.handleGet(P, v + 0.25 - 0.25, 0, 0), ok);
      const bad: [string, unknown][] = [
        ["0", 0],
        ["-0", -0],
        ["-1", -1],
        ["-v", -v],
        ["v | 1 << 31 (negative int32)", v | (1 << 31)],
        ["v + 2^31 (not int32)", v + 2 ** 31],
        ["v + 2^32", v + 2 ** 32],
        ["v + 0.5", v + 0.5],
        ["2^53", 2 ** 53],
        ["NaN", NaN],
        ["Infinity", Infinity],
        ["-Infinity", -Infinity],
        ["String(v)", String(v)],
        ["BigInt(v)", BigInt(v)],
        ["new Number(v)", new Number(v)],
        ["{ valueOf: () => v }", { valueOf: () => v }],
        ["[v]", [v]],
        ["true", true],
        ["null", null],
        ["undefined", undefined],
        ["another generation of the slot", (nextGen(genOf(v)) << 16) | s],
        ["a slot beyond the table", (1 << 16) | dp.handleSlots(P)],
        ["the last slot number", (1 << 16) | SLOT_MASK],
      ];
      for (const [name, value] of bad) assert.equal(dp.handleGet(P, value, 0, 0), MX_ERR_BAD_HANDLE, name);
      assert.equal(dp.handleGet(P, v, 0, 0), ok, "the handle itself is unchanged");
    });

    it("handleSetState: LIVE <-> IN_TRANSIT; false, and nothing changed, when the slot is not in `from`", () => {
      drainFreeList();
      const v = alloc(MX_OBJ_TYPE_EVENT, DTRW);
      const s = slotOf(v);
      const count = dp.handleCount(P);
      const live = dp.handleMeta(P, s);
      assert.equal(dp.handleSetState(P, s, SLOT_IN_TRANSIT, SLOT_LIVE), false, "not in transit");
      assert.equal(dp.handleMeta(P, s), live);
      assert.equal(dp.handleSetState(P, s, SLOT_LIVE, SLOT_IN_TRANSIT), true);
      assert.equal(dp.handleMeta(P, s), (genOf(v) << 16) | IN_TRANSIT | DTRW, "same generation and rights, in transit");
      assert.equal(dp.handleCount(P), count, "a handle in transit still counts");
      assert.equal(dp.handleGet(P, v, 0, 0), MX_ERR_BAD_HANDLE, "a handle in transit cannot be used");
      assert.equal(dp.handleSetState(P, s, SLOT_LIVE, SLOT_IN_TRANSIT), false, "already in transit (a duplicate in a write)");
      assert.equal(dp.handleMeta(P, s), (genOf(v) << 16) | IN_TRANSIT | DTRW);
      assert.equal(dp.handleCheck(P), "");
      assert.equal(dp.handleSetState(P, s, SLOT_IN_TRANSIT, SLOT_LIVE), true, "a failed write puts it back");
      assert.equal(dp.handleMeta(P, s), live);
      assert.equal(dp.handleGet(P, v, 0, 0), (DTRW << 16) | s, "the same value works again");
      // A read: in transit, then a new value (revalue); a discarded message: in transit, then released.
      assert.equal(dp.handleSetState(P, s, SLOT_LIVE, SLOT_IN_TRANSIT), true);
      const received = dp.handleRevalue(P, s, DTRW);
      assert.equal(received, (nextGen(genOf(v)) << 16) | s);
      assert.equal(stateOf(dp.handleMeta(P, s)), SLOT_LIVE);
      assert.equal(dp.handleGet(P, received, 0, MX_OBJ_TYPE_EVENT), (DTRW << 16) | s);
      const other = alloc();
      assert.equal(dp.handleSetState(P, slotOf(other), SLOT_LIVE, SLOT_IN_TRANSIT), true);
      release(other);
      assert.equal(dp.handleCount(P), count, "a handle destroyed in transit no longer counts");
      assert.equal(stateOf(dp.handleMeta(P, slotOf(other))), SLOT_FREE);
      assert.equal(dp.handleSetState(P, slotOf(other), SLOT_LIVE, SLOT_IN_TRANSIT), false, "a free slot is in neither state");
      assert.equal(dp.handleSetState(P, slotOf(other), SLOT_IN_TRANSIT, SLOT_LIVE), false);
      assert.equal(stateOf(dp.handleMeta(P, slotOf(other))), SLOT_FREE);
      const beyond = dp.handleSlots(P);
      assert.equal(dp.handleSetState(P, beyond, SLOT_LIVE, SLOT_IN_TRANSIT), false, "a slot never used");
      assert.equal(dp.handleMeta(P, beyond), 0);
      assert.equal(dp.handleSlots(P), beyond);
      assert.equal(dp.handleCheck(P), "");
    });

    it("handleMeta, handleSlots and handleCount follow a model of the table through 3,000 random operations", () => {
      // The model: per slot its meta word and type; a FIFO free list; the slot count.
      drainFreeList();
      const meta: number[] = [];
      const type: number[] = [];
      const n0 = dp.handleSlots(P);
      for (let s = 0; s < n0; s++) {
        meta.push(dp.handleMeta(P, s));
        type.push(MX_OBJ_TYPE_IOPORT2);
      }
      const free: number[] = [];
      let used = n0;
      let seed = 12345;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      const usedSlots = () => meta.map((m, s) => (stateOf(m) !== SLOT_FREE ? s : -1)).filter((s) => s >= 0);
      const expectGet = (value: number, need: number, t: number): number => {
        const s = value & SLOT_MASK;
        const m = s < meta.length ? meta[s] : 0;
        if (value <= 0 || (m & ~RIGHTS_MASK) !== ((value & ~SLOT_MASK) | LIVE)) return MX_ERR_BAD_HANDLE;
        if ((m & need) !== need) return MX_ERR_ACCESS_DENIED;
        if (t !== 0 && type[s] !== t) return MX_ERR_WRONG_TYPE;
        return ((m & RIGHTS_MASK) << 16) | s;
      };
      const types = [MX_OBJ_TYPE_IOPORT2, MX_OBJ_TYPE_EVENT, MX_OBJ_TYPE_CHANNEL];
      const rightsChoices = [0, DTRW, MX_RIGHT_READ, MX_RIGHT_WRITE, MX_RIGHT_READ | MX_RIGHT_WRITE, RIGHTS_MASK];
      for (let op = 0; op < 3000; op++) {
        const live = usedSlots();
        const k = rand(live.length > 40 ? 10 : 6);
        if (k < 3 || live.length === 0) {
          const t = types[rand(3)];
          const r = rightsChoices[rand(rightsChoices.length)];
          const reused = free.length > 0;
          const s = reused ? (free.shift() as number) : meta.length;
          const g = reused ? genOf(meta[s]) : 1;
          if (!reused) {
            meta.push(0);
            type.push(0);
          }
          meta[s] = (g << 16) | LIVE | r;
          type[s] = t;
          used++;
          assert.equal(alloc(t, r), (g << 16) | s, `op ${op}: alloc`);
        } else {
          const s = live[rand(live.length)];
          const m = meta[s];
          if (k === 3 || k >= 6) {
            meta[s] = nextGen(genOf(m)) << 16;
            type[s] = 0;
            free.push(s);
            used--;
            dp.handleRelease(P, s);
            unhold(s);
          } else if (k === 4) {
            const r = rightsChoices[rand(rightsChoices.length)];
            meta[s] = (nextGen(genOf(m)) << 16) | LIVE | r;
            assert.equal(dp.handleRevalue(P, s, r), (nextGen(genOf(m)) << 16) | s, `op ${op}: revalue`);
          } else {
            const from = rand(2) === 0 ? SLOT_LIVE : SLOT_IN_TRANSIT;
            const to = from === SLOT_LIVE ? SLOT_IN_TRANSIT : SLOT_LIVE;
            const changes = stateOf(m) === from;
            if (changes) meta[s] = (m & ~(3 << 14)) | (to << 14);
            assert.equal(dp.handleSetState(P, s, from, to), changes, `op ${op}: setState`);
          }
        }
        // A lookup of a live value, a stale one or a forged one, with random needs and types.
        const s = rand(meta.length + 2);
        const g = s < meta.length ? genOf(meta[s]) - rand(2) : 1;
        const value = ((g & MAX_GEN) << 16) | s;
        const need = rightsChoices[rand(rightsChoices.length)];
        const t = rand(2) === 0 ? 0 : types[rand(3)];
        assert.equal(dp.handleGet(P, value, need, t), expectGet(value, need, t), `op ${op}: handleGet(${value}, ${need}, ${t})`);
        assert.equal(dp.handleCount(P), used, `op ${op}: count`);
        if (op % 100 === 99) {
          assert.equal(dp.handleSlots(P), meta.length, `op ${op}: slots`);
          for (let i = 0; i < meta.length; i++) assert.equal(dp.handleMeta(P, i) >>> 0, meta[i] >>> 0, `op ${op}: meta of slot ${i}`);
          assert.equal(dp.handleCheck(P), "", `op ${op}: handleCheck`);
        }
      }
      for (const s of usedSlots()) {
        dp.handleRelease(P, s);
        unhold(s);
      }
      assert.equal(dp.handleCount(P), 0);
      assert.equal(dp.handleCheck(P), "");
    });
  });

  describe("ports", () => {
    it("portCreate gives an empty, sound prefix; portPop of an empty prefix is false and writes nothing", () => {
      const p = dp.portCreate();
      assert.ok(p >= 0, "a free index");
      try {
        assert.equal(prefixCount(p), 0);
        assert.equal(dp.portCheck(p), "");
        const dst = new Uint8Array(48).fill(0xa5);
        assert.equal(dp.portPop(p, dst), false);
        assert.deepEqual(Array.from(dst), new Array(48).fill(0xa5));
        dp.portSetSlow(p, true);
        assert.equal(dp.portCheck(p), "");
        assert.equal(dp.portPop(p, dst), false);
        dp.portSetSlow(p, false);
        assert.equal(prefixCount(p), 0);
        assert.equal(dp.portCheck(p), "");
      } finally {
        dp.portDestroy(p);
      }
    });

    it("portCreate answers -1 when every index is taken; a destroyed index is given again", () => {
      const taken = takeAllPorts();
      try {
        assert.ok(taken.length > 0);
        assert.equal(new Set(taken).size, taken.length, "distinct indexes");
        for (const p of taken) assert.ok(Number.isInteger(p) && p >= 0);
        assert.equal(dp.portCreate(), -1, "still none");
        const one = taken[taken.length >> 1];
        dp.portDestroy(one);
        assert.equal(dp.portCreate(), one, "the one free index");
        assert.equal(prefixCount(one), 0);
        assert.equal(dp.portCheck(one), "");
        assert.equal(dp.portCreate(), -1);
      } finally {
        for (const p of taken) dp.portDestroy(p);
      }
      const again = takeAllPorts();
      for (const p of again) dp.portDestroy(p);
      assert.deepEqual([...again].sort((a, b) => a - b), [...taken].sort((a, b) => a - b), "every index came back");
    });

    it("with no index left, a kernel port lives in the control plane and works the same", () => {
      const taken = takeAllPorts();
      try {
        const port = newPort();
        for (let i = 1; i <= 3; i++) assert.equal(mx_port_queue(port, packet(BigInt(i)), 0), MX_OK);
        const got = new mx_port_packet_t();
        for (let i = 1; i <= 3; i++) {
          assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
          assert.deepEqual(Array.from(got.bytes), asQueued(packet(BigInt(i))));
        }
        assert.equal(mx_port_wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
        assert.equal(mx_port_queue(port, packet(4n), 0), MX_OK);
        consistent();
        assert.equal(mx_handle_close(port), MX_OK, "closed with a packet queued");
        assert.equal(dp.portCreate(), -1, "it took no index");
      } finally {
        for (const p of taken) dp.portDestroy(p);
      }
    });

    it("mx_port_queue's fast path appends to a kernel port's prefix; portPop takes the oldest, type USER", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      const sent = [1n, 2n, 3n].map(packet);
      for (let i = 0; i < 3; i++) {
        assert.equal(mx_port_queue(handle, sent[i], 0), MX_OK);
        assert.equal(prefixCount(index), i + 1, "in the prefix");
        assert.equal(dp.portCheck(index), "");
      }
      assert.equal(dp.portCount(index), 3 | (3 << 16), "3 user packets | 3 packets << 16");
      assert.equal(sent[0].type, 5, "the caller's packet is not changed");
      const dst = new Uint8Array(48).fill(0xee);
      assert.equal(dp.portPop(index, dst), true);
      assert.deepEqual(Array.from(dst), asQueued(sent[0]), "the 48 bytes as queued, type forced to USER");
      assert.equal(prefixCount(index), 2);
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(handle, 0n, got, 0), MX_OK, "the kernel's wait takes the next one");
      assert.deepEqual(Array.from(got.bytes), asQueued(sent[1]));
      assert.equal(got.type, MX_PKT_TYPE_USER);
      assert.equal(prefixCount(index), 1);
      const big = new Uint8Array(64).fill(0x33);
      assert.equal(dp.portPop(index, big), true, "a longer buffer takes 48 bytes");
      assert.deepEqual(Array.from(big.subarray(0, 48)), asQueued(sent[2]));
      assert.deepEqual(Array.from(big.subarray(48)), new Array(16).fill(0x33));
      dst.fill(0x11);
      assert.equal(dp.portPop(index, dst), false, "empty");
      assert.deepEqual(Array.from(dst), new Array(48).fill(0x11));
      assert.equal(prefixCount(index), 0);
      assert.equal(mx_port_wait(handle, 0n, got, 0), MX_ERR_TIMED_OUT, "the kernel sees the prefix empty");
      assert.equal(dp.portCheck(index), "");
    });

    it("a port marked slow: mx_port_queue falls back (behind the prefix), and waits keep the order", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      dp.portSetSlow(index, true);
      dp.portSetSlow(index, false);
      assert.equal(mx_port_queue(handle, packet(1n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "marked fast again: the fast path");
      dp.portSetSlow(index, true);
      assert.equal(mx_port_queue(handle, packet(2n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "slow: the packet went to the control plane's suffix");
      // The kernel has a suffix now and keeps the port marked slow itself.
      assert.equal(mx_port_queue(handle, packet(3n), 0), MX_OK);
      assert.equal(prefixCount(index), 1);
      consistent();
      const got = new mx_port_packet_t();
      for (let i = 1; i <= 3; i++) {
        assert.equal(mx_port_wait(handle, 0n, got, 0), MX_OK);
        assert.deepEqual(Array.from(got.bytes), asQueued(packet(BigInt(i))), `packet ${i}`);
      }
      assert.equal(prefixCount(index), 0);
      assert.equal(mx_port_queue(handle, packet(4n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "the suffix drained: the kernel marked the port fast");
      assert.equal(mx_port_wait(handle, 0n, got, 0), MX_OK);
      assert.equal(got.key, 4n);
    });

    it(`the prefix pool holds ${PREFIX_POOL_PACKETS} packets for all ports; beyond it queuing falls back, in order`, () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const a = kernelPort();
      const b = kernelPort();
      const n = PREFIX_POOL_PACKETS + 6;
      for (let i = 0; i < n; i++) assert.equal(mx_port_queue(a.handle, packet(BigInt(i)), 0), MX_OK);
      assert.equal(prefixCount(a.index), PREFIX_POOL_PACKETS, "the whole pool (no other port holds prefix packets)");
      assert.equal(dp.portCheck(a.index), "");
      assert.equal(mx_port_queue(b.handle, packet(1000n), 0), MX_OK, "another port, with the pool empty");
      assert.equal(prefixCount(b.index), 0);
      consistent();
      const got = new mx_port_packet_t();
      for (let i = 0; i < n; i++) {
        assert.equal(mx_port_wait(a.handle, 0n, got, 0), MX_OK);
        assert.equal(got.key, BigInt(i), `packet ${i}`);
        assert.equal(got.type, MX_PKT_TYPE_USER);
        assert.equal(prefixCount(a.index), Math.max(0, PREFIX_POOL_PACKETS - i - 1));
      }
      assert.equal(mx_port_wait(a.handle, 0n, got, 0), MX_ERR_TIMED_OUT);
      assert.equal(mx_port_wait(b.handle, 0n, got, 0), MX_OK);
      assert.equal(got.key, 1000n);
      assert.equal(mx_port_queue(b.handle, packet(1001n), 0), MX_OK);
      assert.equal(prefixCount(b.index), 1, "the pool is free again");
      assert.equal(dp.portCheck(b.index), "");
    });

    it("a handle that was replaced or carried through a channel still names the port's prefix", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      const replaced = { value: 0 };
      assert.equal(mx_handle_replace(handle, MX_RIGHT_SAME_RIGHTS, replaced), MX_OK);
      track(replaced.value);
      assert.equal(mx_port_queue(replaced.value, packet(1n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "through the replaced handle: the fast path");
      const [c0, c1] = newChannel();
      assert.equal(mx_channel_write(c0, 0, null, 0, [replaced.value], 1), MX_OK);
      const received = [0];
      assert.equal(mx_channel_read(c1, 0, null, received, 0, 1, null, null), MX_OK);
      track(received[0]);
      assert.equal(mx_port_queue(received[0], packet(2n), 0), MX_OK);
      assert.equal(prefixCount(index), 2, "through the received handle: the fast path");
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(received[0], 0n, got, 0), MX_OK);
      assert.equal(got.key, 1n);
      assert.equal(prefixCount(index), 1);
    });

    it("closing a kernel port destroys its prefix: its index and its pool entries come back", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      for (let i = 0; i < 5; i++) assert.equal(mx_port_queue(handle, packet(BigInt(i)), 0), MX_OK);
      assert.equal(prefixCount(index), 5);
      assert.equal(mx_handle_close(handle), MX_OK);
      const taken = takeAllPorts();
      try {
        assert.ok(taken.includes(index), "the index is free again");
        assert.equal(prefixCount(index), 0, "and empty");
        assert.equal(dp.portCheck(index), "");
      } finally {
        for (const p of taken) dp.portDestroy(p);
      }
      const c = kernelPort();
      for (let i = 0; i < PREFIX_POOL_PACKETS; i++) assert.equal(mx_port_queue(c.handle, packet(BigInt(i)), 0), MX_OK);
      assert.equal(prefixCount(c.index), PREFIX_POOL_PACKETS, "all the pool's entries came back");
    });
  });
});
