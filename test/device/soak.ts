/**
 * The soak: a long run of mixed operations on a board (ports, channels carrying handles, signals and async waits,
 * timers, waits with deadlines, channel calls, interrupts raised by the host), checking that nothing accumulates:
 * afterwards the handle count, the armed deadlines and the XS heap are back where they were after a warm-up, the
 * kernel is consistent, every interrupt asked for arrived, and the cost of an operation (instructions, as
 * nanoseconds under `qemu -icount shift=0`) is as flat at the end as at the start.
 *
 * `npm test` runs a short soak on every board (test/device/soak.spec.ts); `npm run soak` runs a long one and
 * prints the figures docs/reliability.md quotes. An operation is one syscall.
 */
import assert from "node:assert/strict";

import {
  awaitable,
  kernel_check,
  kernel_stats,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_deadline_after,
  mx_event_create,
  mx_handle_close,
  mx_interrupt_ack,
  mx_interrupt_bind,
  mx_interrupt_create,
  mx_object_signal,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  mx_time_get,
  mx_timer_cancel,
  mx_timer_create,
  mx_timer_start,
  MX_CLOCK_MONOTONIC,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PORT_OPT_V2,
  MX_SEC,
  MX_TIMER_SIGNALED,
  MX_USEC,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_1,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";
import { out } from "../kernel/helpers.ts";
import { heapBytes } from "./heap.ts";
import { askHost } from "./host.ts";

/** How often (in rounds) a round also waits with a deadline, makes a channel call, asks the host for an interrupt. */
const DEADLINE_EVERY = 16;
const CALL_EVERY = 64;
const INTERRUPT_EVERY = 500;
const SLICES = 10;


/** The objects a soak round works on, made once. */
class Rig {
  readonly port: number;
  readonly a: number;
  readonly b: number;
  readonly timer: number;
  readonly irq: number;
  readonly line = native.spareLines[native.spareLines.length - 1];
  readonly packet = new mx_port_packet_t();
  readonly got = new mx_port_packet_t();
  readonly bytes = new Uint8Array(16);
  readonly buf = new Uint8Array(16);
  readonly handles = [0];
  readonly observed = out();
  interruptsAsked = 0;
  interruptsSeen = 0;
  /** Time spent waiting for the host, left out of the cost per operation. */
  hostNs = 0n;

  constructor() {
    const p = out();
    const a = out();
    const b = out();
    const t = out();
    const i = out();
    assert.equal(mx_port_create(MX_PORT_OPT_V2, p), MX_OK);
    assert.equal(mx_channel_create(0, a, b), MX_OK);
    assert.equal(mx_timer_create(0, MX_CLOCK_MONOTONIC, t), MX_OK);
    assert.equal(mx_interrupt_create(0, this.line, i), MX_OK);
    this.port = p.value;
    this.a = a.value;
    this.b = b.value;
    this.timer = t.value;
    this.irq = i.value;
    assert.equal(mx_interrupt_bind(this.irq, this.port, 0x1eeen, 0), MX_OK);
  }

  close(): void {
    for (const h of [this.irq, this.timer, this.a, this.b, this.port]) assert.equal(mx_handle_close(h), MX_OK);
  }

  /** One round; returns how many syscalls it made. */
  async round(r: number): Promise<number> {
    let ops = 13;
    this.packet.key = BigInt(r);
    assert.equal(mx_port_queue(this.port, this.packet, 0), MX_OK);
    assert.equal(mx_port_wait(this.port, 0n, this.got, 0), MX_OK);
    assert.equal(this.got.key, BigInt(r));
    const e = out();
    assert.equal(mx_event_create(0, e), MX_OK);
    this.bytes[0] = r & 0xff;
    assert.equal(mx_channel_write(this.a, 0, this.bytes, 16, [e.value], 1), MX_OK);
    assert.equal(mx_channel_read(this.b, 0, this.buf, this.handles, 16, 1, null, null), MX_OK);
    assert.equal(this.buf[0], r & 0xff);
    const h = this.handles[0];
    assert.equal(mx_object_signal(h, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(mx_object_wait_one(h, MX_USER_SIGNAL_0, 0n, this.observed), MX_OK);
    assert.equal(mx_object_wait_async(h, this.port, 7n, MX_USER_SIGNAL_1, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(h, 0, MX_USER_SIGNAL_1), MX_OK);
    assert.equal(mx_port_wait(this.port, 0n, this.got, 0), MX_OK);
    assert.equal(this.got.type, MX_PKT_TYPE_SIGNAL_ONE);
    assert.equal(mx_handle_close(h), MX_OK);
    assert.equal(mx_timer_start(this.timer, mx_time_get(MX_CLOCK_MONOTONIC) + MX_SEC(1), 0n, 0n), MX_OK);
    assert.equal(mx_timer_cancel(this.timer), MX_OK);
    if (r % DEADLINE_EVERY === 0) {
      ops += 2;
      const status = await awaitable.mx_object_wait_one(this.timer, MX_TIMER_SIGNALED, mx_deadline_after(MX_USEC(50)), null);
      assert.equal(status, MX_ERR_TIMED_OUT);
    }
    if (r % CALL_EVERY === 0) ops += await this.call(r);
    if (r % INTERRUPT_EVERY === 0) ops += this.interrupt();
    return ops;
  }

  /** A channel call answered by the other end: the call, the server's read and its reply. */
  private async call(r: number): Promise<number> {
    const request = new Uint8Array(8);
    request[0] = r & 0xff;
    request[4] = 1;
    const reply = new Uint8Array(8);
    const args = { wr_bytes: request, wr_handles: null, rd_bytes: reply, rd_handles: null, wr_num_bytes: 8, wr_num_handles: 0, rd_num_bytes: 8, rd_num_handles: 0 };
    const calling = awaitable.mx_channel_call(this.a, 0, mx_deadline_after(MX_SEC(1)), args, out(), out(), null);
    const served = new Uint8Array(8);
    assert.equal(mx_channel_read(this.b, 0, served, null, 8, 0, null, null), MX_OK);
    served[4] = 2;
    assert.equal(mx_channel_write(this.b, 0, served, 8, null, 0), MX_OK);
    assert.equal(await calling, MX_OK);
    assert.deepEqual([reply[0], reply[4]], [r & 0xff, 2]);
    return 3;
  }

  /** The host raises the spare line; its packet is waiting when the answer comes; the ack re-arms it. */
  private interrupt(): number {
    const before = native.now();
    assert.ok(askHost({ op: "irq", lines: [this.line] }));
    this.hostNs += native.now() - before;
    this.interruptsAsked++;
    assert.equal(mx_port_wait(this.port, 0n, this.got, 0), MX_OK);
    assert.equal(this.got.type, MX_PKT_TYPE_INTERRUPT);
    this.interruptsSeen++;
    assert.equal(mx_interrupt_ack(this.irq), MX_OK);
    return 2;
  }
}

/** Defines the soak as one mocha test of `ops` operations (rounded up to whole rounds). */
export function defineSoak(ops: number): void {
  describe(`soak: ${ops.toLocaleString("en-US")} mixed operations`, () => {
    it("handles, deadlines and the heap return to their baseline; the cost per operation stays flat", async function () {
      this.timeout(0);
      // Earlier tests in the same firmware leave deadlines armed for a while (the runner's timeout of each test):
      // let them pass first, so the baseline is the soak's own. Sleeping costs nothing under -icount sleep=off.
      for (let i = 0; i < 60 && kernel_stats().deadlines > 0; i++) await awaitable.mx_nanosleep(mx_deadline_after(MX_SEC(1)));
      const before = kernel_stats();
      const rig = new Rig();
      let r = 1;
      // Warm-up: the pools, the waiter reuse and the heap reach their working size.
      for (let done = 0; done < Math.min(2000, ops / 10); r++) done += await rig.round(r);
      const heapAfterWarmup = heapBytes();
      const perOp: number[] = [];
      let total = 0;
      for (let slice = 0; slice < SLICES; slice++) {
        const started = native.now();
        rig.hostNs = 0n;
        let done = 0;
        while (done < ops / SLICES) done += await rig.round(r++);
        total += done;
        perOp.push(Number(native.now() - started - rig.hostNs) / done);
        assert.deepEqual(kernel_check(), [], `after slice ${slice}`);
      }
      rig.close();
      const after = kernel_stats();
      const heapAtEnd = heapBytes();
      const firstHalf = perOp.slice(0, SLICES / 2).reduce((x, y) => x + y) / (SLICES / 2);
      const secondHalf = perOp.slice(SLICES / 2).reduce((x, y) => x + y) / (SLICES / 2);
      console.log(
        `soak: ${total} operations in ${r} rounds on ${native.board}; instructions per operation by tenth: ${perOp.map((x) => x.toFixed(0)).join(" ")}; ` +
          `heap after warm-up ${heapAfterWarmup} B, at the end ${heapAtEnd} B; handles ${before.handles} -> ${after.handles}; deadlines ${before.deadlines} -> ${after.deadlines}; ` +
          `interrupts ${rig.interruptsSeen}/${rig.interruptsAsked}`,
      );
      assert.equal(after.handles, before.handles, "handle count back to baseline");
      assert.equal(after.deadlines, before.deadlines, "armed deadlines back to baseline");
      assert.equal(rig.interruptsSeen, rig.interruptsAsked, "every interrupt asked for arrived");
      assert.ok(heapAtEnd <= heapAfterWarmup + 16 * 1024, `the heap grew from ${heapAfterWarmup} B to ${heapAtEnd} B`);
      assert.ok(secondHalf <= firstHalf * 1.15, `the cost per operation rose from ${firstHalf.toFixed(0)} to ${secondHalf.toFixed(0)}`);
    });
  });
}
