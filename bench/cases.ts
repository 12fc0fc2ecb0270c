/**
 * The benchmark operations, written once against the kernel's public API and run both on the device (instructions
 * per operation) and on Node (operations per second). Names are the results format's (bench/README.md).
 *
 * Each loop body is the operation and nothing else: statuses are not checked inside the timed loop (each case's
 * `check` runs one checked iteration before and after timing instead), buffers and out-parameters are made once,
 * and deadlines are 0 for calls that find their packet or message already there, as FreeRTOS's "timeout 0" peers.
 */
import {
  awaitable,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_event_create,
  mx_handle_close,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_ERR_SHOULD_WAIT,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_REP,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V2,
  MX_TIME_INFINITE,
  MX_WAIT_ASYNC_REPEATING,
} from "../kernel/index.ts";
import type { Case, Loop } from "./harness.ts";
import { processCases } from "./process_cases.ts";

export function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench: ${what}`);
}

export function ok(status: number, what: string): void {
  if (status !== MX_OK) throw new Error(`bench: ${what} returned ${status}`);
}

function handle(create: (out: { value: number }) => number, what: string): number {
  const out = { value: 0 };
  ok(create(out), what);
  return out.value;
}

export function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function channelPair(): [number, number] {
  const a = { value: 0 };
  const b = { value: 0 };
  ok(mx_channel_create(0, a, b), "channel_create");
  return [a.value, b.value];
}

export function closeAll(...handles: number[]): void {
  for (const h of handles) ok(mx_handle_close(h), "handle_close");
}

function portV2(): Loop {
  const port = handle((o) => mx_port_create(MX_PORT_OPT_V2, o), "port_create");
  const packet = new mx_port_packet_t();
  packet.bytes.set(pattern(48));
  const received = new mx_port_packet_t();
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        mx_port_queue(port, packet, 0);
        mx_port_wait(port, 0n, received, 0);
      }
    },
    check() {
      received.bytes.fill(0);
      ok(mx_port_queue(port, packet, 0), "port_queue");
      ok(mx_port_wait(port, 0n, received, 0), "port_wait");
      expect(received.type === MX_PKT_TYPE_USER && sameBytes(received.bytes.subarray(16), packet.bytes.subarray(16), 32), "V2 packet intact");
      expect(mx_port_wait(port, 0n, received, 0) === MX_ERR_TIMED_OUT, "port empty after the round trip");
    },
    teardown: () => closeAll(port),
  };
}

function portV1(size: number): Loop {
  const port = handle((o) => mx_port_create(0, o), "port_create V1");
  const packet = pattern(size);
  const received = new Uint8Array(size);
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        mx_port_queue(port, packet, size);
        mx_port_wait(port, 0n, received, size);
      }
    },
    check() {
      received.fill(0);
      ok(mx_port_queue(port, packet, size), "port_queue V1");
      ok(mx_port_wait(port, 0n, received, size), "port_wait V1");
      expect(sameBytes(received.subarray(16), packet.subarray(16), size - 16), "V1 payload intact");
    },
    teardown: () => closeAll(port),
  };
}

/** The reading end of a channel round trip: process 0's own end, or another process's (process_cases.ts). */
export interface Reader {
  read: typeof mx_channel_read;
  end: number;
  teardown(): void | Promise<void>;
}

/** `size` bytes written by process 0 on `a` and read back by `reader`. */
export function channel(size: number, a?: number, reader?: Reader): Loop {
  let b = 0;
  if (a === undefined) [a, b] = channelPair();
  const writer = a;
  const { read, end, teardown } = reader ?? { read: mx_channel_read, end: b, teardown: () => closeAll(writer, b) };
  const message = pattern(size);
  const received = new Uint8Array(size);
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        mx_channel_write(writer, 0, message, size, null, 0);
        read(end, 0, received, null, size, 0, null, null);
      }
    },
    check() {
      received.fill(0);
      ok(mx_channel_write(writer, 0, message, size, null, 0), "channel_write");
      const actual = { value: 0 };
      ok(read(end, 0, received, null, size, 0, actual, null), "channel_read");
      expect(actual.value === size && sameBytes(received, message, size), "message intact");
      expect(read(end, 0, received, null, size, 0, null, null) === MX_ERR_SHOULD_WAIT, "channel empty after the round trip");
    },
    teardown,
  };
}

/** The handle goes out in one message and comes back with a new value, which the next write sends again. */
function channelWithHandle(): Loop {
  const [a, b] = channelPair();
  const handles = [handle((o) => mx_event_create(0, o), "event_create")];
  const message = pattern(64);
  const received = new Uint8Array(64);
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        mx_channel_write(a, 0, message, 64, handles, 1);
        mx_channel_read(b, 0, received, handles, 64, 1, null, null);
      }
    },
    check() {
      const before = handles[0];
      ok(mx_channel_write(a, 0, message, 64, handles, 1), "channel_write with a handle");
      const count = { value: 0 };
      ok(mx_channel_read(b, 0, received, handles, 64, 1, null, count), "channel_read with a handle");
      expect(count.value === 1 && handles[0] !== before, "the handle arrived with a new value");
      ok(mx_object_signal(handles[0], 0, MX_EVENT_SIGNALED), "the received handle works");
      ok(mx_object_signal(handles[0], MX_EVENT_SIGNALED, 0), "the received handle works");
    },
    teardown: () => closeAll(a, b, handles[0]),
  };
}

/** A REPEATING observer queues one signal packet per rising edge; the clear re-arms it. */
function signalPacket(): Loop {
  const port = handle((o) => mx_port_create(MX_PORT_OPT_V2, o), "port_create");
  const event = handle((o) => mx_event_create(0, o), "event_create");
  ok(mx_object_wait_async(event, port, 7n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_REPEATING), "wait_async");
  const received = new mx_port_packet_t();
  return {
    run(n) {
      for (let i = 0; i < n; i++) {
        mx_object_signal(event, 0, MX_EVENT_SIGNALED);
        mx_port_wait(port, 0n, received, 0);
        mx_object_signal(event, MX_EVENT_SIGNALED, 0);
      }
    },
    check() {
      received.bytes.fill(0);
      ok(mx_object_signal(event, 0, MX_EVENT_SIGNALED), "object_signal set");
      ok(mx_port_wait(port, 0n, received, 0), "port_wait for the signal packet");
      expect(received.type === MX_PKT_TYPE_SIGNAL_REP && received.key === 7n, "a SIGNAL_REP packet with the key");
      expect((received.signal.observed & MX_EVENT_SIGNALED) !== 0, "observed has SIGNALED");
      ok(mx_object_signal(event, MX_EVENT_SIGNALED, 0), "object_signal clear");
    },
    teardown: () => closeAll(event, port),
  };
}

/**
 * Two tasks: the client awaits mx_channel_call with a 64-byte request; the server awaits READABLE, reads the
 * request and writes a 64-byte reply carrying the request's txid. One iteration is one whole call.
 */
function channelCall(): Loop {
  const [client, server] = channelPair();
  const request = pattern(64);
  const reply = new Uint8Array(64);
  const args = { wr_bytes: request, wr_handles: null, rd_bytes: reply, rd_handles: null, wr_num_bytes: 64, wr_num_handles: 0, rd_num_bytes: 64, rd_num_handles: 0 };
  const actualBytes = { value: 0 };
  const actualHandles = { value: 0 };
  const served = (async () => {
    const buffer = new Uint8Array(64);
    const observed = { value: 0 };
    for (;;) {
      await awaitable.mx_object_wait_one(server, MX_CHANNEL_READABLE | MX_CHANNEL_PEER_CLOSED, MX_TIME_INFINITE, observed);
      if (mx_channel_read(server, 0, buffer, null, 64, 0, null, null) !== MX_OK) return;
      buffer[4] = 0x5a;
      mx_channel_write(server, 0, buffer, 64, null, 0);
    }
  })();
  return {
    async run(n) {
      for (let i = 0; i < n; i++) await awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, actualBytes, actualHandles, null);
    },
    async check() {
      reply.fill(0);
      ok(await awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, actualBytes, actualHandles, null), "channel_call");
      expect(actualBytes.value === 64 && reply[4] === 0x5a && reply[0] === request[0], "the reply to this call");
    },
    async teardown() {
      closeAll(client);
      await served;
      closeAll(server);
    },
  };
}

/**
 * Ping-pong between two tasks over two V2 ports: each side queues a packet to the other and awaits its own port.
 * One iteration is two hand-offs ("queue in one task → the other task's awaited mx_port_wait returns with it").
 */
function taskHandoff(): Loop {
  const ping = handle((o) => mx_port_create(MX_PORT_OPT_V2, o), "port_create");
  const pong = handle((o) => mx_port_create(MX_PORT_OPT_V2, o), "port_create");
  const echoed = (async () => {
    const packet = new mx_port_packet_t();
    while ((await awaitable.mx_port_wait(ping, MX_TIME_INFINITE, packet, 0)) === MX_OK) mx_port_queue(pong, packet, 0);
  })();
  const packet = new mx_port_packet_t();
  const received = new mx_port_packet_t();
  return {
    async run(n) {
      for (let i = 0; i < n; i++) {
        mx_port_queue(ping, packet, 0);
        await awaitable.mx_port_wait(pong, MX_TIME_INFINITE, received, 0);
      }
    },
    async check() {
      packet.key = 99n;
      ok(mx_port_queue(ping, packet, 0), "port_queue ping");
      ok(await awaitable.mx_port_wait(pong, MX_TIME_INFINITE, received, 0), "port_wait pong");
      expect(received.key === 99n, "the packet came back");
    },
    async teardown() {
      closeAll(ping);
      await echoed;
      closeAll(pong);
    },
  };
}

/** Everything that runs on both the device and Node, in the results format's order. */
export const cases: Case[] = [
  { name: "port_v2_roundtrip", iterations: 300, setup: portV2 },
  { name: "port_v1_16_roundtrip", iterations: 300, setup: () => portV1(16) },
  { name: "port_v1_128_roundtrip", iterations: 300, setup: () => portV1(128) },
  { name: "channel_64_roundtrip", iterations: 300, setup: () => channel(64) },
  { name: "channel_64_handle_roundtrip", iterations: 300, setup: channelWithHandle },
  // The message exists three times at once (writer's buffer, the kernel's copy, reader's buffer), each one chunk.
  { name: "channel_64k_roundtrip", iterations: 20, ramBytes: 4 * 65536, setup: () => channel(65536) },
  { name: "signal_packet", iterations: 300, setup: signalPacket },
  { name: "channel_call_roundtrip", iterations: 200, setup: channelCall },
  { name: "task_handoff", iterations: 200, operations: 2, setup: taskHandoff },
  ...processCases,
];
