/**
 * Interrupts on the device, end to end: a line raised from outside the chip (QEMU qtest, as a peripheral would)
 * reaches JavaScript as an MX_PKT_TYPE_INTERRUPT packet on the bound port with the timestamp taken in the ISR; a
 * storm of more lines than the interrupt ring holds is counted and every line still gets its packet; bytes
 * streamed into the data UART arrive through interrupt packets and reads, and the echo returns intact.
 */
import assert from "node:assert/strict";

import { dataUart } from "../../hal/uart.ts";
import {
  awaitable,
  kernel_stats,
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
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
  MX_PORT_OPT_V2,
  MX_TIME_INFINITE,
} from "../../kernel/index.ts";
import { askHost, uartPattern } from "./host.ts";

/** Lines no device drives on this board, so only the host raises them. */
const FREE_LINES = [...native.spareLines];

function create(options: number): number {
  const out = { value: 0 };
  assert.equal(mx_port_create(options, out), MX_OK);
  return out.value;
}

function bindLine(port: number, vector: number, key: bigint): number {
  const irq = { value: 0 };
  assert.equal(mx_interrupt_create(0, vector, irq), MX_OK);
  assert.equal(mx_interrupt_bind(irq.value, port, key, 0), MX_OK);
  return irq.value;
}

describe("interrupts from outside the chip (qtest set_irq_in)", () => {
  it("a raised line arrives as one INTERRUPT packet with the ISR's timestamp, and again after ack", () => {
    const port = create(MX_PORT_OPT_V2);
    const line = FREE_LINES[FREE_LINES.length - 1];
    const irq = bindLine(port, line, 0x1234n);
    const packet = new mx_port_packet_t();
    try {
      for (let round = 0; round < 3; round++) {
        const before = mx_time_get(MX_CLOCK_MONOTONIC);
        assert.ok(askHost({ op: "irq", lines: [line] }));
        const after = mx_time_get(MX_CLOCK_MONOTONIC);
        assert.equal(mx_port_wait(port, 0n, packet, 0), MX_OK);
        assert.equal(packet.type, MX_PKT_TYPE_INTERRUPT);
        assert.equal(packet.key, 0x1234n);
        assert.equal(packet.status, MX_OK);
        const stamp = packet.interrupt.timestamp;
        assert.ok(stamp >= before && stamp <= after, `stamped ${stamp}, outside the request [${before}, ${after}]`);
        assert.equal(mx_port_wait(port, 0n, packet, 0), MX_ERR_TIMED_OUT, "one packet per interrupt");
        assert.equal(mx_interrupt_ack(irq), MX_OK);
      }
    } finally {
      mx_handle_close(irq);
      mx_handle_close(port);
    }
  });

  it("a storm larger than the ring is counted, every line still gets its packet, and the system keeps working", () => {
    const port = create(MX_PORT_OPT_V2);
    const irqs = FREE_LINES.map((line) => bindLine(port, line, BigInt(line)));
    const packet = new mx_port_packet_t();
    try {
      for (let storm = 0; storm < 2; storm++) {
        const lostBefore = kernel_stats().interruptsLost;
        assert.ok(askHost({ op: "irq", lines: FREE_LINES }));
        const seen = new Set<number>();
        while (mx_port_wait(port, 0n, packet, 0) === MX_OK) seen.add(Number(packet.key));
        assert.deepEqual([...seen].sort((a, b) => a - b), FREE_LINES);
        assert.ok(FREE_LINES.length > 16, "the board offers more spare lines than the 16-entry ring holds");
        assert.equal(kernel_stats().interruptsLost - lostBefore, FREE_LINES.length - 16, "the 16-entry ring overflowed by the rest");
        for (const irq of irqs) assert.equal(mx_interrupt_ack(irq), MX_OK);
      }
    } finally {
      for (const irq of irqs) mx_handle_close(irq);
      mx_handle_close(port);
    }
  });
});

describe("the data UART", () => {
  it("takes only genuine Uint8Arrays, judged by the engine: a look-alike cannot make the driver overrun a buffer", () => {
    assert.throws(() => dataUart.read(Object.create(Uint8Array.prototype) as Uint8Array), TypeError);
    assert.throws(() => dataUart.write(new Proxy(new Uint8Array(8), {}), 8), TypeError);
    const short = Object.defineProperty(new Uint8Array(4), "byteLength", { value: 4096 });
    Object.defineProperty(short, "length", { value: 4096 });
    assert.throws(() => dataUart.read(short, 4096), RangeError, "4 bytes, whatever it claims");
    assert.equal(dataUart.write(new Uint8Array(0)), 0);
  });

  it("10,000 bytes from the host arrive through interrupt packets and reads, in order, and echo back intact", async function () {
    this.timeout(0); // waits on host I/O: an armed timeout would let idle virtual time race past it
    const port = create(MX_PORT_OPT_V2);
    const irq = bindLine(port, dataUart.vector, 7n);
    const packet = new mx_port_packet_t();
    const buffer = new Uint8Array(100);
    const count = 10_000;
    let received = 0;
    let packets = 0;
    try {
      assert.ok(askHost({ op: "uart-send", count, seed: 3 }));
      while (received < count) {
        assert.equal(await awaitable.mx_port_wait(port, MX_TIME_INFINITE, packet, 0), MX_OK);
        assert.equal(packet.type, MX_PKT_TYPE_INTERRUPT);
        packets++;
        for (let n; (n = dataUart.read(buffer)) > 0; ) {
          for (let i = 0; i < n; i++) if (buffer[i] !== uartPattern(3, received + i)) assert.fail(`byte ${received + i} is ${buffer[i]}`);
          assert.equal(dataUart.write(buffer, n), n);
          received += n;
        }
        assert.equal(mx_interrupt_ack(irq), MX_OK);
      }
      assert.equal(received, count);
      // How many packets it takes depends on how the host's sending interleaves with the reads (a reader that keeps
      // up drains the stream after one), so only the bounds are the device's to keep.
      assert.ok(packets >= 1 && packets <= count, `${packets} packets`);
      assert.ok(askHost({ op: "uart-verify" }), "the host got the same 10,000 bytes back");
    } finally {
      mx_handle_close(irq);
      mx_handle_close(port);
    }
  });
});
