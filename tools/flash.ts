/**
 * `npm run flash -- --board <name> [--manifest <file>]`: builds the program and writes it to a connected board
 * with openocd, verifying what was written, then resets the board. Boards that openocd does not program (MPS2+
 * loads images from its SD card) say how to load them. With no board attached, one line says so and the exit
 * status is non-zero.
 */
import { parseArgs } from "node:util";

import { defaultBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { buildFirmware, printSummary } from "./lib/firmware.ts";
import { run } from "./lib/jobs.ts";

/** openocd's own words for "there is no probe, or no target behind it". */
const noBoard = /open failed|no device found|unable to open|init mode failed|failed to read memory|Error connecting DP|target not examined/i;

await runTool("flash", async () => {
  let parsed;
  try {
    parsed = parseArgs({ options: { board: { type: "string", default: defaultBoard }, manifest: { type: "string", default: "manifest.json" } } });
  } catch (error) {
    throw new BuildError("flash", (error as Error).message);
  }
  const firmware = await buildFirmware({ board: parsed.values.board, manifest: parsed.values.manifest });
  printSummary(firmware);
  const { openocd, probe, loader } = firmware.board.flash;
  if (!openocd) throw new BuildError(firmware.board.name, `not flashed with openocd: ${loader ?? "no loader is described"}; the image is ${firmware.bin}`);
  // The binary image, at the address the chip's flash is at: code may be linked to run from an alias of it.
  const load = firmware.board.flash.load ?? firmware.board.flash.origin;
  const result = await run("openocd", [...openocd, "-c", `program ${firmware.bin} 0x${load.toString(16)} verify reset exit`]);
  const log = result.stdout + result.stderr;
  if (noBoard.test(log)) {
    const reason = log.split("\n").find((line) => noBoard.test(line))?.trim();
    throw new BuildError(firmware.board.name, `no board found: connect it through ${probe ?? "its debug probe"} (openocd: ${reason})`);
  }
  if (result.code !== 0 || !/Verified OK/i.test(log)) {
    const reason = log.split("\n").find((line) => /Error/.test(line))?.trim() ?? "no verification message";
    throw new BuildError(firmware.board.name, `flashing failed (openocd: ${reason})`);
  }
  console.log(`flash: ${firmware.board.name}: written, verified and reset`);
});
