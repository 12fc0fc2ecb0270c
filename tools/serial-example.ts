/**
 * `npm run example:serial -- [--board <name>] [--interactive] [lines...]`: builds examples/serial-service for a
 * board, boots it in QEMU with the board's data UART on a socket, sends it lines (the arguments, or a few samples,
 * then "quit"; with --interactive, what you type), and prints what the service answers. The guest's own
 * console goes to stdout as usual; answers from the UART are shown after "uart <".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

import { describeStatus, runQemu } from "../qemu/qemu.ts";
import { connectUart } from "../qemu/uart-socket.ts";
import { defaultBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { buildFirmware } from "./lib/firmware.ts";
import { projectRoot } from "./lib/paths.ts";

await runTool("example:serial", async () => {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { board: { type: "string", default: defaultBoard }, interactive: { type: "boolean", default: false } },
    });
  } catch (error) {
    throw new BuildError("example:serial", (error as Error).message);
  }
  const firmware = await buildFirmware({ board: parsed.values.board, manifest: join(projectRoot, "examples", "serial-service", "manifest.json") });
  const sockets = mkdtempSync(join(tmpdir(), "mx-serial-"));
  const uartPath = join(sockets, "uart");
  try {
    // An STM32 USART drops what arrives before its receiver is on (QEMU models that), so nothing is sent
    // until the service says it listens.
    const readyLine = /serial service: listening[^\n]*\n/;
    let console_ = "";
    let announced = false;
    let serviceReady = () => {};
    const ready = new Promise<void>((resolve) => (serviceReady = resolve));
    const running = runQemu({
      board: firmware.board,
      elf: firmware.elf,
      timeoutMs: parsed.values.interactive ? 24 * 3600_000 : 60_000,
      uartSocket: uartPath,
      onOutput: (text) => {
        process.stdout.write(text);
        if (announced) return;
        console_ += text;
        announced = readyLine.test(console_);
        if (announced) serviceReady();
      },
    });
    const uart = await connectUart(uartPath);
    uart.on("error", () => {}); // QEMU closes the socket when the guest exits
    createInterface({ input: uart }).on("line", (line) => console.log(`uart < ${line}`));
    await Promise.race([ready, running]);
    if (parsed.values.interactive) {
      console.log("type lines for the service; \"quit\" ends it");
      createInterface({ input: process.stdin }).on("line", (line) => uart.write(`${line}\n`));
    } else {
      const given = parsed.positionals.length ? parsed.positionals : ["hello", "magenta on a microcontroller"];
      const lines = given.at(-1) === "quit" ? given : [...given, "quit"]; // without it the guest would wait for more
      for (const line of lines) {
        console.log(`uart > ${line}`);
        uart.write(`${line}\n`);
        await new Promise((resolve) => setTimeout(resolve, 100)); // keeps the transcript in order
      }
    }
    const result = await running;
    uart.destroy();
    if (result.status === undefined) throw new BuildError(firmware.elf, result.problem ?? "QEMU ended without an exit status");
    if (result.status !== 0) console.error(`guest exited with status ${result.status}: ${describeStatus(result.status)}`);
    return result.status;
  } finally {
    rmSync(sockets, { recursive: true, force: true });
  }
});
