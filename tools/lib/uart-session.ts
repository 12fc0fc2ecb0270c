/**
 * A firmware booted in QEMU with the board's data UART on a socket, for the examples that talk to it
 * (tools/serial-example.ts, tools/supervisor-example.ts): the guest's console goes to stdout as usual, each line
 * from the UART is shown after "uart <", and a caller can wait for a console or UART line that matches.
 * An STM32 USART drops what arrives before its receiver is on (QEMU models that), so callers send nothing until the
 * guest has said it listens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { describeStatus, type QemuResult, runQemu } from "../../qemu/qemu.ts";
import { connectUart } from "../../qemu/uart-socket.ts";
import { BuildError } from "./errors.ts";
import { buildFirmware } from "./firmware.ts";

export interface UartSession {
  uart: Socket;
  running: Promise<QemuResult>;
  elf: string;
  /** Resolves when the console has printed `times` lines matching `pattern` (or QEMU has ended: then false). */
  console(pattern: RegExp, times?: number): Promise<boolean>;
  /** Resolves when the UART has sent a line matching `pattern` (or QEMU has ended: then false). */
  uartLine(pattern: RegExp): Promise<boolean>;
  /** Sends one line on the UART (and shows it after "uart >"). */
  send(line: string): void;
  /** Waits for the guest to end: its exit status (a failure is also printed, described). */
  finish(): Promise<number>;
  close(): void;
}

export async function startUartSession(options: { board: string; manifest: string; timeoutMs: number }): Promise<UartSession> {
  const firmware = await buildFirmware({ board: options.board, manifest: options.manifest });
  const sockets = mkdtempSync(join(tmpdir(), "mx-uart-"));
  const watchers: { pattern: RegExp; uart: boolean; times: number; resolve: (matched: boolean) => void }[] = [];
  const seen = { console: [] as string[], uart: [] as string[] };
  const count = (pattern: RegExp, uart: boolean) => (uart ? seen.uart : seen.console).filter((line) => pattern.test(line)).length;
  const offer = (line: string, uart: boolean) => {
    (uart ? seen.uart : seen.console).push(line);
    for (let i = watchers.length - 1; i >= 0; i--) {
      const w = watchers[i];
      if (w.uart === uart && count(w.pattern, uart) >= w.times) watchers.splice(i, 1)[0].resolve(true);
    }
  };
  let partial = "";
  const running = runQemu({
    board: firmware.board,
    elf: firmware.elf,
    timeoutMs: options.timeoutMs,
    uartSocket: join(sockets, "uart"),
    onOutput: (text) => {
      process.stdout.write(text);
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) offer(line, false);
    },
  });
  void running.then(() => {
    for (const w of watchers.splice(0)) w.resolve(false);
  });
  const uart = await connectUart(join(sockets, "uart"));
  uart.on("error", () => {}); // QEMU closes the socket when the guest exits
  createInterface({ input: uart }).on("line", (line) => {
    console.log(`uart < ${line}`);
    offer(line, true);
  });
  const wait = (pattern: RegExp, fromUart: boolean, times = 1) =>
    count(pattern, fromUart) >= times
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => watchers.push({ pattern, uart: fromUart, times, resolve }));
  return {
    uart,
    running,
    elf: firmware.elf,
    console: (pattern, times) => wait(pattern, false, times),
    uartLine: (pattern) => wait(pattern, true),
    send(line) {
      console.log(`uart > ${line}`);
      uart.write(`${line}\n`);
    },
    async finish() {
      const result = await running;
      if (result.status === undefined) throw new BuildError(firmware.elf, result.problem ?? "QEMU ended without an exit status");
      if (result.status !== 0) console.error(`guest exited with status ${result.status}: ${describeStatus(result.status)}`);
      return result.status;
    },
    close() {
      uart.destroy();
      rmSync(sockets, { recursive: true, force: true });
    },
  };
}
