/**
 * `npm run example:supervisor -- [--board <name>]`: builds examples/supervisor for a board, boots it in QEMU with
 * the data UART on a socket, and plays the example's story: a line is answered, the line "crash" kills the UART
 * driver process, the supervisor restarts it, the next line is answered again through the client's service channel
 * that outlived the driver, and "quit" ends every process. Each step waits for the guest's answer (a console or UART
 * line), so the transcript does not depend on how fast the host runs; a step that never comes fails the run.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";

import { defaultBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { projectRoot } from "./lib/paths.ts";
import { startUartSession } from "./lib/uart-session.ts";

/** The story: what to send, then the line that must come back (on the UART, or on the console). */
const LISTENING = /uart-driver: listening/;
const STEPS: { send: string; uart?: RegExp; console?: RegExp; times?: number }[] = [
  { send: "hello processes", uart: /^HELLO PROCESSES$/ },
  { send: "crash", console: LISTENING, times: 2 }, // the new driver listens

  { send: "still here after the crash", uart: /^STILL HERE AFTER THE CRASH$/ },
  { send: "quit", console: /supervisor: every process ended/ },
];

await runTool("example:supervisor", async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { board: { type: "string", default: defaultBoard } } });
  } catch (error) {
    throw new BuildError("example:supervisor", (error as Error).message);
  }
  const session = await startUartSession({
    board: parsed.values.board,
    manifest: join(projectRoot, "examples", "supervisor", "manifest.json"),
    timeoutMs: 120_000,
  });
  try {
    if (!(await session.console(LISTENING))) throw new BuildError(session.elf, "the UART driver never said it listens");
    for (const step of STEPS) {
      session.send(step.send);
      const came = step.uart ? await session.uartLine(step.uart) : await session.console(step.console as RegExp, step.times);
      if (!came) throw new BuildError(session.elf, `after "${step.send}", no line matching ${String(step.uart ?? step.console)}`);
    }
    return await session.finish();
  } finally {
    session.close();
  }
});
