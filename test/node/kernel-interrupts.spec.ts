/**
 * Interrupt objects on the virtual HAL's simulated interrupt lines (Node only).
 */
import assert from "node:assert/strict";
import type { Hal } from "../../hal/hal.ts";
import { VirtualHal } from "../../hal/host.ts";
import {
  awaitable,
  kernel_set_hal,
  kernel_stats,
  mx_event_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_interrupt_ack,
  mx_interrupt_bind,
  mx_interrupt_create,
  mx_port_create,
  mx_port_packet_t,
  mx_port_wait,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_ALREADY_BOUND,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BAD_STATE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
  MX_PORT_OPT_V1,
  MX_PORT_OPT_V2,
  MX_RIGHT_READ,
  MX_TIME_INFINITE,
} from "../../kernel/index.ts";

describe("interrupt objects (virtual HAL)", () => {
  let vhal: VirtualHal;
  let previous: Hal;
  const open: number[] = [];
  const h = (v: number) => (open.push(v), v);

  beforeEach(() => {
    vhal = new VirtualHal({ vectors: [3, 4], ringSize: 2 });
    previous = kernel_set_hal(vhal);
  });
  afterEach(() => {
    for (const v of open) mx_handle_close(v);
    open.length = 0;
    kernel_set_hal(previous);
  });

  function make(kind: "port" | "v1" | "irq3" | "irq4"): number {
    const o = { value: 0 };
    if (kind === "port") assert.equal(mx_port_create(MX_PORT_OPT_V2, o), MX_OK);
    else if (kind === "v1") assert.equal(mx_port_create(MX_PORT_OPT_V1, o), MX_OK);
    else assert.equal(mx_interrupt_create(0, kind === "irq3" ? 3 : 4, o), MX_OK);
    return h(o.value);
  }

  it("create: bad options, unavailable vectors, a missing out are INVALID_ARGS; one object per vector", () => {
    const o = { value: 0 };
    assert.equal(mx_interrupt_create(1, 3, o), MX_ERR_INVALID_ARGS);
    assert.equal(mx_interrupt_create(0, 5, o), MX_ERR_INVALID_ARGS);
    assert.equal(mx_interrupt_create(0, -1, o), MX_ERR_INVALID_ARGS);
    assert.equal(mx_interrupt_create(0, 3, null as never), MX_ERR_INVALID_ARGS);
    make("irq3");
    assert.equal(mx_interrupt_create(0, 3, o), MX_ERR_ALREADY_BOUND);
  });

  it("bind: errors in order, then ALREADY_BOUND for a second bind; the line is unmasked", () => {
    const irq = make("irq3");
    const port = make("port");
    assert.equal(mx_interrupt_bind(0, port, 1n, 0), MX_ERR_BAD_HANDLE);
    assert.equal(mx_interrupt_bind(port, port, 1n, 0), MX_ERR_WRONG_TYPE);
    assert.equal(mx_interrupt_bind(irq, make("v1"), 1n, 0), MX_ERR_WRONG_TYPE);
    const ro = { value: 0 };
    assert.equal(mx_handle_duplicate(port, MX_RIGHT_READ, ro), MX_OK);
    assert.equal(mx_interrupt_bind(irq, h(ro.value), 1n, 0), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_interrupt_bind(irq, port, 1n, 1), MX_ERR_INVALID_ARGS);
    assert.equal(mx_interrupt_ack(irq), MX_ERR_BAD_STATE);
    assert.equal(vhal.isEnabled(3), false);
    assert.equal(mx_interrupt_bind(irq, port, 1n, 0), MX_OK);
    assert.equal(vhal.isEnabled(3), true);
    assert.equal(mx_interrupt_bind(irq, port, 1n, 0), MX_ERR_ALREADY_BOUND);
  });

  it("queues one packet with key, type INTERRUPT and the handler's timestamp; at most one until ack", () => {
    const irq = make("irq3");
    const port = make("port");
    assert.equal(mx_interrupt_bind(irq, port, 0xabcn, 0), MX_OK);
    vhal.advance(1234n);
    const stamp = vhal.now();
    vhal.raise(3);
    vhal.advance(10n);
    vhal.raise(3);
    vhal.pump();
    const p = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK);
    assert.equal(p.key, 0xabcn);
    assert.equal(p.type, MX_PKT_TYPE_INTERRUPT);
    assert.equal(p.status, MX_OK);
    assert.equal(p.interrupt.timestamp, stamp);
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_ERR_TIMED_OUT);
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    assert.deepStrictEqual(vhal.acks, [3]);
    vhal.raise(3);
    // syscall entry drains interrupt records too
    assert.equal(mx_port_wait(port, 0n, p, 0), MX_OK);
    assert.equal(p.interrupt.timestamp, vhal.now());
  });

  it("an interrupt wakes a synchronous wait and an awaitable one", async () => {
    const irq = make("irq4");
    const port = make("port");
    assert.equal(mx_interrupt_bind(irq, port, 4n, 0), MX_OK);
    const p = new mx_port_packet_t();
    const w = awaitable.mx_port_wait(port, MX_TIME_INFINITE, p, 0);
    vhal.raise(4);
    vhal.pump();
    assert.equal(await w, MX_OK);
    assert.equal(p.key, 4n);
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    vhal.raise(4);
    assert.equal(mx_port_wait(port, MX_TIME_INFINITE, p, 0), MX_OK);
  });

  it("a setter that starts a port wait while a synchronous wait on that port ends does not take its waiter", async () => {
    // The synchronous wait gets an interrupt packet and, in the same service pass, an object wait times out; its
    // `observed` setter starts an awaited wait on the same port. The port must not hand it the first wait's waiter
    // before that caller has read its status.
    const raising = Object.assign(vhal, {
      idle(this: VirtualHal): void {
        VirtualHal.prototype.idle.call(this);
        this.raise(3);
      },
    });
    const port = make("port");
    const irq = make("irq3");
    assert.equal(mx_interrupt_bind(irq, port, 9n, 0), MX_OK);
    const e = { value: 0 };
    assert.equal(mx_event_create(0, e), MX_OK);
    h(e.value);
    let started: Promise<number> | null = null;
    const observed = {
      set value(_v: number) {
        started = awaitable.mx_port_wait(port, MX_TIME_INFINITE, new mx_port_packet_t(), 0);
      },
    } as { value: number };
    const timedOut = awaitable.mx_object_wait_one(e.value, MX_EVENT_SIGNALED, raising.now() + 1_000n, observed);
    const packet = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, MX_TIME_INFINITE, packet, 0), MX_OK);
    assert.equal(packet.type, MX_PKT_TYPE_INTERRUPT);
    assert.equal(await timedOut, MX_ERR_TIMED_OUT);
    assert.ok(started !== null, "the setter ran during the synchronous wait");
    assert.equal(mx_interrupt_ack(irq), MX_OK);
    raising.raise(3);
    raising.pump();
    assert.equal(await started, MX_OK, "the wait the setter started got the next interrupt");
  });

  it("ring overflow is counted; closing the last handle masks the line and drops its queued packet", () => {
    const irq = make("irq3");
    const port = make("port");
    assert.equal(mx_interrupt_bind(irq, port, 1n, 0), MX_OK);
    const lost = kernel_stats().interruptsLost;
    for (let i = 0; i < 5; i++) vhal.raise(3);
    vhal.pump();
    assert.equal(kernel_stats().interruptsLost, lost + 3);
    assert.equal(mx_handle_close(irq), MX_OK);
    assert.equal(vhal.isEnabled(3), false);
    assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
    assert.equal(vhal.raise(3), false);
    const o = { value: 0 };
    assert.equal(mx_interrupt_create(0, 3, o), MX_OK);
    h(o.value);
  });

  it("interrupt objects are not waitable and cannot be signalled", () => {
    const irq = make("irq3");
    const e = { value: 0 };
    assert.equal(mx_event_create(0, e), MX_OK);
    h(e.value);
    assert.equal(mx_interrupt_ack(e.value), MX_ERR_WRONG_TYPE);
    assert.equal(mx_interrupt_bind(e.value, make("port"), 0n, 0), MX_ERR_WRONG_TYPE);
    assert.equal(mx_interrupt_ack(irq), MX_ERR_BAD_STATE);
  });
});
