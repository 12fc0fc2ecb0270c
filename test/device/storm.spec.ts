/*
 * Storms: the host pulses every spare interrupt line and streams bytes into the data UART as fast as QEMU takes
 * them, while the program keeps doing IPC and waiting with deadlines. Afterwards every byte arrived intact and in
 * order (sent = received: the UART holds the host back rather than drop), every line that was pulsed delivered its
 * packet and still works, ring overflows were counted (kernel_stats().interruptsLost), every wait with a deadline
 * ended no earlier than its deadline, and handles and heap are back where they were. Pulses that land while a
 * line's packet is still unacknowledged merge into that packet, as on the hardware: a line is an event, not a count.
 */
import assert from "node:assert/strict";

import { dataUart } from "../../hal/uart.ts";
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
  mx_port_create,
  mx_port_packet_t,
  mx_port_wait,
  mx_time_get,
  MX_CLOCK_MONOTONIC,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
  MX_PORT_OPT_V2,
  MX_USEC,
} from "../../kernel/index.ts";
import { out } from "../kernel/helpers.ts";
import { heapBytes } from "./heap.ts";
import { askHost, hostAnswer, postHost, uartPattern } from "./host.ts";

const UART_KEY = 1000n;


interface StormResult {
  bytes: number;
  linePackets: Map<number, number>;
  timeouts: number;
  latestNs: bigint;
  messages: number;
}

/** One storm, with every object made before it and closed after it. */
async function storm(pulses: number, uartBytes: number, seed: number): Promise<StormResult> {
  const lines = [...native.spareLines];
  const port = out();
  const a = out();
  const b = out();
  const event = out();
  assert.equal(mx_port_create(MX_PORT_OPT_V2, port), MX_OK);
  assert.equal(mx_event_create(0, event), MX_OK);
  assert.equal(mx_channel_create(0, a, b), MX_OK);
  const irqs = new Map<bigint, number>();
  for (const key of [...lines.map(BigInt), UART_KEY]) {
    const irq = out();
    assert.equal(mx_interrupt_create(0, key === UART_KEY ? dataUart.vector : Number(key), irq), MX_OK);
    assert.equal(mx_interrupt_bind(irq.value, port.value, key, 0), MX_OK);
    irqs.set(key, irq.value);
  }
  const result: StormResult = { bytes: 0, linePackets: new Map(), timeouts: 0, latestNs: 0n, messages: 0 };
  const packet = new mx_port_packet_t();
  const chunk = new Uint8Array(64);
  const message = new Uint8Array(32);
  const readBack = new Uint8Array(32);
  const served = (deadline: bigint) => {
    const late = mx_time_get(MX_CLOCK_MONOTONIC) - deadline;
    assert.ok(late >= 0n, "a wait timed out before its deadline");
    if (late > result.latestNs) result.latestNs = late;
    result.timeouts++;
  };
  const take = () => {
    assert.equal(packet.type, MX_PKT_TYPE_INTERRUPT);
    if (packet.key === UART_KEY) {
      for (let n; (n = dataUart.read(chunk)) > 0; result.bytes += n) {
        for (let i = 0; i < n; i++) if (chunk[i] !== uartPattern(seed, result.bytes + i)) assert.fail(`UART byte ${result.bytes + i} is ${chunk[i]}`);
      }
    } else {
      const line = Number(packet.key);
      result.linePackets.set(line, (result.linePackets.get(line) ?? 0) + 1);
    }
    assert.equal(mx_interrupt_ack(irqs.get(packet.key) as number), MX_OK);
  };
  try {
    const token = postHost({ op: "storm", lines, pulses, uart: uartBytes, seed });
    // Until the host has answered, the port has been quiet for three waits and every byte has come (the host's
    // answer only says the socket took them: QEMU may still hold some, and an idle guest's time runs ahead of it).
    // A byte that never comes stops the wait after 10,000 quiet waits, and the byte count below fails.
    let quiet = 0;
    const waiting = (answer: boolean | undefined) => answer === undefined || quiet < 3 || (result.bytes < uartBytes && quiet < 10_000);
    for (let answer: boolean | undefined; waiting((answer = hostAnswer(token))); ) {
      if (answer === false) assert.fail("the host could not raise the lines");
      // IPC through the storm: a message out and back, its bytes checked.
      message.fill(result.messages & 0xff);
      assert.equal(mx_channel_write(a.value, 0, message, 32, null, 0), MX_OK);
      assert.equal(mx_channel_read(b.value, 0, readBack, null, 32, 0, null, null), MX_OK);
      assert.ok(readBack.every((x) => x === (result.messages & 0xff)), "a message changed on the way");
      result.messages++;
      // A wait on an event nobody signals: it must end by its deadline, storm or not.
      const eventDeadline = mx_deadline_after(MX_USEC(50));
      assert.equal(await awaitable.mx_object_wait_one(event.value, MX_EVENT_SIGNALED, eventDeadline, null), MX_ERR_TIMED_OUT);
      served(eventDeadline);
      const deadline = mx_deadline_after(MX_USEC(200));
      const status = await awaitable.mx_port_wait(port.value, deadline, packet, 0);
      if (status === MX_ERR_TIMED_OUT) served(deadline);
      else {
        assert.equal(status, MX_OK);
        take();
      }
      quiet = answer === undefined ? 0 : status === MX_ERR_TIMED_OUT ? quiet + 1 : 0;
    }
    // Nothing is stuck: one more pulse on every line gives exactly one packet each.
    assert.ok(askHost({ op: "irq", lines }));
    const after = new Set<number>();
    while (mx_port_wait(port.value, 0n, packet, 0) === MX_OK) {
      if (packet.key === UART_KEY) take();
      else {
        assert.ok(!after.has(Number(packet.key)), `line ${packet.key} delivered twice for one pulse`);
        after.add(Number(packet.key));
        assert.equal(mx_interrupt_ack(irqs.get(packet.key) as number), MX_OK);
      }
    }
    assert.deepEqual([...after].sort((x, y) => x - y), [...lines].sort((x, y) => x - y), "every line still delivers");
    return result;
  } finally {
    for (const irq of irqs.values()) mx_handle_close(irq);
    mx_handle_close(a.value);
    mx_handle_close(b.value);
    mx_handle_close(event.value);
    mx_handle_close(port.value);
  }
}

