/**
 * Where a hung guest is: when a run times out, gdb-multiarch attaches to QEMU's gdb stub (served on a Unix socket
 * from the start, without waiting) and records the backtrace, the core registers and the runtime's event state
 * (interrupt ring, alarm flags, host mailbox, the data UART's receive state, the NVIC's enabled and pending lines)
 * before the guest is killed. A hang that happens once in many CI runs then leaves enough behind to find it.
 */
import { spawn } from "node:child_process";

const GDB_LIMIT_MS = 20_000;

/** Where the guest is. */
const WHERE = ["bt 16", "info registers pc lr sp xpsr"];

/** The runtime's state worth seeing after a hang (hal/runtime/events.c, every board's data UART), one per line. */
const VARIABLES = [
  "ring_head",
  "ring_tail",
  "ring_lost",
  "overflow_lines",
  "alarm_fired",
  "alarm_armed",
  "runtime_host_mailbox",
  "data_uart.rx_head",
  "data_uart.rx_tail",
  "data_uart.enabled",
  "data_uart.armed",
  "data_uart.throttled",
];

/** The NVIC's enabled (ISER) and pending (ISPR) lines 0-63. */
const NVIC = ["x/2wx 0xE000E100", "x/2wx 0xE000E200"];

const COMMANDS = [...WHERE, ...VARIABLES.flatMap((v) => [`echo ${v}:\\040`, `output ${v}`, "echo \\n"]), ...NVIC];

/** QEMU arguments that serve the gdb stub on `socket` while the guest runs. */
export function postMortemArgs(socket: string): string[] {
  return ["-gdb", `unix:${socket},server=on,wait=off`];
}

/** gdb's report of the guest behind `socket`, or one line saying why there is none. Never throws. */
export function postMortem(elf: string, socket: string): Promise<string> {
  const args = ["-nx", "-batch", "-ex", "set pagination off", "-ex", `target remote ${socket}`, ...COMMANDS.flatMap((c) => ["-ex", c]), "-ex", "detach", elf];
  return new Promise((resolve) => {
    let text = "";
    const child = spawn("gdb-multiarch", args, { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), GDB_LIMIT_MS);
    child.stdout.on("data", (chunk) => (text += chunk));
    child.stderr.on("data", (chunk) => (text += chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve(`post-mortem: gdb-multiarch did not start (${error.message})`);
    });
    child.on("close", () => {
      clearTimeout(timer);
      resolve(`post-mortem (gdb):\n${text.trim()}`);
    });
  });
}
