/**
 * `npm run soak -- [--board <name>]... [--ops N]`: the long soak (test/device/soak.ts) on each board, 1,000,000
 * operations by default, printing the figures docs/reliability.md quotes. `npm test` runs a short one.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { loadBoard } from "./lib/board.ts";
import { runDeviceTests } from "./lib/device-tests.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { buildRoot, projectRoot } from "./lib/paths.ts";

await runTool("soak", async () => {
  let values;
  try {
    ({ values } = parseArgs({ options: { board: { type: "string", multiple: true }, ops: { type: "string" } } }));
  } catch (error) {
    throw new BuildError("soak", (error as Error).message);
  }
  const ops = Number(values.ops ?? 1_000_000);
  if (!Number.isSafeInteger(ops) || ops < 1000) throw new BuildError("--ops", `must be an integer of at least 1000, not "${values.ops}"`);
  const boards = values.board ?? ["mps2-an386"];
  for (const board of boards) loadBoard(board); // an unknown board is a BuildError naming the boards there are
  const dir = join(buildRoot, "soak");
  mkdirSync(dir, { recursive: true });
  const spec = join(dir, `soak-${ops}.spec.ts`);
  writeFileSync(spec, `import { defineSoak } from ${JSON.stringify(join(projectRoot, "test", "device", "soak.ts"))};\ndefineSoak(${ops});\n`);
  let failed = false;
  for (const board of boards) {
    const started = Date.now();
    // About 30,000 instructions an operation, and QEMU runs well over 100 million a second here: a generous bound.
    const run = await runDeviceTests({ specs: [spec], board, testTimeoutMs: 0, runTimeoutMs: 120_000 + ops, onOutput: (line) => line.startsWith("soak:") && console.log(`${board}: ${line}`) });
    const result = run.events.find((e) => e.event === "pass" || e.event === "fail");
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    if (run.problem || result?.event !== "pass") {
      failed = true;
      console.log(`${board}: FAILED after ${seconds} s: ${run.problem ?? (result?.event === "fail" ? result.error.message : "no result")}`);
    } else console.log(`${board}: passed in ${seconds} s`);
  }
  return failed ? 1 : 0;
});