describe("storms: interrupt lines and UART bytes from the host as fast as they go, during IPC and deadline waits", () => {
  it("every byte arrives intact, every line delivers, every deadline is served; handles and heap return", async function () {
    this.timeout(0); // waits on host I/O: an armed timeout would let idle virtual time race past it
    const handles = kernel_stats().handles;
    const lostBefore = kernel_stats().interruptsLost;
    await storm(5, 500, 1); // warm-up: pools and heap reach their working size
    const heap = heapBytes();
    const pulses = 100;
    const bytes = 20_000;
    const r = await storm(pulses, bytes, 9);
    const lost = kernel_stats().interruptsLost - lostBefore;
    console.log(
      `storm: ${pulses} pulses on ${native.spareLines.length} lines and ${bytes} UART bytes; ${r.bytes} bytes received, ` +
        `line packets ${[...r.linePackets.values()].reduce((x, y) => x + y, 0)}, ring overflows ${lost}, ${r.messages} messages, ` +
        `${r.timeouts} deadlines served (latest ${r.latestNs} ns late), heap ${heap} -> ${heapBytes()} B`,
    );
    assert.equal(r.bytes, bytes, "sent = received");
    for (const line of native.spareLines) assert.ok((r.linePackets.get(line) ?? 0) >= 1, `line ${line} never delivered`);
    assert.ok(r.timeouts > 0, "waits with deadlines ran through the storm");
    assert.equal(kernel_stats().handles, handles);
    assert.deepEqual(kernel_check(), []);
    assert.ok(heapBytes() <= heap + 16 * 1024, `the heap grew from ${heap} B to ${heapBytes()} B`);
  });
});
