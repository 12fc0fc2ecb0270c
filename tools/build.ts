/**
 * `npm run build -- [--board <name>] [--manifest <file>] [--debug]`: builds a firmware image from a manifest and
 * prints its size summary. See tools/lib/firmware.ts for the pipeline.
 */
import { parseArgs } from "node:util";

import { defaultBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { buildFirmware, printSummary } from "./lib/firmware.ts";

await runTool("build", async () => {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        board: { type: "string", default: defaultBoard },
        manifest: { type: "string", default: "manifest.json" },
        debug: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new BuildError("build", (error as Error).message);
  }
  if (parsed.values.help) {
    console.log("usage: npm run build -- [--board <name>] [--manifest <file>] [--debug]");
    return 0;
  }
  const firmware = await buildFirmware({ board: parsed.values.board, manifest: parsed.values.manifest, debug: parsed.values.debug });
  printSummary(firmware);
});
