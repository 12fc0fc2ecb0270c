/**
 * The reference model alone, on the classic Magenta scenarios magenta-ipc.md names. Each test asserts real values,
 * so the model is checked against the spec before it is used to check the kernel.
 */
import assert from "node:assert/strict";
import { ModelKernel } from "./model.ts";

const OK = 0;
const ERR_NOT_SUPPORTED = -2;
const ERR_NO_MEMORY = -4;
const ERR_CALL_FAILED = -5;
const ERR_INVALID_ARGS = -10;
const ERR_BAD_HANDLE = -11;
const ERR_BUFFER_TOO_SMALL = -15;
const ERR_TIMED_OUT = -21;
const ERR_SHOULD_WAIT = -22;
const ERR_CANCELED = -23;
const ERR_PEER_CLOSED = -24;
const ERR_NOT_FOUND = -25;
const LAST_HANDLE = 1 << 22;
const HANDLE_CLOSED = 1 << 23;
const SIGNALED = 8;
const READABLE = 1;
const WRITABLE = 2;
const PEER_CLOSED = 4;
const USER_0 = 1 << 24;
const INFINITE = 0xffff_ffff_ffff_ffffn;

function out(): { value: number } {
  return { value: 0 };
}

function create(k: ModelKernel, f: "port" | "event" | "timer", v2 = true): number {
  const o = out();
  const s = f === "port" ? k.mx_port_create(v2 ? 1 : 0, o) : f === "event" ? k.mx_event_create(0, o) : k.mx_timer_create(0, 0, o);
  assert.equal(s, OK);
  return o.value;
}

function pair(k: ModelKernel, f: "channel" | "eventpair" = "channel"): [number, number] {
  const a = out();
  const b = out();
  assert.equal(f === "channel" ? k.mx_channel_create(0, a, b) : k.mx_eventpair_create(0, a, b), OK);
  return [a.value, b.value];
}

function state(k: ModelKernel, h: number): number {
  const o = out();
  k.mx_object_wait_one(h, 0, 0n, o);
  return o.value;
}

/** A V2 packet argument as the kernel's class looks: an object with 48 `bytes`. */
function packet(): { bytes: Uint8Array } {
  return { bytes: new Uint8Array(48) };
}

function dv(p: { bytes: Uint8Array }): DataView {
  return new DataView(p.bytes.buffer, p.bytes.byteOffset, 48);
}

