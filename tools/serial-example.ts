/**
 * `npm run example:serial -- [--board <name>] [--interactive] [lines...]`: builds examples/serial-service for a
 * board, boots it in QEMU with the board's data UART on a socket, sends it lines (the arguments, or a few samples,
 * then "quit"; with --interactive, what you type), and prints what the service answers. The guest's own
 * console goes to stdout as usual; answers from the UART are shown after "uart <".
 */
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

import { defaultBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { projectRoot } from "./lib/paths.ts";
import { startUartSession } from "./lib/uart-session.ts";

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
  const session = await startUartSession({
    board: parsed.values.board,
    manifest: join(projectRoot, "examples", "serial-service", "manifest.json"),
    timeoutMs: parsed.values.interactive ? 24 * 3600_000 : 60_000,
  });
  try {
    await session.console(/serial service: listening/);
    if (parsed.values.interactive) {
      console.log("type lines for the service; \"quit\" ends it");
      createInterface({ input: process.stdin }).on("line", (line) => session.uart.write(`${line}\n`));
    } else {
      const given = parsed.positionals.length ? parsed.positionals : ["hello", "magenta on a microcontroller"];
      const lines = given.at(-1) === "quit" ? given : [...given, "quit"]; // without it the guest would wait for more
      for (const line of lines) {
        session.send(line);
        await new Promise((resolve) => setTimeout(resolve, 100)); // keeps the transcript in order
      }
    }
    return await session.finish();
  } finally {
    session.close();
  }
});
