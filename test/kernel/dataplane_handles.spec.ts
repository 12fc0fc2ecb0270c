/**
 * The data plane's own API: handle tables, one suite for the TypeScript twin (Node) and the C (the device). The method and
 * the rules the tests keep are in dataplane_suite.ts.
 */
import assert from "node:assert/strict";
import * as dp from "#dataplane";
import {
  RIGHTS_MASK,
  SLOT_FREE,
  SLOT_IN_TRANSIT,
  SLOT_LIVE,
  SLOT_MASK,
} from "../../kernel/dataplane/dataplane.ts";
import {
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_WRONG_TYPE,
  MX_OBJ_TYPE_CHANNEL,
  MX_OBJ_TYPE_EVENT,
  MX_OBJ_TYPE_IOPORT2,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
} from "../../kernel/index.ts";
import { P, FIRST_GEN, LAST_GEN, LIVE, IN_TRANSIT, DTRW, slotOf, genOf, nextGen, stateOf, unhold, alloc, release, drainFreeList, describeDataPlane } from "./dataplane_suite.ts";

describeDataPlane("data plane (twin on Node, C on the device): one suite for both: handle tables", () => {
  describe("handle table", () => {
    it("a fresh slot: value FIRST_GEN << 16 | slot, meta generation << 16 | LIVE << 14 | rights; slots and count grow", () => {
      const before = drainFreeList();
      const s = dp.handleSlots(P);
      assert.equal(dp.handleMeta(P, s), 0, "a slot never used has meta 0");
      const v = alloc(MX_OBJ_TYPE_EVENT, MX_RIGHT_READ | MX_RIGHT_WRITE);
      assert.equal(v, (FIRST_GEN << 16) | s);
      assert.equal(dp.handleMeta(P, s), (FIRST_GEN << 16) | LIVE | MX_RIGHT_READ | MX_RIGHT_WRITE);
      assert.equal(dp.handleSlots(P), s + 1);
      assert.equal(dp.handleCount(P), before.length + 1);
      // Rights keep their low 14 bits (MX_RIGHT_SAME_RIGHTS and other high bits are never stored).
      const w = alloc(MX_OBJ_TYPE_EVENT, (1 << 31) | (1 << 14) | MX_RIGHT_TRANSFER);
      assert.equal(w, (FIRST_GEN << 16) | (s + 1));
      assert.equal(dp.handleMeta(P, s + 1), (FIRST_GEN << 16) | LIVE | MX_RIGHT_TRANSFER);
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
      assert.equal(dp.handleMeta(P, s), (nextGen(FIRST_GEN) << 16) | (SLOT_FREE << 14));
      assert.equal(stateOf(dp.handleMeta(P, s)), SLOT_FREE);
      assert.equal(dp.handleGet(P, v, 0, 0), MX_ERR_BAD_HANDLE, "the released value");
      assert.equal(dp.handleGet(P, (nextGen(FIRST_GEN) << 16) | s, 0, 0), MX_ERR_BAD_HANDLE, "a value forged with the free slot's generation");
      const again = alloc(MX_OBJ_TYPE_EVENT, MX_RIGHT_READ);
      assert.equal(again, (nextGen(FIRST_GEN) << 16) | s, "the only free slot comes back with its new generation");
      assert.equal(dp.handleMeta(P, s), (nextGen(FIRST_GEN) << 16) | LIVE | MX_RIGHT_READ);
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
      assert.equal(fresh, (FIRST_GEN << 16) | (dp.handleSlots(P) - 1), "with the free list empty, a new slot");
      assert.equal(slotOf(fresh), slotOf(v[4]) + 1);
    });

    it("generations wrap from the process's last to its first, by revalue and by release", () => {
      const v = alloc();
      const s = slotOf(v);
      let w = v;
      while (genOf(w) !== LAST_GEN) w = dp.handleRevalue(P, s, DTRW);
      assert.equal(w, (LAST_GEN << 16) | s);
      assert.ok(w > 0, "the largest value is still a positive int32");
      assert.equal(dp.handleGet(P, w, 0, 0), (DTRW << 16) | s);
      w = dp.handleRevalue(P, s, DTRW);
      assert.equal(w, (FIRST_GEN << 16) | s, "after the last comes the first, never 0");
      assert.equal(dp.handleGet(P, w, 0, 0), (DTRW << 16) | s);
      assert.equal(dp.handleGet(P, (LAST_GEN << 16) | s, 0, 0), MX_ERR_BAD_HANDLE);
      while (genOf(w) !== LAST_GEN) w = dp.handleRevalue(P, s, DTRW);
      release(w);
      assert.equal(dp.handleMeta(P, s), (FIRST_GEN << 16) | (SLOT_FREE << 14), "release wraps too");
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
        ["a slot beyond the table", (FIRST_GEN << 16) | dp.handleSlots(P)],
        ["the last slot number", (FIRST_GEN << 16) | SLOT_MASK],
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
          const g = reused ? genOf(meta[s]) : FIRST_GEN;
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
        const value = ((g & LAST_GEN) << 16) | s;
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
});
