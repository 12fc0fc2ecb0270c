/**
 * An interrupt-driven serial line service, the shape of a small device server built on Magenta IPC:
 *
 *   UART receive interrupt ─▶ port ─▶ reader ─(channel: one message per line)─▶ worker ─▶ reply on the UART
 *
 * The reader owns the hardware: it waits for interrupt packets, drains the UART, cuts the bytes into lines and
 * sends each line over a channel. The worker owns the protocol: it answers every line with its number, its text
 * upper-cased and its length. Neither knows the other beyond the channel, so either could move to another
 * component (or be given another channel end through a message). A line "quit" ends both; every handle is closed.
 *
 * Device only (it uses the board's data UART): `npm run example:serial -- --board <name>`.
 */
import { dataUart } from "../../hal/uart.ts";
import {
  Channel,
  MX_ERR_PEER_CLOSED,
  MxError,
  Port,
  mx_handle_close,
  mx_interrupt_ack,
  mx_interrupt_bind,
  mx_interrupt_create,
  MX_OK,
} from "../../kernel/index.ts";

const UART_KEY = 1n;
const NEWLINE = 10;
const RETURN = 13;

function bindUart(port: Port): number {
  const irq = { value: 0 };
  if (mx_interrupt_create(0, dataUart.vector, irq) !== MX_OK) throw new Error(`no interrupt for UART line ${dataUart.vector}`);
  if (mx_interrupt_bind(irq.value, port.handle, UART_KEY, 0) !== MX_OK) throw new Error("cannot bind the UART interrupt");
  return irq.value;
}

async function reader(toWorker: Channel): Promise<number> {
  const port = Port.create();
  const irq = bindUart(port);
  const buffer = new Uint8Array(64);
  const line: number[] = [];
  let lines = 0;
  try {
    for (;;) {
      await port.receive(); // an MX_PKT_TYPE_INTERRUPT packet: bytes are waiting
      for (let n; (n = dataUart.read(buffer)) > 0; ) {
        for (let i = 0; i < n; i++) {
          const byte = buffer[i];
          if (byte === RETURN) continue;
          if (byte !== NEWLINE) {
            line.push(byte);
            continue;
          }
          const bytes = Uint8Array.from(line);
          line.length = 0;
          if (new TextDecoder().decode(bytes) === "quit") return lines;
          toWorker.write(bytes);
          lines++;
        }
      }
      mx_interrupt_ack(irq);
    }
  } finally {
    mx_handle_close(irq);
    port.close();
    toWorker.close(); // the worker sees PEER_CLOSED once it has answered every queued line
  }
}

async function worker(fromReader: Channel): Promise<number> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let served = 0;
  try {
    for (;;) {
      const message = await fromReader.receive();
      const text = decoder.decode(message.bytes);
      served++;
      dataUart.write(encoder.encode(`${served}: ${text.toUpperCase()} (${message.bytes.length} bytes)\n`));
    }
  } catch (error) {
    if (!(error instanceof MxError && error.status === MX_ERR_PEER_CLOSED)) throw error;
  } finally {
    fromReader.close();
  }
  return served;
}

console.log(`serial service: listening on the data UART (interrupt line ${dataUart.vector})`);
const [readerEnd, workerEnd] = Channel.pair();
const [lines, served] = await Promise.all([reader(readerEnd), worker(workerEnd)]);
console.log(`serial service: ${lines} lines read, ${served} answered, every handle closed`);
