/**
 * Channel endpoints. channelCreate needs two endpoint objects: the kernel's are private, so the tests give it objects
 * of their own with the fields a channel endpoint shows the data plane (EndpointFields: nothing queued behind them,
 * nobody observes or calls through them), which no handle ever names and no syscall can reach. They use them to
 * exercise the endpoint functions directly, and, as the port tests do, to learn a kernel channel's endpoint indexes:
 * every free pair is taken, one pair is given back just before mx_channel_create, and the kernel's channel gets it
 * (checked, not assumed). On kernel endpoints only the functions that read are used: channelPop would take a
 * message behind the control plane's back (its count, READABLE and the handles in transit would be wrong), so it
 * is exercised on empty endpoints only. The data plane holds pointers into these objects until channelDestroy: they
 * are kept referenced until then.
 */
import assert from "node:assert/strict";
import * as dp from "#dataplane";
import {
  type EndpointFields,
  PREFIX_MESSAGE_BYTES,
  PREFIX_MESSAGE_HANDLES,
  PREFIX_POOL_MESSAGES,
  SLOT_IN_TRANSIT,
} from "../../kernel/dataplane/dataplane.ts";
import {
  kernel_stats,
  mx_channel_read,
  mx_channel_write,
  mx_handle_close,
  mx_object_wait_async,
  mx_port_cancel,
  MX_CHANNEL_READ_MAY_DISCARD,
  MX_CHANNEL_READABLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_SHOULD_WAIT,
  MX_OK,
  MX_USER_SIGNAL_0,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";
import { consistent, genOf, nextGen, slotOf, stateOf } from "./dataplane_suite.ts";
import { letDeadlinesPass, newChannel, newEvent, newPort, track, useHandles } from "./helpers.ts";

describe("data plane: channel endpoints (twin on Node, C on the device)", () => {
  useHandles();

  /** Endpoint pairs the tests took with objects of their own, freed at the end of each test. */
  const mine: { a: number; b: number; objects: EndpointFields[] }[] = [];

  function endpointObject(): EndpointFields {
    return { head: null, callers: { head: null }, tracker: { signals: 0, count: 0, head: null } };
  }

  /** A pair of free endpoints, or null if fewer than two are free. */
  function takePair(): { a: number; b: number } | null {
    const objects = [endpointObject(), endpointObject()];
    const pair = dp.channelCreate(objects[0], objects[1]);
    if (pair < 0) return null;
    const taken = { a: pair & 0xff, b: pair >>> 8, objects };
    mine.push(taken);
    return taken;
  }

  function freePair(p: { a: number; b: number }): void {
    const i = mine.findIndex((q) => q.a === p.a && q.b === p.b);
    assert.ok(i >= 0, "a pair the test took");
    mine.splice(i, 1);
    dp.channelDestroy(p.a);
    dp.channelDestroy(p.b);
  }

  /** Takes every free pair; the pairs taken. */
  function takeAllPairs(): { a: number; b: number }[] {
    const taken: { a: number; b: number }[] = [];
    for (let p = takePair(); p !== null; p = takePair()) {
      taken.push(p);
      assert.ok(taken.length <= 4096, "channelCreate ran out");
    }
    return taken;
  }

  /** An endpoint's prefix, as the control functions show it: [count, peek, handle values travelling in it]. */
  function prefix(e: number): [number, number, number[]] {
    const values: number[] = [];
    const n = dp.channelHandles(e, values);
    assert.equal(values.length, n);
    assert.equal(dp.channelCheck(e), "", `endpoint ${e} is sound`);
    return [dp.channelCount(e), dp.channelPeek(e), values];
  }

  /**
   * A kernel channel whose endpoint indexes are known: every free pair is taken, the first is given back, and
   * mx_channel_create takes it (the two indexes are in use afterwards, and a byte written through out0 shows in one
   * of them). Returns the handles and the index behind each: `i0` queues what `h1` writes, `i1` what `h0` writes.
   */
  function kernelChannel(): { h0: number; h1: number; i0: number; i1: number } {
    const taken = takeAllPairs();
    assert.ok(taken.length > 0, "the data plane has a free pair");
    const given = taken[0];
    freePair(given);
    const [h0, h1] = newChannel();
    assert.equal(takePair(), null, "the kernel's channel took the pair given back");
    for (const p of taken.slice(1)) freePair(p);
    for (const e of [given.a, given.b]) assert.deepEqual(prefix(e), [0, -1, []], `endpoint ${e}: in use, empty`);
    assert.equal(mx_channel_write(h0, 0, Uint8Array.of(7), 1, null, 0), MX_OK);
    const i1 = dp.channelCount(given.a) === 1 ? given.a : given.b;
    const i0 = i1 === given.a ? given.b : given.a;
    assert.deepEqual([dp.channelCount(i1), dp.channelCount(i0)], [1, 0], "out0's message is in the other endpoint's prefix");
    const one = new Uint8Array(1);
    assert.equal(mx_channel_read(h1, 0, one, null, 1, 0, null, null), MX_OK);
    assert.equal(one[0], 7);
    assert.deepEqual(prefix(i1), [0, -1, []]);
    return { h0, h1, i0, i1 };
  }

  const bytesOf = (seed: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (seed * 13 + i) & 0xff);

  /** Reads the next message of `h` into plain buffers: its bytes (exactly `n` expected) and its handles (tracked). */
  function readNext(h: number, n: number, nh: number): [number[], number[]] {
    const buf = new Uint8Array(n);
    const hs = new Array<number>(nh).fill(0);
    const nb = { value: -1 };
    const nhs = { value: -1 };
    assert.equal(mx_channel_read(h, 0, buf, hs, n, nh, nb, nhs), MX_OK);
    assert.deepEqual([nb.value, nhs.value], [n, nh], "the message's shape");
    hs.forEach(track);
    return [Array.from(buf), hs];
  }

  before(async function () {
    this.timeout(0);
    await letDeadlinesPass();
  });
  afterEach(() => {
    while (mine.length > 0) freePair(mine[0]);
    consistent();
  });

  it("channelCreate pairs two free endpoints, each empty and sound; channelPop of an empty prefix is -1 and writes nothing", () => {
    const p = takePair();
    assert.ok(p !== null, "two free endpoints");
    assert.notEqual(p.a, p.b);
    for (const e of [p.a, p.b]) {
      assert.ok(Number.isInteger(e) && e >= 0);
      assert.deepEqual(prefix(e), [0, -1, []]);
      const dst = new Uint8Array(PREFIX_MESSAGE_BYTES).fill(0xa5);
      const hs = [7, 7];
      assert.equal(dp.channelPop(e, dst, hs), -1);
      assert.deepEqual(Array.from(dst), new Array(PREFIX_MESSAGE_BYTES).fill(0xa5));
      assert.deepEqual(hs, [7, 7]);
      const out: number[] = [9];
      assert.equal(dp.channelHandles(e, out), 0);
      assert.deepEqual(out, [9], "nothing written");
    }
    assert.deepEqual(mine[0].objects.map((o) => [o.tracker.signals, o.tracker.count]), [[0, 0], [0, 0]], "the objects are not touched");
  });

  it("channelCreate answers -1 with fewer than two free; destroyed endpoints are given again; a destroyed end's peer stays sound", () => {
    const taken = takeAllPairs();
    assert.ok(taken.length > 0);
    const all = taken.flatMap((p) => [p.a, p.b]);
    assert.equal(new Set(all).size, all.length, "distinct indexes");
    assert.equal(takePair(), null, "still none");
    const middle = taken[taken.length >> 1];
    freePair(middle);
    const again = takePair();
    assert.ok(again !== null);
    assert.deepEqual([again.a, again.b].sort((x, y) => x - y), [middle.a, middle.b].sort((x, y) => x - y), "the two given back");
    assert.equal(takePair(), null);
    // One end destroyed: its peer is unlinked and sound; the destroyed index answers RangeError until taken again.
    const p = mine.pop() as (typeof mine)[number];
    assert.deepEqual([p.a, p.b], [again.a, again.b]);
    dp.channelDestroy(p.a);
    assert.deepEqual(prefix(p.b), [0, -1, []], "the peer alone");
    assert.throws(() => dp.channelCount(p.a), RangeError);
    assert.throws(() => dp.channelCheck(p.a), RangeError);
    assert.throws(() => dp.channelPeek(p.a), RangeError);
    dp.channelDestroy(p.b);
    assert.throws(() => dp.channelCount(p.b), RangeError);
    for (const q of [...mine]) freePair(q);
    const back = takeAllPairs();
    const allBack = back.flatMap((q) => [q.a, q.b]).sort((x, y) => x - y);
    assert.deepEqual(allBack, [...all].sort((x, y) => x - y), "every index came back");
  });

  it("mx_channel_write's fast path appends to the reader's prefix: count, peek (size | handles << 16), the travelling values", () => {
    assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
    const { h0, h1, i0, i1 } = kernelChannel();
    const es = [0, 1, 2, 3, 4].map(() => newEvent());
    assert.equal(mx_channel_write(h0, 0, bytesOf(1, 5), 5, null, 0), MX_OK);
    assert.deepEqual(prefix(i1), [1, 5, []]);
    assert.equal(mx_channel_write(h0, 0, bytesOf(2, PREFIX_MESSAGE_BYTES), PREFIX_MESSAGE_BYTES, [es[0]], 1), MX_OK);
    assert.deepEqual(prefix(i1), [2, 5, [es[0]]], "the oldest message is still the one peeked");
    const four = es.slice(1, 1 + PREFIX_MESSAGE_HANDLES);
    assert.equal(mx_channel_write(h0, 0, bytesOf(3, 1), 1, four, four.length), MX_OK);
    assert.deepEqual(prefix(i1), [3, 5, [es[0], ...four]], "the values as written, in transit");
    for (const e of es) assert.equal(stateOf(dp.handleMeta(0, slotOf(e))), SLOT_IN_TRANSIT, "travelling");
    assert.deepEqual(prefix(i0), [0, -1, []], "the writer's own prefix is untouched");
    assert.deepEqual(readNext(h1, 5, 0), [Array.from(bytesOf(1, 5)), []]);
    assert.deepEqual(prefix(i1), [2, PREFIX_MESSAGE_BYTES | (1 << 16), [es[0], ...four]]);
    const [bytes2, [got]] = readNext(h1, PREFIX_MESSAGE_BYTES, 1);
    assert.deepEqual(bytes2, Array.from(bytesOf(2, PREFIX_MESSAGE_BYTES)));
    assert.equal(got, (nextGen(genOf(es[0])) << 16) | slotOf(es[0]), "received: the slot's next generation");
    assert.deepEqual(prefix(i1), [1, 1 | (PREFIX_MESSAGE_HANDLES << 16), four]);
    const plain = [0, 0, 0, 0];
    assert.equal(mx_channel_read(h1, 0, new Uint8Array(1), plain, 1, 4, null, null), MX_OK, "a plain read: the fast path");
    plain.forEach(track);
    assert.deepEqual(plain, four.map((v) => (nextGen(genOf(v)) << 16) | slotOf(v)));
    assert.deepEqual(prefix(i1), [0, -1, []]);
    assert.equal(mx_channel_read(h1, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
  });

  it("what the prefix does not take goes behind it, and everything written after waits behind it until the suffix drains", () => {
    assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
    const { h0, h1, i1 } = kernelChannel();
    const port = newPort();
    const conditions: [string, () => number][] = [
      ["0 bytes", () => mx_channel_write(h0, 0, null, 0, null, 0)],
      [`${PREFIX_MESSAGE_BYTES + 1} bytes`, () => mx_channel_write(h0, 0, bytesOf(0, PREFIX_MESSAGE_BYTES + 1), PREFIX_MESSAGE_BYTES + 1, null, 0)],
      [
        `${PREFIX_MESSAGE_HANDLES + 1} handles`,
        () => {
          const hs = Array.from({ length: PREFIX_MESSAGE_HANDLES + 1 }, () => newEvent());
          return mx_channel_write(h0, 0, bytesOf(0, 3), 3, hs, hs.length);
        },
      ],
      ["handles in a Uint32Array", () => mx_channel_write(h0, 0, bytesOf(0, 3), 3, Uint32Array.of(newEvent()), 1)],
      ["no handles in []", () => mx_channel_write(h0, 0, bytesOf(0, 3), 3, [], 0)],
      [
        "an observed reader",
        () => {
          assert.equal(mx_object_wait_async(h1, port, 1n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
          return mx_channel_write(h0, 0, bytesOf(0, 3), 3, null, 0);
        },
      ],
    ];
    for (const [name, writeIt] of conditions) {
      assert.equal(mx_channel_write(h0, 0, bytesOf(1, 3), 3, null, 0), MX_OK);
      assert.equal(dp.channelCount(i1), 1, `${name}: one in the prefix`);
      assert.equal(writeIt(), MX_OK, name);
      assert.equal(dp.channelCount(i1), 1, `${name}: behind the prefix`);
      assert.equal(mx_channel_write(h0, 0, bytesOf(2, 3), 3, null, 0), MX_OK);
      assert.equal(dp.channelCount(i1), 1, `${name}: a plain message behind the suffix goes to the suffix too`);
      assert.deepEqual(readNext(h1, 3, 0)[0], Array.from(bytesOf(1, 3)), `${name}: the prefix first`);
      assert.deepEqual(prefix(i1), [0, -1, []]);
      // The rest, from the suffix, in order (the second message's shape depends on the condition).
      const nb = { value: 0 };
      const nh = { value: 0 };
      const hs = new Uint32Array(8);
      assert.equal(mx_channel_read(h1, 0, new Uint8Array(256), hs, 256, 8, nb, nh), MX_OK);
      Array.from(hs.subarray(0, nh.value)).forEach(track);
      assert.deepEqual(readNext(h1, 3, 0)[0], Array.from(bytesOf(2, 3)), `${name}: then the plain one behind it`);
      assert.equal(mx_channel_read(h1, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
      mx_port_cancel(port, h1, 1n); // the observer, if the condition made one
      assert.equal(mx_channel_write(h0, 0, bytesOf(3, 3), 3, null, 0), MX_OK);
      assert.equal(dp.channelCount(i1), 1, `${name}: the suffix drained: the prefix again`);
      assert.deepEqual(readNext(h1, 3, 0)[0], Array.from(bytesOf(3, 3)));
    }
  });

  it(`the prefix pool holds ${PREFIX_POOL_MESSAGES} messages for all endpoints; beyond it writes fall back, in order`, () => {
    assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
    const a = kernelChannel();
    const b = kernelChannel();
    const n = PREFIX_POOL_MESSAGES + 6;
    for (let i = 0; i < n; i++) assert.equal(mx_channel_write(a.h0, 0, bytesOf(i, 8), 8, null, 0), MX_OK);
    assert.deepEqual(prefix(a.i1), [PREFIX_POOL_MESSAGES, 8, []], "the whole pool (no other endpoint holds prefix messages)");
    assert.equal(mx_channel_write(b.h0, 0, bytesOf(100, 8), 8, null, 0), MX_OK, "another channel, with the pool empty");
    assert.equal(dp.channelCount(b.i1), 0);
    for (let i = 0; i < n; i++) {
      assert.deepEqual(readNext(a.h1, 8, 0)[0], Array.from(bytesOf(i, 8)), `message ${i}`);
      assert.equal(dp.channelCount(a.i1), Math.max(0, PREFIX_POOL_MESSAGES - i - 1));
    }
    assert.deepEqual(readNext(b.h1, 8, 0)[0], Array.from(bytesOf(100, 8)));
    assert.equal(mx_channel_write(b.h0, 0, bytesOf(101, 8), 8, null, 0), MX_OK);
    assert.equal(dp.channelCount(b.i1), 1, "the pool is free again");
  });

  it("a read that is not plain still takes the prefix's oldest message: with sizes, MAY_DISCARD, an observed reader", () => {
    assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
    const { h0, h1, i1 } = kernelChannel();
    const e = newEvent();
    for (let i = 0; i < 3; i++) assert.equal(mx_channel_write(h0, 0, bytesOf(i, 4), 4, i === 1 ? [e] : null, i === 1 ? 1 : 0), MX_OK);
    assert.deepEqual(prefix(i1), [3, 4, [e]]);
    assert.deepEqual(readNext(h1, 4, 0)[0], Array.from(bytesOf(0, 4)), "with the size out-parameters");
    assert.deepEqual(prefix(i1), [2, 4 | (1 << 16), [e]]);
    const handles = kernel_stats().handles;
    assert.equal(mx_channel_read(h1, MX_CHANNEL_READ_MAY_DISCARD, null, null, 0, 0, null, null), MX_ERR_BUFFER_TOO_SMALL);
    assert.equal(kernel_stats().handles, handles - 1, "discarded with its handle");
    assert.deepEqual(prefix(i1), [1, 4, []]);
    const port = newPort();
    assert.equal(mx_object_wait_async(h1, port, 1n, MX_CHANNEL_READABLE, MX_WAIT_ASYNC_ONCE), MX_OK);
    const buf = new Uint8Array(4);
    assert.equal(mx_channel_read(h1, 0, buf, null, 4, 0, null, null), MX_OK, "observed: the control plane's read");
    assert.deepEqual(Array.from(buf), Array.from(bytesOf(2, 4)));
    assert.deepEqual(prefix(i1), [0, -1, []]);
  });

  it("closing a kernel channel destroys its prefixes: its endpoints and their blocks come back", () => {
    assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
    const { h0, h1, i0, i1 } = kernelChannel();
    const es = [0, 1].map(() => newEvent());
    for (let i = 0; i < 5; i++) assert.equal(mx_channel_write(h0, 0, bytesOf(i, 9), 9, i < 2 ? [es[i]] : null, i < 2 ? 1 : 0), MX_OK);
    assert.equal(mx_channel_write(h1, 0, bytesOf(9, 9), 9, null, 0), MX_OK);
    assert.deepEqual([dp.channelCount(i1), dp.channelCount(i0)], [5, 1]);
    const handles = kernel_stats().handles;
    assert.equal(mx_handle_close(h1), MX_OK);
    assert.equal(kernel_stats().handles, handles - 1 - 2, "the reader and the two handles in its prefix");
    assert.throws(() => dp.channelCount(i1), RangeError, "its endpoint is free");
    assert.deepEqual(prefix(i0), [1, 9, []], "the other end keeps its own prefix");
    assert.equal(mx_handle_close(h0), MX_OK);
    const taken = takeAllPairs();
    const indexes = taken.flatMap((p) => [p.a, p.b]);
    assert.ok(indexes.includes(i0) && indexes.includes(i1), "both endpoints are free again");
    for (const e of [i0, i1]) assert.deepEqual(prefix(e), [0, -1, []], "and empty");
    for (const p of taken) freePair(p);
    const c = kernelChannel();
    for (let i = 0; i < PREFIX_POOL_MESSAGES; i++) assert.equal(mx_channel_write(c.h0, 0, bytesOf(i, 3), 3, null, 0), MX_OK);
    assert.equal(dp.channelCount(c.i1), PREFIX_POOL_MESSAGES, "all the pool's blocks came back");
  });

  it("with no endpoint left, a kernel channel lives in the control plane and works the same", () => {
    const taken = takeAllPairs();
    const [h0, h1] = newChannel();
    const e = newEvent();
    for (let i = 0; i < 3; i++) assert.equal(mx_channel_write(h0, 0, bytesOf(i, 6), 6, i === 1 ? [e] : null, i === 1 ? 1 : 0), MX_OK);
    assert.deepEqual(readNext(h1, 6, 0)[0], Array.from(bytesOf(0, 6)));
    const [bytes1, [received]] = readNext(h1, 6, 1);
    assert.deepEqual(bytes1, Array.from(bytesOf(1, 6)));
    assert.notEqual(received, e);
    consistent();
    assert.equal(mx_handle_close(h1), MX_OK, "closed with a message queued");
    assert.equal(takePair(), null, "it took no endpoint");
    for (const p of taken) freePair(p);
  });
});
