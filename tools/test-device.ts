/**
 * `npm run test:device -- [--board <name>]... [spec files or directories...]`: runs the given mocha spec files
 * on the device in QEMU and reports them through mocha (test/device.spec.ts), so a spec written against the public
 * API runs unchanged on Node (`npx mocha <spec>`) and on the device.
 */
import { spawnSync } from "node:child_process";
import { delimiter } from "node:path";
import { parseArgs } from "node:util";

import { loadBoard } from "./lib/board.ts";
import { BuildError, runTool } from "./lib/errors.ts";

await runTool("test:device", async () => {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { board: { type: "string", multiple: true }, verbose: { type: "boolean", default: false } },
    });
  } catch (error) {
    throw new BuildError("test:device", (error as Error).message);
  }
  const boards = parsed.values.board ?? ["mps2-an386"];
  for (const board of boards) loadBoard(board); // an unknown board is a BuildError naming the boards there are
  const env = {
    ...process.env,
    DEVICE_BOARDS: boards.join(","),
    ...(parsed.positionals.length ? { DEVICE_SPECS: parsed.positionals.join(delimiter) } : {}),
    ...(parsed.values.verbose ? { DEVICE_VERBOSE: "1" } : {}),
  };
  const mocha = spawnSync("npx", ["mocha", "test/device.spec.ts"], { stdio: "inherit", env });
  return mocha.status ?? 1;
});
