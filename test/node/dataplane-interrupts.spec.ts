/**
 * The data plane's interrupt path on Node (kernel/dataplane/twin.ts interruptBind / interruptSink / interruptUnbind,
 * kernel/interrupt.ts), on the virtual HAL's simulated lines: while the bound port is plain, a drained record becomes
 * its packet in the port's prefix; a port that is slow (a waiter, a suffix) or a full pool sends it through the
 * control plane, which queues it behind, or hands it to the waiter. Either way one packet per object until
 * mx_interrupt_ack, in order with the port's other packets, with the key given to bind, type INTERRUPT, status OK
 * and the record's timestamp. Closing the object takes its queued packet back; closing the port ends the binding's
 * hold on the port's data-plane index. Where a packet waits (prefix or suffix) is read from the twin with
 * portCount, on a kernel port whose index is known (the way test/kernel/dataplane.spec.ts finds one).
 */
import assert from "node:assert/strict";
import * as dp from "#dataplane";
import type { Hal } from "../../hal/hal.ts";
import { VirtualHal } from "../../hal/host.ts";
import { PREFIX_POOL_PACKETS } from "../../kernel/dataplane/dataplane.ts";
import {
  awaitable,
  kernel_check,
  kernel_configure,
  kernel_limits,
  kernel_set_hal,
  kernel_stats,
  mx_event_create,
  mx_handle_close,
  mx_interrupt_ack,
  mx_interrupt_bind,
  mx_interrupt_create,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  type KernelLimits,
  MX_ERR_BAD_HANDLE,
  MX_ERR_NO_MEMORY,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V2,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";

/** Virtual time past 2^32 ns, so that both halves of a timestamp are exercised. */
const START = 0x1_2345_6789n;

describe("the data plane's interrupt path (twin on Node, virtual HAL)", () => {
  let vhal: VirtualHal;
  let previous: Hal;
  let saved: KernelLimits;
  const open: number[] = [];
  const h = (v: number) => (open.push(v), v);
  /** Data-plane port indexes the test took, given back at its end. */
  const takenPorts: number[] = [];

  beforeEach(() => {
    saved = kernel_limits();
    vhal = new VirtualHal({ vectors: [3, 4], ringSize: 8, start: START });
    previous = kernel_set_hal(vhal);
  });
  afterEach(() => {
    for (const v of open) mx_handle_close(v);
    open.length = 0;
    for (const p of takenPorts.splice(0)) dp.portDestroy(p);
    assert.equal(kernel_configure(saved), MX_OK);
    assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
    kernel_set_hal(previous);
  });

  function newPort(): number {
    const o = { value: 0 };
    assert.equal(mx_port_create(MX_PORT_OPT_V2, o), MX_OK);
    return h(o.value);
  }

  function newInterrupt(vector: number): number {
    const o = { value: 0 };
    assert.equal(mx_interrupt_create(0, vector, o), MX_OK);
    return h(o.value);
  }

  function takeAllPorts(): number[] {
    const taken: number[] = [];
    for (let p = dp.portCreate({ head: null, waiters: { head: null }, dead: false }); p >= 0; p = dp.portCreate({ head: null, waiters: { head: null }, dead: false })) taken.push(p);
    return taken;
  }

  /** A kernel V2 port whose data-plane index is known (`want`, if given and free): every other index is taken while
   * the kernel creates it. */
  function kernelPort(want?: number): { handle: number; index: number } {
    const mine = takeAllPorts();
    const at = want === undefined ? mine.length - 1 : mine.indexOf(want);
    assert.ok(at >= 0, "the index wanted is free");
    const index = mine.splice(at, 1)[0];
    dp.portDestroy(index);
    const handle = newPort();
    assert.equal(dp.portCreate({ head: null, waiters: { head: null }, dead: false }), -1, "the kernel's port took the one index left");
    for (const p of mine) dp.portDestroy(p);
    assert.equal(dp.portCount(index), 0);
    return { handle, index };
  }

  /** Packets in a port's prefix: [user packets, all packets]. */
  function inPrefix(index: number): [number, number] {
    const c = dp.portCount(index);
    assert.equal(dp.portCheck(index), "");
    return [c & 0xffff, c >>> 16];
  }

  function user(key: bigint): mx_port_packet_t {
    const p = new mx_port_packet_t();
    p.key = key;
    for (let i = 0; i < 32; i++) p.user.c8[i] = (Number(key) + i) & 0xff;
    return p;
  }

  /** Raises `vector` at the current virtual time and lets the service routine drain it; that time. */
  function fire(vector: number): bigint {
    const at = vhal.now();
    assert.equal(vhal.raise(vector), true, "the line is unmasked");
    vhal.pump();
    return at;
  }

  /** Every packet the port holds, polled: user packets checked whole, interrupt packets checked exactly. */
  function drain(port: number): string[] {
    const seen: string[] = [];
    const p = new mx_port_packet_t();
    for (let status = mx_port_wait(port, 0n, p, 0); status !== MX_ERR_TIMED_OUT; status = mx_port_wait(port, 0n, p, 0)) {
      assert.equal(status, MX_OK);
      if (p.type === MX_PKT_TYPE_USER) {
        assert.deepEqual(Array.from(p.bytes), Array.from(user(p.key).bytes), `user packet ${p.key} intact`);
        seen.push(`user ${p.key}`);
      } else if (p.type === MX_PKT_TYPE_INTERRUPT) {
        assert.equal(p.status, MX_OK);
        assert.deepEqual(Array.from(p.bytes.subarray(24)), new Array(24).fill(0), "nothing after the timestamp");
        seen.push(`irq ${p.key} @${p.interrupt.timestamp}`);
      } else {
        seen.push(`signal ${p.key}`);
      }
      assert.ok(seen.length < 1000);
    }
    return seen;
  }

  const KEY = 0x1234_5678_9abc_def0n;

  it("a plain port: the record becomes the packet in the prefix, in order with user packets; key, type, status, timestamp exact", () => {
    const { handle: port, index } = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, port, KEY, 0), MX_OK);
    assert.equal(mx_port_queue(port, user(1n), 0), MX_OK);
    assert.deepEqual(inPrefix(index), [1, 1]);
    vhal.advance(123n);
    const at = fire(3);
    assert.deepEqual(inPrefix(index), [1, 2], "in the prefix, not counted as a user packet");
    assert.equal(mx_port_queue(port, user(2n), 0), MX_OK);
    assert.deepEqual(inPrefix(index), [2, 3]);
    assert.deepEqual(kernel_check(), []);
    const p = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK);
    assert.equal(p.key, 1n);
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK);
    assert.equal(p.key, KEY);
    assert.equal(p.type, MX_PKT_TYPE_INTERRUPT);
    assert.equal(p.status, MX_OK);
    assert.equal(p.interrupt.timestamp, at);
    assert.equal(at, START + 123n);
    assert.deepEqual(drain(port), ["user 2"]);
    assert.deepEqual(inPrefix(index), [0, 0]);
  });

  it("one packet until ack: records before it are dropped, while queued and after it was taken; ack re-arms", () => {
    const { handle: port, index } = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, port, 7n, 0), MX_OK);
    const lost = kernel_stats().interruptsLost;
    const first = fire(3);
    vhal.advance(10n);
    fire(3);
    assert.deepEqual(inPrefix(index), [0, 1], "the second record was dropped");
    assert.deepEqual(drain(port), [`irq 7 @${first}`]);
    vhal.advance(10n);
    fire(3);
    assert.deepEqual(inPrefix(index), [0, 0], "taken but not acknowledged: dropped");
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    assert.deepEqual(vhal.acks, [3]);
    vhal.advance(10n);
    const second = fire(3);
    assert.deepEqual(inPrefix(index), [0, 1]);
    // Acknowledged while its packet is still queued: the object's one packet is in use, the record is dropped.
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    vhal.advance(10n);
    fire(3);
    assert.deepEqual(inPrefix(index), [0, 1]);
    assert.deepEqual(drain(port), [`irq 7 @${second}`]);
    vhal.advance(10n);
    const third = fire(3);
    assert.deepEqual(drain(port), [`irq 7 @${third}`], "acknowledged and taken: the next record is a packet");
    assert.equal(kernel_stats().interruptsLost, lost, "dropped records are not ring overflows");
  });

  it("records become packets when the kernel drains them: the service routine, or a wait that finds the port empty", () => {
    const { handle: port, index } = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, port, 5n, 0), MX_OK);
    const at = vhal.now();
    assert.equal(vhal.raise(3), true);
    assert.equal(mx_port_queue(port, user(1n), 0), MX_OK, "a queue does not drain");
    assert.deepEqual(inPrefix(index), [1, 1]);
    const p = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK, "a wait that finds a packet does not drain");
    assert.equal(p.key, 1n);
    assert.deepEqual(inPrefix(index), [0, 0]);
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK, "a wait that finds the port empty drains");
    assert.equal(p.key, 5n);
    assert.equal(p.interrupt.timestamp, at, "stamped when it was raised");
  });

  it("a port with a waiter is slow: the record goes through the control plane, to the waiter; then the prefix again", async () => {
    const { handle: port, index } = kernelPort();
    const irq = newInterrupt(4);
    assert.equal(mx_interrupt_bind(irq, port, 44n, 0), MX_OK);
    const into = new mx_port_packet_t();
    const waiting = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into, 0);
    vhal.advance(1000n);
    const at = fire(4);
    assert.equal(await waiting, MX_OK);
    assert.equal(into.key, 44n);
    assert.equal(into.type, MX_PKT_TYPE_INTERRUPT);
    assert.equal(into.status, MX_OK);
    assert.equal(into.interrupt.timestamp, at);
    assert.deepEqual(inPrefix(index), [0, 0], "it never entered the prefix");
    fire(4);
    assert.deepEqual(drain(port), [], "pending: dropped");
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    const again = fire(4);
    assert.deepEqual(inPrefix(index), [0, 1], "no waiter any more: the prefix");
    assert.deepEqual(drain(port), [`irq 44 @${again}`]);
  });

  it("a port with a suffix is slow: the packet goes behind the signal packet there, and user packets behind it", () => {
    const { handle: port, index } = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, port, 3n, 0), MX_OK);
    const e = { value: 0 };
    assert.equal(mx_event_create(0, e), MX_OK);
    h(e.value);
    assert.equal(mx_port_queue(port, user(1n), 0), MX_OK);
    assert.equal(mx_object_wait_async(e.value, port, 1000n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(e.value, 0, MX_USER_SIGNAL_0), MX_OK);
    const at = fire(3);
    assert.equal(mx_port_queue(port, user(2n), 0), MX_OK);
    assert.deepEqual(inPrefix(index), [1, 1], "only the first user packet is in the prefix");
    const p = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK);
    assert.equal(p.key, 1n);
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK);
    assert.equal(p.type, MX_PKT_TYPE_SIGNAL_ONE);
    assert.deepEqual(drain(port), [`irq 3 @${at}`, "user 2"]);
  });

  it("a full prefix pool: the record goes through the control plane, behind the port's prefix, in order", () => {
    const bound = kernelPort();
    const other = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, bound.handle, 9n, 0), MX_OK);
    assert.equal(mx_port_queue(bound.handle, user(1n), 0), MX_OK);
    for (let i = 0; i < PREFIX_POOL_PACKETS - 1; i++) assert.equal(mx_port_queue(other.handle, user(BigInt(100 + i)), 0), MX_OK);
    assert.deepEqual(inPrefix(other.index), [PREFIX_POOL_PACKETS - 1, PREFIX_POOL_PACKETS - 1], "the rest of the pool");
    const at = fire(3);
    assert.equal(mx_port_queue(bound.handle, user(2n), 0), MX_OK);
    assert.deepEqual(inPrefix(bound.index), [1, 1], "the interrupt packet and what followed went behind");
    assert.deepEqual(drain(bound.handle), ["user 1", `irq 9 @${at}`, "user 2"]);
    assert.equal(drain(other.handle).length, PREFIX_POOL_PACKETS - 1);
  });

  it("an interrupt packet does not count against the port's packet limit", () => {
    const { handle: port, index } = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, port, 8n, 0), MX_OK);
    assert.equal(kernel_configure({ maxPacketsPerPort: 2 }), MX_OK);
    assert.equal(mx_port_queue(port, user(1n), 0), MX_OK);
    assert.equal(mx_port_queue(port, user(2n), 0), MX_OK);
    assert.equal(mx_port_queue(port, user(3n), 0), MX_ERR_NO_MEMORY);
    const at = fire(3);
    assert.deepEqual(inPrefix(index), [2, 3], "queued although the port is full of user packets");
    assert.equal(mx_port_queue(port, user(3n), 0), MX_ERR_NO_MEMORY, "and the limit still holds for user packets");
    assert.deepEqual(drain(port), ["user 1", "user 2", `irq 8 @${at}`]);
  });

  it("two objects bound to one port: their packets in the order drained, each with its key, each acknowledged alone", () => {
    const { handle: port, index } = kernelPort();
    const irq3 = newInterrupt(3);
    const irq4 = newInterrupt(4);
    assert.equal(mx_interrupt_bind(irq3, port, 33n, 0), MX_OK);
    assert.equal(mx_interrupt_bind(irq4, port, 44n, 0), MX_OK);
    const t4 = vhal.now();
    vhal.raise(4);
    vhal.advance(5n);
    const t3 = vhal.now();
    vhal.raise(3);
    vhal.pump();
    assert.deepEqual(inPrefix(index), [0, 2]);
    assert.deepEqual(drain(port), [`irq 44 @${t4}`, `irq 33 @${t3}`], "in the order the ring held them");
    assert.equal(mx_interrupt_ack(irq4), MX_OK);
    fire(3);
    const a4 = fire(4);
    assert.deepEqual(drain(port), [`irq 44 @${a4}`], "only the acknowledged object queued");
    assert.equal(mx_interrupt_ack(irq3), MX_OK);
    const b3 = fire(3);
    assert.deepEqual(drain(port), [`irq 33 @${b3}`]);
  });

  it("a port that got no data-plane index (none left): every record goes through the control plane, in order", () => {
    const taken = takeAllPorts();
    takenPorts.push(...taken);
    const port = newPort();
    assert.equal(dp.portCreate({ head: null, waiters: { head: null }, dead: false }), -1, "the port took no index");
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, port, 6n, 0), MX_OK);
    assert.equal(mx_port_queue(port, user(1n), 0), MX_OK);
    const at = fire(3);
    fire(3);
    assert.equal(mx_port_queue(port, user(2n), 0), MX_OK);
    assert.deepEqual(drain(port), ["user 1", `irq 6 @${at}`, "user 2"], "the second record dropped (pending)");
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    const again = fire(3);
    assert.deepEqual(drain(port), [`irq 6 @${again}`]);
    assert.equal(mx_handle_close(irq), MX_OK);
  });

  it("more bound objects than the data plane has bindings: the rest go through the control plane, all in drain order", () => {
    const vectors = Array.from({ length: 24 }, (_, i) => i);
    vhal = new VirtualHal({ vectors, ringSize: 32, start: START });
    kernel_set_hal(vhal);
    const { handle: port, index } = kernelPort();
    for (const v of vectors) assert.equal(mx_interrupt_bind(newInterrupt(v), port, BigInt(1000 + v), 0), MX_OK, `vector ${v}`);
    const order = [5, 23, 0, 17, 16, 9, 22, 1, 15, 2, 20, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 18, 19, 21];
    const stamps = order.map((v) => {
      vhal.advance(7n);
      assert.equal(vhal.raise(v), true);
      return vhal.now();
    });
    vhal.pump();
    const [users, all] = inPrefix(index);
    assert.equal(users, 0);
    assert.ok(all > 0 && all < order.length, `some in the prefix (${all}), the rest behind it`);
    assert.deepEqual(drain(port), order.map((v, i) => `irq ${1000 + v} @${stamps[i]}`));
  });

  it("closing the interrupt object takes its packet back, from the prefix or from the suffix; the line is masked", () => {
    // From the prefix: between two user packets.
    const a = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, a.handle, 1n, 0), MX_OK);
    assert.equal(mx_port_queue(a.handle, user(1n), 0), MX_OK);
    fire(3);
    assert.equal(mx_port_queue(a.handle, user(2n), 0), MX_OK);
    assert.deepEqual(inPrefix(a.index), [2, 3]);
    assert.equal(mx_handle_close(irq), MX_OK);
    assert.deepEqual(inPrefix(a.index), [2, 2], "gone from the prefix");
    assert.equal(vhal.isEnabled(3), false);
    assert.equal(vhal.raise(3), false, "masked");
    assert.deepEqual(kernel_check(), []);
    assert.deepEqual(drain(a.handle), ["user 1", "user 2"]);
    // From the suffix: behind a signal packet.
    const b = kernelPort();
    const irq2 = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq2, b.handle, 2n, 0), MX_OK);
    const e = { value: 0 };
    assert.equal(mx_event_create(0, e), MX_OK);
    h(e.value);
    assert.equal(mx_object_wait_async(e.value, b.handle, 1000n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(e.value, 0, MX_USER_SIGNAL_0), MX_OK);
    fire(3);
    assert.equal(mx_port_queue(b.handle, user(3n), 0), MX_OK);
    assert.deepEqual(inPrefix(b.index), [0, 0], "everything in the suffix");
    assert.equal(mx_handle_close(irq2), MX_OK);
    assert.deepEqual(drain(b.handle), ["signal 1000", "user 3"]);
    // A new object for the line binds and delivers as the first did.
    const irq3 = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq3, a.handle, 3n, 0), MX_OK);
    const at = fire(3);
    assert.deepEqual(inPrefix(a.index), [0, 1]);
    assert.deepEqual(drain(a.handle), [`irq 3 @${at}`]);
  });

  it("closing the port while bound: its packets go; records are dropped, and a new port with its index gets nothing from the binding", () => {
    const first = kernelPort();
    const irq = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq, first.handle, 1n, 0), MX_OK);
    assert.equal(mx_port_queue(first.handle, user(1n), 0), MX_OK);
    fire(3);
    assert.deepEqual(inPrefix(first.index), [1, 2]);
    assert.equal(mx_handle_close(first.handle), MX_OK);
    assert.deepEqual(kernel_check(), []);
    fire(3);
    assert.equal(mx_interrupt_ack(irq), MX_OK, "the object is still bound to the dead port");
    fire(3);
    assert.deepEqual(kernel_check(), []);
    // The data-plane index the dead port had, now another port's: the old binding must not reach it.
    const second = kernelPort(first.index);
    assert.equal(second.index, first.index);
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    fire(3);
    assert.deepEqual(inPrefix(second.index), [0, 0], "nothing arrived in the new port's prefix");
    assert.deepEqual(drain(second.handle), [], "nor anywhere in the new port");
    assert.equal(mx_port_queue(second.handle, user(2n), 0), MX_OK);
    assert.deepEqual(drain(second.handle), ["user 2"]);
    assert.equal(mx_handle_close(irq), MX_OK, "closing the object bound to a dead port");
    assert.equal(vhal.isEnabled(3), false);
    assert.equal(mx_handle_close(first.handle), MX_ERR_BAD_HANDLE);
    // The line is free for a new object and a new port.
    const irq2 = newInterrupt(3);
    assert.equal(mx_interrupt_bind(irq2, second.handle, 2n, 0), MX_OK);
    const at = fire(3);
    assert.deepEqual(drain(second.handle), [`irq 2 @${at}`]);
  });
});
