/**
 * A friendlier layer over the syscalls: `Port`, `Channel`, `Event` and `Timer` classes that own their handles,
 * throw `MxError` instead of returning status codes, and wait with promises.
 *
 * It is built only on the public syscalls (nothing here reaches into kernel internals), so it behaves exactly as
 * code written against the C-style API would, and it can serve as a worked example of that API.
 */
import {
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_SHOULD_WAIT,
  MX_OK,
  MX_PORT_OPT_V2,
  MX_TIME_INFINITE,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "./constants.ts";
import { awaitable } from "./awaitable.ts";
import { mx_port_packet_t } from "./packet.ts";
import { mx_channel_create, mx_channel_read, mx_channel_write } from "./syscalls_channel.ts";
import { mx_event_create } from "./syscalls_event.ts";
import { mx_handle_close } from "./syscalls_handle.ts";
import { mx_object_signal } from "./syscalls_object.ts";
import { mx_object_wait_async, mx_port_cancel, mx_port_create, mx_port_queue } from "./syscalls_port.ts";
import { mx_timer_cancel, mx_timer_create, mx_timer_start } from "./syscalls_timer.ts";
import type { mx_handle_t, mx_status_t } from "./types.ts";

/** A failed syscall: `status` is the MX_ERR_* code. */
export class MxError extends Error {
  constructor(
    readonly status: mx_status_t,
    op: string,
  ) {
    super(`${op} failed: ${status}`);
    // Defined, not assigned: the device locks the intrinsics down, and assigning a property that a frozen prototype
    // has (Error.prototype.name) throws.
    Object.defineProperty(this, "name", { value: "MxError", writable: true, enumerable: false, configurable: true });
  }
}

function check(status: mx_status_t, op: string): void {
  if (status !== MX_OK) throw new MxError(status, op);
}

function newHandle(create: (out: { value: number }) => mx_status_t, op: string): mx_handle_t {
  const out = { value: 0 };
  check(create(out), op);
  return out.value;
}

/** Anything that owns one handle. */
export class KernelObject {
  constructor(public handle: mx_handle_t) {}

  /** Waits until any of `signals` is asserted; resolves to the observed signals. */
  async wait(signals: number, deadline: bigint = MX_TIME_INFINITE): Promise<number> {
    const observed = { value: 0 };
    check(await awaitable.mx_object_wait_one(this.handle, signals, deadline, observed), "wait");
    return observed.value;
  }

  /** Closes the handle (idempotent). */
  close(): void {
    if (this.handle !== 0) mx_handle_close(this.handle);
    this.handle = 0;
  }
}

/**
 * A V2 port.
 *
 *   const port = Port.create();
 *   port.watch(event, MX_EVENT_SIGNALED, 1n);   // a signal packet with key 1 when the event fires
 *   port.queue(2n);                            // a user packet with key 2
 *   const packet = await port.receive();       // FIFO: key 2 unless the event fired first
 */
export class Port extends KernelObject {
  static create(): Port {
    return new Port(newHandle((o) => mx_port_create(MX_PORT_OPT_V2, o), "port_create"));
  }

  /** Queues a user packet; `fill` may write the 32-byte user payload. */
  queue(key: bigint, fill?: (user: mx_port_packet_t["user"]) => void): void {
    const p = new mx_port_packet_t();
    p.key = key;
    if (fill !== undefined) fill(p.user);
    check(mx_port_queue(this.handle, p, 0), "port_queue");
  }

  /** The next packet (rejects with MX_ERR_TIMED_OUT at the deadline). */
  async receive(deadline: bigint = MX_TIME_INFINITE): Promise<mx_port_packet_t> {
    const p = new mx_port_packet_t();
    check(await awaitable.mx_port_wait(this.handle, deadline, p, 0), "port_wait");
    return p;
  }

  /** Asks for a signal packet with `key` when `object` asserts any of `signals`. */
  watch(object: KernelObject, signals: number, key: bigint, repeating = false): void {
    const options = repeating ? MX_WAIT_ASYNC_REPEATING : MX_WAIT_ASYNC_ONCE;
    check(mx_object_wait_async(object.handle, this.handle, key, signals, options), "object_wait_async");
  }

  /** Cancels `watch`es of `object` with `key` (and their queued packets); false if there were none. */
  unwatch(object: KernelObject, key: bigint): boolean {
    return mx_port_cancel(this.handle, object.handle, key) === MX_OK;
  }
}

/** A received channel message. */
export interface Message {
  bytes: Uint8Array;
  handles: mx_handle_t[];
}

/**
 * One end of a channel.
 *
 *   const [a, b] = Channel.pair();
 *   a.write(new TextEncoder().encode("hi"));
 *   const msg = await b.receive();             // { bytes, handles }
 */
export class Channel extends KernelObject {
  static pair(): [Channel, Channel] {
    const a = { value: 0 };
    const b = { value: 0 };
    check(mx_channel_create(0, a, b), "channel_create");
    return [new Channel(a.value), new Channel(b.value)];
  }

  /** Writes a message; the handles (or objects) move to the peer, and objects given here lose theirs. */
  write(bytes: Uint8Array, handles: (mx_handle_t | KernelObject)[] = []): void {
    const values = handles.map((h) => (typeof h === "number" ? h : h.handle));
    check(mx_channel_write(this.handle, 0, bytes, bytes.length, values, values.length), "channel_write");
    for (const h of handles) if (typeof h !== "number") h.handle = 0;
  }

  /** The next message if one is queued, else null (throws MX_ERR_PEER_CLOSED when the peer is gone). */
  read(): Message | null {
    const nb = { value: 0 };
    const nh = { value: 0 };
    const probe = mx_channel_read(this.handle, 0, null, null, 0, 0, nb, nh);
    if (probe === MX_ERR_SHOULD_WAIT) return null;
    if (probe !== MX_OK && probe !== MX_ERR_BUFFER_TOO_SMALL) throw new MxError(probe, "channel_read");
    const bytes = new Uint8Array(nb.value);
    const handles: mx_handle_t[] = new Array(nh.value).fill(0);
    if (probe === MX_ERR_BUFFER_TOO_SMALL) {
      check(mx_channel_read(this.handle, 0, bytes, handles, nb.value, nh.value, null, null), "channel_read");
    }
    return { bytes, handles };
  }

  /** Waits for the next message (rejects with MX_ERR_PEER_CLOSED once the peer is gone and the queue is empty). */
  async receive(deadline: bigint = MX_TIME_INFINITE): Promise<Message> {
    for (;;) {
      const m = this.read();
      if (m !== null) return m;
      await this.wait(MX_CHANNEL_READABLE | MX_CHANNEL_PEER_CLOSED, deadline);
    }
  }
}

/**
 * An event.
 *
 *   const e = Event.create();
 *   const done = e.wait(MX_EVENT_SIGNALED);    // resolves to the observed signals
 *   e.signal(MX_EVENT_SIGNALED);
 *   await done;
 */
export class Event extends KernelObject {
  static create(): Event {
    return new Event(newHandle((o) => mx_event_create(0, o), "event_create"));
  }

  signal(set: number, clear = 0): void {
    check(mx_object_signal(this.handle, clear, set), "object_signal");
  }
}

/**
 * A timer (June 2017 API: one-shot, or periodic when `period` is nonzero).
 *
 *   const t = Timer.create();
 *   t.start(mx_deadline_after(MX_MSEC(10)));
 *   await t.wait(MX_TIMER_SIGNALED);
 */
export class Timer extends KernelObject {
  static create(): Timer {
    return new Timer(newHandle((o) => mx_timer_create(0, 0, o), "timer_create"));
  }

  start(deadline: bigint, period = 0n): void {
    check(mx_timer_start(this.handle, deadline, period, 0n), "timer_start");
  }

  cancel(): void {
    check(mx_timer_cancel(this.handle), "timer_cancel");
  }
}
