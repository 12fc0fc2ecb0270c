/**
 * `npm start`: builds the default program (manifest.json) for the default board and boots it in QEMU, exiting with
 * the guest's exit status. `npm start -- --board <name>` picks another board.
 */
import { parseArgs } from "node:util";

import { describeStatus, runQemu } from "../qemu/qemu.ts";
import { defaultBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { buildFirmware, printSummary } from "./lib/firmware.ts";

await runTool("start", async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { board: { type: "string", default: defaultBoard }, timeout: { type: "string", default: "120" } } });
  } catch (error) {
    throw new BuildError("start", (error as Error).message);
  }
  const firmware = await buildFirmware({ board: parsed.values.board, manifest: "manifest.json" });
  printSummary(firmware);
  console.log(`booting ${firmware.board.name} in QEMU (-icount shift=0: 1 ns = 1 instruction)\n`);
  const result = await runQemu({
    board: firmware.board,
    elf: firmware.elf,
    timeoutMs: Number(parsed.values.timeout) * 1000,
    onOutput: (text) => process.stdout.write(text),
  });
  if (result.status === undefined) throw new BuildError(firmware.elf, result.problem ?? "QEMU ended without an exit status");
  console.log(`\nguest exited with status ${result.status} (${describeStatus(result.status)})`);
  return result.status;
});