describe("reference model", () => {
  it("async_wait_event_test_single: packets of one state change come newest observer first", () => {
    const k = new ModelKernel();
    const port = create(k, "port");
    const ev = create(k, "event");
    for (let key = 0; key < 7; key++) assert.equal(k.mx_object_wait_async(ev, port, BigInt(key), SIGNALED, 0), OK);
    assert.equal(k.mx_object_signal(ev, 0, SIGNALED), OK);
    const keys: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const p = packet();
      assert.equal(k.mx_port_wait(port, 0n, p, 0), OK);
      keys.push(dv(p).getBigUint64(0, true));
      assert.equal(dv(p).getUint32(8, true), 1); // SIGNAL_ONE
      assert.equal(dv(p).getUint32(16, true), SIGNALED);
      assert.equal(dv(p).getUint32(20, true), SIGNALED | LAST_HANDLE);
      assert.equal(dv(p).getBigUint64(24, true), 1n);
    }
    assert.deepEqual(keys, [6n, 5n, 4n, 3n, 2n]);
  });

  it("channel_read_error_test: queued messages outlive the peer, then PEER_CLOSED", () => {
    const k = new ModelKernel();
    const [a, b] = pair(k);
    assert.equal(k.mx_channel_read(b, 0, null, null, 0, 0, null, null), ERR_SHOULD_WAIT);
    assert.equal(k.mx_channel_write(a, 0, new Uint8Array([1, 2, 3]), 3, null, 0), OK);
    assert.equal(k.mx_handle_close(a), OK);
    assert.equal(state(k, b), READABLE | PEER_CLOSED | LAST_HANDLE);
    const buf = new Uint8Array(8);
    const ab = out();
    assert.equal(k.mx_channel_read(b, 0, buf, null, 8, 0, ab, null), OK);
    assert.equal(ab.value, 3);
    assert.deepEqual([...buf.slice(0, 3)], [1, 2, 3]);
    assert.equal(k.mx_channel_read(b, 0, buf, null, 8, 0, null, null), ERR_PEER_CLOSED);
    assert.equal(k.mx_channel_read(b, 2, buf, null, 8, 0, null, null), ERR_NOT_SUPPORTED);
  });

  it("channel read: BUFFER_TOO_SMALL keeps the message, MAY_DISCARD drops it and closes its handles", () => {
    const k = new ModelKernel();
    const [a, b] = pair(k);
    const ev = create(k, "event");
    assert.equal(k.mx_channel_write(a, 0, new Uint8Array(10), 10, [ev], 1), OK);
    assert.equal(k.handleCount(), 3);
    const ab = out();
    const ah = out();
    assert.equal(k.mx_channel_read(b, 0, new Uint8Array(4), [], 4, 0, ab, ah), ERR_BUFFER_TOO_SMALL);
    assert.deepEqual([ab.value, ah.value], [10, 1]);
    assert.equal(state(k, b) & READABLE, READABLE);
    assert.equal(k.mx_channel_read(b, 1, null, null, 0, 0, null, null), ERR_BUFFER_TOO_SMALL);
    assert.equal(state(k, b) & READABLE, 0);
    assert.equal(k.handleCount(), 2);
  });

  it("channel write: check order and handles returned on failure", () => {
    const k = new ModelKernel();
    const [a, b] = pair(k);
    const ev = create(k, "event");
    assert.equal(k.mx_channel_write(a, 1, null, 0, null, 0), ERR_INVALID_ARGS);
    assert.equal(k.mx_channel_write(a, 0, null, 65537, null, 0), -14);
    assert.equal(k.mx_channel_write(a, 0, null, 1, null, 0), ERR_INVALID_ARGS);
    assert.equal(k.mx_channel_write(a, 0, null, 0, [a], 1), ERR_NOT_SUPPORTED);
    assert.equal(k.mx_channel_write(a, 0, null, 0, [ev, ev], 2), ERR_INVALID_ARGS);
    assert.equal(k.mx_channel_write(a, 0, null, 0, [ev, 12345], 2), ERR_BAD_HANDLE);
    assert.equal(k.mx_handle_close(b), OK);
    assert.equal(k.mx_channel_write(a, 0, null, 0, [ev], 1), ERR_PEER_CLOSED);
    assert.equal(k.mx_handle_close(ev), OK); // still the caller's
  });

  it("handles travel with new values; waits through them end when the message is read", async () => {
    const k = new ModelKernel();
    const [a, b] = pair(k);
    const ev = create(k, "event");
    const obs = out();
    const waiting = k.awaitable.mx_object_wait_one(ev, SIGNALED, INFINITE, obs);
    assert.equal(k.mx_channel_write(a, 0, null, 0, [ev], 1), OK);
    assert.equal(k.mx_handle_close(ev), ERR_BAD_HANDLE); // no longer in the writer's table
    assert.equal(k.handleCount(), 3);
    const hs = [0];
    assert.equal(k.mx_channel_read(b, 0, null, hs, 0, 1, null, null), OK);
    assert.notEqual(hs[0], ev);
    assert.equal(await waiting, ERR_CANCELED);
    assert.equal(obs.value, LAST_HANDLE | HANDLE_CLOSED);
    assert.equal(state(k, hs[0]), LAST_HANDLE);
  });

  it("handle_rights_test: replace after a failed replace; a refused out-parameter keeps the handle", async () => {
    const k = new ModelKernel();
    const ev = create(k, "event");
    const o = out();
    assert.equal(k.mx_handle_replace(ev, 0x10, o), ERR_INVALID_ARGS); // not a subset
    const waiting = k.awaitable.mx_object_wait_one(ev, SIGNALED, INFINITE, null);
    assert.equal(k.mx_handle_replace(ev, 0x0f, Object.freeze({ value: 0 })), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_signal(ev, 0, SIGNALED), OK); // the wait through ev is still there
    assert.equal(await waiting, OK);
    assert.equal(k.mx_handle_replace(ev, 0x0c, o), OK);
    assert.equal(k.mx_handle_close(ev), ERR_BAD_HANDLE);
    assert.equal(k.mx_handle_duplicate(o.value, 0x80000000, out()), -30); // no DUPLICATE right any more
  });

  it("last-handle: duplicate clears it, close sets it; replace raises no edge", () => {
    const k = new ModelKernel();
    const port = create(k, "port");
    const ev = create(k, "event");
    assert.equal(state(k, ev), LAST_HANDLE);
    assert.equal(k.mx_object_wait_async(ev, port, 1n, LAST_HANDLE, 1), OK); // REPEATING, fires at once
    const p = packet();
    assert.equal(k.mx_port_wait(port, 0n, p, 0), OK);
    const r = out();
    assert.equal(k.mx_handle_replace(ev, 0x80000000, r), OK);
    assert.equal(k.mx_port_wait(port, 0n, p, 0), ERR_TIMED_OUT); // observer went with the old value, and no edge
    const d = out();
    assert.equal(k.mx_handle_duplicate(r.value, 0x80000000, d), OK);
    assert.equal(state(k, r.value), 0);
    assert.equal(k.mx_handle_close(d.value), OK);
    assert.equal(state(k, r.value), LAST_HANDLE);
    assert.equal(k.mx_object_signal(r.value, 0, LAST_HANDLE), ERR_INVALID_ARGS);
  });

  it("channel_call2: the call fails with PEER_CLOSED when the server closes", async () => {
    const k = new ModelKernel();
    const [c, s] = pair(k);
    const ab = out();
    const ah = out();
    const rs = out();
    const args = {
      wr_bytes: new Uint8Array([7, 0, 0, 0, 9]),
      wr_handles: null,
      rd_bytes: new Uint8Array(8),
      rd_handles: null,
      wr_num_bytes: 5,
      wr_num_handles: 0,
      rd_num_bytes: 8,
      rd_num_handles: 0,
    };
    const call = k.awaitable.mx_channel_call(c, 0, INFINITE, args, ab, ah, rs);
    assert.equal(k.mx_handle_close(s), OK);
    assert.equal(await call, ERR_CALL_FAILED);
    assert.equal(rs.value, ERR_PEER_CLOSED);
  });

  it("channel_call: the reply with the txid goes to the caller, others to the queue; TIMED_OUT direct", async () => {
    const k = new ModelKernel();
    const [c, s] = pair(k);
    const ab = out();
    const ah = out();
    const rd = new Uint8Array(8);
    const args = { wr_bytes: new Uint8Array([7, 0, 0, 0]), wr_handles: null, rd_bytes: rd, rd_handles: null, wr_num_bytes: 4, wr_num_handles: 0, rd_num_bytes: 8, rd_num_handles: 0 };
    const call = k.awaitable.mx_channel_call(c, 0, INFINITE, args, ab, ah, null);
    assert.equal(k.mx_channel_write(s, 0, new Uint8Array([8, 0, 0, 0]), 4, null, 0), OK); // other txid: queued
    assert.equal(k.mx_channel_write(s, 0, new Uint8Array([7, 0, 0, 0, 1, 2]), 6, null, 0), OK);
    assert.equal(await call, OK);
    assert.deepEqual([ab.value, ah.value, rd[4], rd[5]], [6, 0, 1, 2]);
    assert.equal(state(k, c) & READABLE, READABLE);
    const t0 = k.now();
    assert.equal(k.mx_channel_call(c, 0, t0 + 1000n, args, ab, ah, null), ERR_TIMED_OUT); // sync: time jumps
    assert.equal(k.now(), t0 + 1000n);
  });

  it("channel_call: a reply too large is discarded with its handles (BUFFER_TOO_SMALL in read_status)", async () => {
    const k = new ModelKernel();
    const [c, s] = pair(k);
    const ev = create(k, "event");
    const ab = out();
    const rs = out();
    const args = { wr_bytes: null, wr_handles: null, rd_bytes: null, rd_handles: null, wr_num_bytes: 0, wr_num_handles: 0, rd_num_bytes: 0, rd_num_handles: 0 };
    const call = k.awaitable.mx_channel_call(c, 0, INFINITE, args, ab, out(), rs);
    assert.equal(k.mx_channel_write(s, 0, new Uint8Array(2), 2, [ev], 1), OK); // txid 0 matches
    assert.equal(await call, ERR_CALL_FAILED);
    assert.deepEqual([rs.value, ab.value], [ERR_BUFFER_TOO_SMALL, 0]);
    assert.equal(k.handleCount(), 2);
  });

  it("port_cancel: removes observers and queued packets; NOT_FOUND after the packet was dequeued", () => {
    const k = new ModelKernel();
    const port = create(k, "port");
    const ev = create(k, "event");
    assert.equal(k.mx_object_wait_async(ev, port, 5n, SIGNALED, 0), OK);
    assert.equal(k.mx_object_signal(ev, 0, SIGNALED), OK);
    assert.equal(k.mx_port_wait(port, 0n, packet(), 0), OK);
    assert.equal(k.mx_port_cancel(port, ev, 5n), ERR_NOT_FOUND);
    assert.equal(k.mx_object_wait_async(ev, port, 6n, SIGNALED, 1), OK); // fires at once, stays
    assert.equal(k.mx_port_cancel(port, ev, 6n), OK);
    assert.equal(k.mx_port_wait(port, 0n, packet(), 0), ERR_TIMED_OUT); // the queued packet went too
    assert.equal(k.mx_port_cancel(port, ev, 6n), ERR_NOT_FOUND);
  });

  it("REPEATING: one packet in flight keeps its first observed; a channel's initial count", () => {
    const k = new ModelKernel();
    const port = create(k, "port");
    const [a, b] = pair(k);
    for (let i = 0; i < 5; i++) assert.equal(k.mx_channel_write(a, 0, null, 0, null, 0), OK);
    assert.equal(k.mx_object_wait_async(b, port, 1n, READABLE, 1), OK);
    assert.equal(k.mx_object_signal(b, 0, USER_0), OK); // a change while the packet is queued adds nothing
    const p = packet();
    assert.equal(k.mx_port_wait(port, 0n, p, 0), OK);
    assert.equal(dv(p).getUint32(8, true), 2); // SIGNAL_REP
    assert.equal(dv(p).getUint32(20, true), READABLE | WRITABLE | LAST_HANDLE);
    assert.equal(dv(p).getBigUint64(24, true), 5n);
    assert.equal(k.mx_port_wait(port, 0n, p, 0), ERR_TIMED_OUT); // dequeuing alone does not re-arm
    assert.equal(k.mx_object_signal(b, USER_0, 0), OK);
    assert.equal(k.mx_port_wait(port, 0n, p, 0), OK);
    assert.equal(dv(p).getUint32(20, true), READABLE | WRITABLE | LAST_HANDLE);
    assert.equal(dv(p).getBigUint64(24, true), 1n);
  });

  it("periodic timer strobes: observers see SIGNALED, the word never keeps it; late periods merge", async () => {
    const k = new ModelKernel({ start: 1_000_000n });
    const port = create(k, "port");
    const t = create(k, "timer");
    assert.equal(k.mx_object_wait_async(t, port, 3n, SIGNALED, 1), OK);
    assert.equal(k.mx_timer_start(t, 2_000_000n, 100_000n, 0n), OK);
    k.advanceTo(2_350_000n); // four periods passed: one strobe, re-armed at 2_400_000
    assert.equal(state(k, t), LAST_HANDLE);
    const p = packet();
    assert.equal(k.mx_port_wait(port, 0n, p, 0), OK);
    assert.equal(dv(p).getUint32(20, true), SIGNALED | LAST_HANDLE);
    assert.equal(k.mx_port_wait(port, 0n, p, 0), ERR_TIMED_OUT);
    assert.equal(k.nextDeadline(), 2_400_000n);
    assert.equal(k.mx_port_wait(port, INFINITE, p, 0), OK); // sync: sleeps to the next strobe
    assert.equal(k.now(), 2_400_000n);
    assert.equal(k.mx_timer_start(t, 1, 0n, 0n), -10); // below MX_TIMER_MIN_DEADLINE
    assert.equal(k.mx_timer_start(t, 3_000_000n, 10n, 0n), ERR_NOT_SUPPORTED);
  });

  it("one-shot timer: fires at the next syscall entry, ties served in arming order", async () => {
    const k = new ModelKernel({ start: 1_000_000n });
    const t = create(k, "timer");
    const order: string[] = [];
    const sleep = k.awaitable.mx_nanosleep(2_000_000n).then((s) => order.push(`sleep ${s}`));
    const ev = create(k, "event");
    const obs = out();
    const wait = k.awaitable.mx_object_wait_one(t, SIGNALED, 2_000_000n, obs).then((s) => order.push(`wait ${s}`));
    assert.equal(k.mx_timer_start(t, 2_000_000n, 0n, 0n), OK); // armed after the wait: the wait times out first
    k.advanceTo(2_000_000n);
    await Promise.all([sleep, wait]);
    assert.deepEqual(order, ["sleep 0", `wait ${ERR_TIMED_OUT}`]);
    assert.equal(obs.value, LAST_HANDLE);
    assert.equal(state(k, t), SIGNALED | LAST_HANDLE);
    assert.equal(k.mx_handle_close(ev), OK);
  });

  it("port V1: header forced to USER, BUFFER_TOO_SMALL keeps the packet; V2 size rules", () => {
    const k = new ModelKernel();
    const v1 = create(k, "port", false);
    const pkt = new Uint8Array(24).fill(0xaa);
    assert.equal(k.mx_port_queue(v1, pkt, 0), ERR_INVALID_ARGS);
    assert.equal(k.mx_port_queue(v1, pkt, 129), ERR_BUFFER_TOO_SMALL);
    assert.equal(k.mx_port_queue(v1, pkt, 24), OK);
    const small = new Uint8Array(16);
    assert.equal(k.mx_port_wait(v1, 0n, small, 16), ERR_BUFFER_TOO_SMALL);
    const buf = new Uint8Array(32);
    assert.equal(k.mx_port_wait(v1, 0n, buf, 32), OK);
    assert.equal(new DataView(buf.buffer).getUint32(8, true), 2);
    assert.equal(buf[20], 0xaa);
    const v2 = create(k, "port");
    assert.equal(k.mx_port_queue(v2, packet(), 16), -12); // WRONG_TYPE
    assert.equal(k.mx_port_wait(v2, 0n, packet(), 16), -12);
    assert.equal(k.mx_object_wait_async(v2, v1, 0n, 1, 0), -12);
  });

  it("port V2: one waiter per packet in arrival order; user packet preserved but type forced", async () => {
    const k = new ModelKernel();
    const port = create(k, "port");
    const p1 = packet();
    const p2 = packet();
    const w1 = k.awaitable.mx_port_wait(port, INFINITE, p1, 0);
    const w2 = k.awaitable.mx_port_wait(port, INFINITE, p2, 0);
    const q = packet();
    dv(q).setBigUint64(0, 42n, true);
    dv(q).setUint32(8, 77, true);
    dv(q).setInt32(12, -5, true);
    q.bytes[47] = 9;
    assert.equal(k.mx_port_queue(port, q, 0), OK);
    assert.equal(await w1, OK);
    assert.deepEqual([dv(p1).getBigUint64(0, true), dv(p1).getUint32(8, true), dv(p1).getInt32(12, true), p1.bytes[47]], [42n, 0, -5, 9]);
    assert.equal(k.mx_handle_close(port), OK);
    assert.equal(await w2, ERR_CANCELED);
  });

  it("wait_one / wait_many: observed is the OR of states seen; a frozen item is INVALID_ARGS", async () => {
    const k = new ModelKernel();
    const ev = create(k, "event");
    const obs = out();
    const w = k.awaitable.mx_object_wait_one(ev, SIGNALED, INFINITE, obs);
    assert.equal(k.mx_object_signal(ev, 0, USER_0), OK);
    assert.equal(k.mx_object_signal(ev, USER_0, SIGNALED), OK);
    assert.equal(await w, OK);
    assert.equal(obs.value, (USER_0 | SIGNALED | LAST_HANDLE) >>> 0);
    const items = [{ handle: ev, waitfor: SIGNALED, pending: 0 }, Object.freeze({ handle: ev, waitfor: 1, pending: 0 })];
    assert.equal(k.mx_object_wait_many(items, 2, 0n), ERR_INVALID_ARGS); // satisfied at once, frozen item refuses
    assert.equal(items[0].pending, SIGNALED | LAST_HANDLE);
    assert.equal(k.mx_object_wait_many([{ handle: ev, waitfor: 2 ** 32, pending: 0 }], 1, 0n), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_wait_many(null, 0, 0n), ERR_TIMED_OUT);
    assert.equal(k.mx_object_wait_many([{ handle: 0, waitfor: 1, pending: 0 }], 1, 0n), ERR_BAD_HANDLE);
  });

  it("closing a channel destroys its queued messages recursively", () => {
    const k = new ModelKernel();
    const [a, b] = pair(k);
    const [c, d] = pair(k);
    const [e, f] = pair(k);
    assert.equal(k.mx_channel_write(e, 0, null, 0, [f], 1), OK); // f travels inside its own channel
    assert.equal(k.mx_channel_write(c, 0, null, 0, [e], 1), OK);
    assert.equal(k.mx_channel_write(a, 0, null, 0, [d, c], 2), OK);
    assert.equal(k.handleCount(), 6);
    assert.equal(k.mx_handle_close(b), OK);
    // d, c, e go; f's last handle sits in f's own queue: a cycle, never destroyed (as in Magenta).
    assert.equal(k.handleCount(), 2);
    assert.equal(state(k, a), PEER_CLOSED | LAST_HANDLE);
  });

  it("eventpair: NOT_SUPPORTED options leave outputs untouched; signal_peer and PEER_CLOSED", () => {
    const k = new ModelKernel();
    const o0 = { value: 9 };
    assert.equal(k.mx_eventpair_create(1, o0, out()), ERR_NOT_SUPPORTED);
    assert.equal(o0.value, 9);
    const [a, b] = pair(k, "eventpair");
    assert.equal(k.mx_object_signal_peer(a, 0, SIGNALED | USER_0), OK);
    assert.equal(k.mx_object_signal_peer(a, 0, 1), ERR_INVALID_ARGS);
    assert.equal(k.mx_handle_close(a), OK);
    assert.equal(state(k, b), (SIGNALED | USER_0 | PEER_CLOSED | LAST_HANDLE) >>> 0);
    assert.equal(k.mx_object_signal_peer(b, 0, USER_0), ERR_PEER_CLOSED);
    const ev = create(k, "event");
    assert.equal(k.mx_object_signal_peer(ev, 0, USER_0), ERR_NOT_SUPPORTED);
  });

  it("limits: handles, port packets and channel messages answer NO_MEMORY", () => {
    const k = new ModelKernel({ limits: { maxHandles: 4, maxPacketsPerPort: 1, maxMessagesPerChannel: 1 } });
    const port = create(k, "port");
    const [a, b] = pair(k);
    assert.equal(k.mx_port_queue(port, packet(), 0), OK);
    assert.equal(k.mx_port_queue(port, packet(), 0), ERR_NO_MEMORY);
    assert.equal(k.mx_channel_write(a, 0, null, 0, null, 0), OK);
    assert.equal(k.mx_channel_write(a, 0, null, 0, null, 0), ERR_NO_MEMORY);
    const e = out();
    assert.equal(k.mx_event_create(0, e), OK);
    assert.equal(k.mx_event_create(0, out()), ERR_NO_MEMORY);
    assert.equal(k.mx_channel_create(0, out(), out()), ERR_NO_MEMORY);
    assert.equal(k.handleCount(), 4);
    assert.equal(k.mx_handle_close(b), OK);
  });

  it("argument kinds: handles, masks, deadlines and out-parameters of the wrong kind", () => {
    const k = new ModelKernel();
    const ev = create(k, "event");
    for (const bad of [0, -1, 1.5, NaN, "1", null, undefined, ev + 2 ** 32, BigInt(ev)]) {
      assert.equal(k.mx_handle_close(bad as number), ERR_BAD_HANDLE);
    }
    assert.equal(k.mx_object_signal(ev, 0, -1), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_signal(ev, "x" as never, 0), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_wait_one(ev, 1, -1n, null), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_wait_one(ev, 1, 2n ** 64n, null), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_wait_one(ev, 1, 0n, 5 as never), ERR_INVALID_ARGS);
    assert.equal(k.mx_object_wait_one(ev, 1, 0n, Object.freeze({ value: 0 })), ERR_INVALID_ARGS);
    const empty: { value?: number } = {};
    assert.equal(k.mx_object_wait_one(ev, 1, 0n, empty), ERR_TIMED_OUT);
    assert.equal(empty.value, LAST_HANDLE);
    assert.equal(k.mx_event_create(0, null), ERR_INVALID_ARGS);
    assert.equal(k.handleCount(), 1);
    const frozen = Object.freeze({ value: 0 });
    const o1 = out();
    assert.equal(k.mx_channel_create(0, o1, frozen), ERR_INVALID_ARGS); // made, given, closed again
    assert.notEqual(o1.value, 0);
    assert.equal(k.mx_handle_close(o1.value), ERR_BAD_HANDLE);
    assert.equal(k.handleCount(), 1);
    assert.equal(k.mx_time_get(7), 0n);
    assert.equal(k.mx_deadline_after("x"), k.now());
    assert.equal(k.mx_deadline_after(INFINITE), INFINITE);
  });
});
