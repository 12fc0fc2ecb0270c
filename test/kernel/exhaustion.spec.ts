/*
 * Exhaustion, nothing lost: every limit the kernel has answers with its documented status (MX_ERR_NO_MEMORY, the
 * status Magenta gave for a failed allocation), changes nothing, leaves the kernel consistent (kernel_check), and
 * the program goes on once room is made. Also: many waits and deadlines pending at once all end, in deadline order.
 * (The XS heap itself running out inside a syscall is fatal by design: test/node/runtime.spec.ts.)
 */
import assert from "node:assert/strict";
import {
  awaitable,
  kernel_check,
  kernel_configure,
  kernel_limits,
  kernel_stats,
  mx_channel_call,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_event_create,
  mx_eventpair_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_handle_replace,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  mx_timer_create,
  mx_timer_start,
  mx_time_get,
  type KernelLimits,
  MX_CHANNEL_READABLE,
  MX_CLOCK_MONOTONIC,
  MX_ERR_NO_MEMORY,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_MSEC,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PORT_OPT_V2,
  MX_RIGHT_SAME_RIGHTS,
  MX_TIMER_SIGNALED,
  MX_USER_SIGNAL_0,
  MX_USEC,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";
import { newChannel, newEvent, newPort, roomFor, track, useHandles } from "./helpers.ts";

function consistent(): void {
  assert.deepEqual(kernel_check(), [], "kernel_check found the kernel inconsistent");
}

describe("exhaustion: every limit answers, nothing is lost, the program goes on", () => {
  useHandles();
  let saved: KernelLimits;
  beforeEach(() => {
    saved = kernel_limits();
    consistent();
  });
  afterEach(() => {
    assert.equal(kernel_configure(saved), MX_OK);
    consistent();
  });

  it("a full handle table: every call that makes a handle says NO_MEMORY and makes nothing", () => {
    const e = newEvent();
    const [c0] = newChannel();
    assert.equal(kernel_configure({ maxHandles: kernel_stats().handles + 1 }), MX_OK);
    const last = { value: 0 };
    assert.equal(mx_event_create(0, last), MX_OK);
    track(last.value);
    const before = kernel_stats().handles;
    const out = { value: 0 };
    const out1 = { value: 0 };
    assert.equal(mx_event_create(0, out), MX_ERR_NO_MEMORY);
    assert.equal(mx_port_create(MX_PORT_OPT_V2, out), MX_ERR_NO_MEMORY);
    assert.equal(mx_timer_create(0, MX_CLOCK_MONOTONIC, out), MX_ERR_NO_MEMORY);
    assert.equal(mx_channel_create(0, out, out1), MX_ERR_NO_MEMORY);
    assert.equal(mx_eventpair_create(0, out, out1), MX_ERR_NO_MEMORY);
    assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, out), MX_ERR_NO_MEMORY);
    assert.deepEqual([out.value, out1.value], [0, 0], "no out-parameter written");
    assert.equal(kernel_stats().handles, before);
    // Calls that make no new handle still work when the table is full: a replace, a channel write.
    const moved = { value: 0 };
    assert.equal(mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS, moved), MX_OK);
    track(moved.value);
    consistent();
    assert.equal(mx_handle_close(last.value), MX_OK);
    assert.equal(mx_handle_duplicate(moved.value, MX_RIGHT_SAME_RIGHTS, out), MX_OK, "room again after a close");
    track(out.value);
    assert.equal(mx_channel_write(c0, 0, null, 0, null, 0), MX_OK);
    consistent();
  });

  it("one handle of room is not enough for a pair: channel_create and eventpair_create make neither end", () => {
    assert.equal(kernel_configure({ maxHandles: kernel_stats().handles + 1 }), MX_OK);
    const before = kernel_stats().handles;
    const a = { value: 0 };
    const b = { value: 0 };
    assert.equal(mx_channel_create(0, a, b), MX_ERR_NO_MEMORY);
    assert.equal(mx_eventpair_create(0, a, b), MX_ERR_NO_MEMORY);
    assert.equal(kernel_stats().handles, before);
    consistent();
  });

  it("a full port queue: the next user packet is refused, signal packets still arrive, and waits drain it", () => {
    const port = newPort();
    const e = newEvent();
    assert.equal(kernel_configure({ maxPacketsPerPort: 3 }), MX_OK);
    const p = new mx_port_packet_t();
    for (let i = 0; i < 3; i++) {
      p.key = BigInt(i);
      assert.equal(mx_port_queue(port, p, 0), MX_OK);
    }
    p.key = 99n;
    assert.equal(mx_port_queue(port, p, 0), MX_ERR_NO_MEMORY);
    // Kernel-owned packets (an observer's own packet) do not count against the limit: a full queue loses no signal.
    assert.equal(mx_object_wait_async(e, port, 7n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    consistent();
    const got = new mx_port_packet_t();
    const keys: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
      keys.push(got.key);
    }
    assert.deepEqual(keys, [0n, 1n, 2n, 7n]);
    assert.equal(got.type, MX_PKT_TYPE_SIGNAL_ONE);
    assert.equal(mx_port_wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
    assert.equal(mx_port_queue(port, p, 0), MX_OK, "room again");
    consistent();
  });

  it("a full channel queue: the write is refused and its handles stay with the writer; a read makes room", () => {
    const [a, b] = newChannel();
    const e = newEvent();
    assert.equal(kernel_configure({ maxMessagesPerChannel: 2 }), MX_OK);
    assert.equal(mx_channel_write(a, 0, new Uint8Array([1]), 1, null, 0), MX_OK);
    assert.equal(mx_channel_write(a, 0, new Uint8Array([2]), 1, null, 0), MX_OK);
    assert.equal(mx_channel_write(a, 0, new Uint8Array([3]), 1, [e], 1), MX_ERR_NO_MEMORY);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK, "the handle is still the writer's");
    const call = { wr_bytes: new Uint8Array(4), wr_handles: null, rd_bytes: null, rd_handles: null, wr_num_bytes: 4, wr_num_handles: 0, rd_num_bytes: 0, rd_num_handles: 0 };
    assert.equal(mx_channel_call(a, 0, 0n, call, { value: 0 }, { value: 0 }, null), MX_ERR_NO_MEMORY, "a call's request too");
    consistent();
    const buf = new Uint8Array(1);
    assert.equal(mx_channel_read(b, 0, buf, null, 1, 0, null, null), MX_OK);
    assert.equal(buf[0], 1);
    assert.equal(mx_channel_write(a, 0, new Uint8Array([3]), 1, [e], 1), MX_OK, "room again");
    consistent();
  });

  it("many waits and deadlines pending at once all end, in deadline order, and leave nothing behind", async () => {
    // About 600 bytes of heap a wait (waiter, observer, promise, timer): 200 where there is room, else 40.
    const n = roomFor(192 * 1024) ? 200 : 40;
    const port = newPort();
    const events: number[] = [];
    const order: number[] = [];
    const waits: Promise<void>[] = [];
    // Deadlines armed in a scrambled order, each a distinct tenth of a millisecond after a margin that arming them
    // all takes less than (checked below); every third wait is a timer's signal.
    const started = mx_time_get(MX_CLOCK_MONOTONIC);
    const base = started + MX_MSEC(500);
    const step = MX_USEC(100);
    for (let i = 0; i < n; i++) {
      const slot = (i * 37) % n;
      const deadline = base + BigInt(slot) * step;
      if (i % 3 === 0) {
        const t = { value: 0 };
        assert.equal(mx_timer_create(0, MX_CLOCK_MONOTONIC, t), MX_OK);
        track(t.value);
        assert.equal(mx_timer_start(t.value, deadline, 0n, 0n), MX_OK);
        waits.push(awaitable.mx_object_wait_one(t.value, MX_TIMER_SIGNALED, MX_MSEC(100_000) + deadline, null).then((s) => {
          assert.equal(s, MX_OK);
          order.push(slot);
        }));
      } else {
        const e = newEvent();
        events.push(e);
        waits.push(awaitable.mx_object_wait_one(e, MX_CHANNEL_READABLE, deadline, null).then((s) => {
          assert.equal(s, MX_ERR_TIMED_OUT);
          order.push(slot);
        }));
      }
    }
    const p = new mx_port_packet_t();
    waits.push(awaitable.mx_port_wait(port, base + BigInt(n) * step, p, 0).then((s) => assert.equal(s, MX_ERR_TIMED_OUT)));
    consistent();
    const armed = mx_time_get(MX_CLOCK_MONOTONIC);
    assert.ok(armed < base, `arming ${n} waits took ${(armed - started) / 1000n} us, more than the 500 ms margin`);
    await Promise.all(waits);
    assert.deepEqual(order, [...order].sort((x, y) => x - y), "ended in deadline order");
    assert.equal(order.length, n);
    consistent();
  });
});
