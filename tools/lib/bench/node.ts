/**
 * The Node reference half of `npm run bench`: runs tools/lib/bench/node-run.ts in a child Node process and returns
 * its measurements (nanoseconds per operation).
 */
import { join } from "node:path";

import type { Measurement } from "../../../bench/harness.ts";
import { BuildError } from "../errors.ts";
import { run } from "../jobs.ts";
import { projectRoot } from "../paths.ts";

export interface NodeRun {
  version: string;
  measurements: Measurement[];
}

export async function runNodeBench(): Promise<NodeRun> {
  const result = await run(process.execPath, ["--import", join(projectRoot, "tools", "ts-loader.mjs"), join(projectRoot, "tools", "lib", "bench", "node-run.ts")], {
    cwd: projectRoot,
  });
  const last = result.stdout.trim().split("\n").pop() ?? "";
  if (result.code !== 0 || !last.startsWith("["))
    throw new BuildError("bench on Node", `the run failed: ${result.stderr.trim().split("\n").find((l) => /Error/.test(l)) ?? result.stderr.trim()}`);
  return { version: process.version, measurements: JSON.parse(last) as Measurement[] };
}
