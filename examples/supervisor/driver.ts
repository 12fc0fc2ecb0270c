/**
 * The UART driver process. The supervisor boots it with the UART's interrupt object (the only handle to it), a
 * registration channel to the line service and a channel to the client. It cuts the UART's bytes into lines and
 * hands each to the client; it brokers the client's connection to the service (a new channel, one end to each, by
 * handle transfer); it prints what the client asks on the UART. A line "crash" is the injected fault: the driver
 * throws, the kernel ends it, and the supervisor starts a new one.
 */
import { dataUart } from "../../hal/uart.ts";
import { MX_OK, MX_PORT_OPT_V2, MX_TIME_INFINITE, mx_port_packet_t, type Vdso } from "../../kernel/program.ts";
import { receive, send } from "./channel_io.ts";
import { CLIENT, CONNECT, CONNECTED, LINE, PRINT, QUIT } from "./protocol.ts";
import { text } from "./protocol.ts";

const NEWLINE = 10;
const RETURN = 13;

async function uartLines(sys: Vdso, irq: number, toClient: number): Promise<number> {
  const port = { value: 0 };
  if (sys.mx_port_create(MX_PORT_OPT_V2, port) !== MX_OK || sys.mx_interrupt_bind(irq, port.value, 1n, 0) !== MX_OK) {
    throw new Error("cannot bind the UART interrupt");
  }
  console.log(`uart-driver: listening on the data UART (interrupt line ${dataUart.vector})`);
  const packet = new mx_port_packet_t();
  const buffer = new Uint8Array(64);
  const line: number[] = [];
  const decoder = new TextDecoder();
  for (;;) {
    if ((await sys.awaitable.mx_port_wait(port.value, MX_TIME_INFINITE, packet, 0)) !== MX_OK) return -1;
    for (let n; (n = dataUart.read(buffer)) > 0; ) {
      for (let i = 0; i < n; i++) {
        if (buffer[i] === RETURN) continue;
        if (buffer[i] !== NEWLINE) {
          line.push(buffer[i]);
          continue;
        }
        const received = decoder.decode(Uint8Array.from(line));
        line.length = 0;
        if (received === "crash") throw new Error("injected fault: the UART said crash");
        if (received === "quit") {
          send(sys, toClient, QUIT);
          return 0;
        }
        send(sys, toClient, LINE, received);
      }
    }
    sys.mx_interrupt_ack(irq);
  }
}

async function clientRequests(sys: Vdso, registration: number, fromClient: number): Promise<number> {
  const encoder = new TextEncoder();
  for (;;) {
    const m = await receive(sys, fromClient);
    if (m === null) return 0;
    if (m.tag === CONNECT) {
      const mine = { value: 0 };
      const theirs = { value: 0 };
      sys.mx_channel_create(0, mine, theirs);
      send(sys, registration, CLIENT, "", [theirs.value]);
      send(sys, fromClient, CONNECTED, "", [mine.value]);
    } else if (m.tag === PRINT) {
      dataUart.write(encoder.encode(`${text(m.bytes, m.size)}\n`));
    }
  }
}

export default async function driver(sys: Vdso, bootstrap: number): Promise<number> {
  const boot = await receive(sys, bootstrap);
  if (boot === null || boot.handles.length !== 3) throw new Error("no boot message");
  const [irq, registration, client] = boot.handles;
  return Promise.race([uartLines(sys, irq, client), clientRequests(sys, registration, client)]);
}
