/**
 * A supervisor (process 0) and three processes, the shape of a small system built on Magenta processes:
 *
 *   supervisor ── boots ──▶ uart-driver (owns the UART's interrupt object)
 *        │                       │  brokers a channel, one end to each, by handle transfer
 *        ├── boots ──▶ client ◀──┴──▶ line-service
 *        └── restarts the driver when MX_TASK_TERMINATED says it faulted
 *
 * Lines typed on the data UART go driver → client → service → client → driver → UART, upper-cased. The line
 * "crash" makes the driver throw: the kernel ends it alone (its handles close, the interrupt object with them),
 * the supervisor sees MX_TASK_TERMINATED with MX_TASK_RETCODE_EXCEPTION_KILL and starts a new driver, and the
 * client's next line is answered through the service channel that outlived the driver. "quit" ends everything.
 *
 * The three programs are named in manifest.json (config.kernel.programs), and each is imported when a process
 * starts it. Device only (the data UART): `npm run example:supervisor -- --board <name>`.
 */
import { dataUart } from "../../hal/uart.ts";
import {
  awaitable,
  mx_channel_create,
  mx_channel_write,
  mx_handle_close,
  mx_interrupt_create,
  mx_object_get_info,
  mx_process_create,
  mx_process_start,
  mx_task_kill,
  MX_INFO_PROCESS,
  MX_INFO_PROCESS_SIZE,
  MX_OK,
  MX_TASK_RETCODE_EXCEPTION_KILL,
  MX_TASK_TERMINATED,
  MX_TIME_INFINITE,
  type mx_wait_item_t,
} from "../../kernel/index.ts";
import { BOOT, DRIVER, message, REGISTRATION } from "./protocol.ts";

function check(status: number, what: string): void {
  if (status !== MX_OK) throw new Error(`supervisor: ${what} failed with ${status}`);
}

function channel(): [number, number] {
  const a = { value: 0 };
  const b = { value: 0 };
  check(mx_channel_create(0, a, b), "channel_create");
  return [a.value, b.value];
}

function sendHandles(channel: number, tag: number, handles: number[]): void {
  const bytes = message(tag);
  check(mx_channel_write(channel, 0, bytes, bytes.length, handles, handles.length), "channel_write");
}

function start(name: string, arg1: number): number {
  const process = { value: 0 };
  check(mx_process_create(name, 0, process), `process_create ${name}`);
  check(mx_process_start(process.value, name, arg1, 0), `process_start ${name}`);
  return process.value;
}

function returnCode(process: number): number {
  const info = new Uint8Array(MX_INFO_PROCESS_SIZE);
  check(mx_object_get_info(process, MX_INFO_PROCESS, info, info.length, null, null), "object_get_info");
  return new DataView(info.buffer).getInt32(0, true);
}

const [toService, serviceBoot] = channel();
const [toClient, clientBoot] = channel();
const lineService = start("line-service", serviceBoot);
const theClient = start("client", clientBoot);

/** A driver with everything it owns: the UART's interrupt, a registration channel to the service, a channel to the
 * client. The supervisor keeps none of them. */
function startDriver(): number {
  const irq = { value: 0 };
  check(mx_interrupt_create(0, dataUart.vector, irq), "interrupt_create");
  const [registrationForService, registrationForDriver] = channel();
  sendHandles(toService, REGISTRATION, [registrationForService]);
  const [clientSide, driverSide] = channel();
  sendHandles(toClient, DRIVER, [clientSide]);
  const [boot, driverBoot] = channel();
  const process = start("uart-driver", driverBoot);
  sendHandles(boot, BOOT, [irq.value, registrationForDriver, driverSide]);
  mx_handle_close(boot);
  return process;
}

let uartDriver = startDriver();
let restarts = 0;
const items: mx_wait_item_t[] = [
  { handle: uartDriver, waitfor: MX_TASK_TERMINATED, pending: 0 },
  { handle: theClient, waitfor: MX_TASK_TERMINATED, pending: 0 },
];
for (;;) {
  items[0].handle = uartDriver;
  check(await awaitable.mx_object_wait_many(items, 2, MX_TIME_INFINITE), "object_wait_many");
  if (items[1].pending & MX_TASK_TERMINATED) break;
  const code = returnCode(uartDriver);
  mx_handle_close(uartDriver);
  if (code !== MX_TASK_RETCODE_EXCEPTION_KILL) {
    console.log(`supervisor: uart-driver exited with ${code}`);
    check(await awaitable.mx_object_wait_many(items.slice(1), 1, MX_TIME_INFINITE), "object_wait_many");
    uartDriver = 0;
    break;
  }
  restarts++;
  console.log(`supervisor: uart-driver faulted (return code ${code}); restarting it`);
  uartDriver = startDriver();
  console.log("supervisor: restarted uart-driver");
}
console.log(`supervisor: client answered ${returnCode(theClient)} lines; ${restarts} driver restart(s)`);
if (uartDriver !== 0) mx_task_kill(uartDriver);
mx_handle_close(toService);
mx_handle_close(toClient);
mx_task_kill(lineService);
for (const h of [lineService, theClient, uartDriver]) if (h !== 0) mx_handle_close(h);
console.log("supervisor: every process ended, every handle closed");
