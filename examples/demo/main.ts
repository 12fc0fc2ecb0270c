/**
 * The boot demo: what this kernel is for, in one screen.
 *
 * A producer and a consumer (two async functions: this runtime's threads) talk over a channel. The producer sends
 * numbered messages and, with one of them, an event handle; the consumer receives that handle and signals through
 * it. A port collects everything that happens: a user packet from each side, and signal packets from
 * mx_object_wait_async on the channel and on the transferred event. Runs on Node and on the device.
 */
import {
  awaitable,
  kernel_stats,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_event_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V2,
  MX_RIGHT_SAME_RIGHTS,
  MX_TIME_INFINITE,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "../../kernel/index.ts";

function ok(status: number, what: string): void {
  if (status !== MX_OK) throw new Error(`demo: ${what} failed with ${status}`);
}

function out(): { value: number } {
  return { value: 0 };
}

const MESSAGES = 3;
const port = out();
const producerEnd = out();
const consumerEnd = out();
const event = out();
const eventWatch = out();
ok(mx_port_create(MX_PORT_OPT_V2, port), "port_create");
ok(mx_channel_create(0, producerEnd, consumerEnd), "channel_create");
ok(mx_event_create(0, event), "event_create");
// The event handle travels to the consumer; waits through a moved handle are cancelled, so watch through a duplicate.
ok(mx_handle_duplicate(event.value, MX_RIGHT_SAME_RIGHTS, eventWatch), "handle_duplicate");

// The port hears about the consumer's end: readable (repeating) and the producer going away (once).
ok(mx_object_wait_async(consumerEnd.value, port.value, 100n, MX_CHANNEL_READABLE, MX_WAIT_ASYNC_REPEATING), "wait_async");
ok(mx_object_wait_async(consumerEnd.value, port.value, 101n, MX_CHANNEL_PEER_CLOSED, MX_WAIT_ASYNC_ONCE), "wait_async");
// ...and about the event, which the producer will hand to the consumer.
ok(mx_object_wait_async(eventWatch.value, port.value, 200n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), "wait_async");

function note(key: bigint): void {
  const p = new mx_port_packet_t();
  p.key = key;
  ok(mx_port_queue(port.value, p, 0), "port_queue");
}

async function producer(): Promise<void> {
  note(1n);
  for (let i = 1; i <= MESSAGES; i++) {
    const text = new TextEncoder().encode(`message ${i}`);
    const handles = i === 2 ? [event.value] : [];
    ok(mx_channel_write(producerEnd.value, 0, text, text.length, handles, handles.length), "channel_write");
    console.log(`producer: sent "message ${i}"${handles.length ? " with the event handle" : ""}`);
    await awaitable.mx_nanosleep(0n);
  }
  ok(mx_handle_close(producerEnd.value), "close producer end");
  console.log("producer: closed its end");
}

async function consumer(): Promise<number> {
  note(2n);
  const bytes = new Uint8Array(64);
  const handles = [0];
  const nb = out();
  const nh = out();
  let received = 0;
  for (;;) {
    const observed = out();
    ok(await awaitable.mx_object_wait_one(consumerEnd.value, MX_CHANNEL_READABLE | MX_CHANNEL_PEER_CLOSED, MX_TIME_INFINITE, observed), "wait_one");
    if (mx_channel_read(consumerEnd.value, 0, bytes, handles, bytes.length, 1, nb, nh) !== MX_OK) break;
    received++;
    console.log(`consumer: got "${new TextDecoder().decode(bytes.subarray(0, nb.value))}" with ${nh.value} handle(s)`);
    if (nh.value === 1) {
      ok(mx_object_signal(handles[0], 0, MX_EVENT_SIGNALED), "signal the received event");
      ok(mx_handle_close(handles[0]), "close received event");
    }
  }
  console.log("consumer: peer closed, done");
  return received;
}

const [, received] = await Promise.all([producer(), consumer()]);

// Drain the port: the two user notes, then signal packets in the order the kernel queued them.
const packet = new mx_port_packet_t();
let packets = 0;
while (mx_port_wait(port.value, 0n, packet, 0) === MX_OK) {
  packets++;
  if (packet.type === MX_PKT_TYPE_USER) console.log(`port: user packet key=${packet.key}`);
  else console.log(`port: signal packet key=${packet.key} observed=0x${packet.signal.observed.toString(16)} count=${packet.signal.count}`);
}

for (const h of [consumerEnd.value, eventWatch.value, port.value]) ok(mx_handle_close(h), "close");
if (kernel_stats().handles !== 0) throw new Error("demo: handles left open");
if (received !== MESSAGES || packets !== 5) throw new Error(`demo: expected ${MESSAGES} messages and 5 packets`);
console.log(`${received} messages, ${packets} port packets, every handle closed`);
console.log("demo: ok");
