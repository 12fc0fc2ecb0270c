/**
 * `npm run fuzz -- [--runs N] [--seed S] [--steps M] [--replay '<steps JSON>' | --replay file.json]`: long fuzzing
 * profiles of the kernel against the reference model on Node (test/fuzz/differential.ts), beyond the bounded one
 * `npm test` runs. A failure prints the shrunk sequence and the command that replays it; `--replay` runs one
 * sequence and prints each step's observation.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import fc from "fast-check";

import { compareSequence, describeDivergence, fuzzProperty } from "../test/fuzz/differential.ts";
import type { Step } from "../test/fuzz/steps.ts";
import { BuildError, runTool } from "./lib/errors.ts";

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new BuildError(`--${name}`, `must be a positive integer, not "${text}"`);
  return n;
}

function readSteps(text: string): Step[] {
  const source = existsSync(text) ? readFileSync(text, "utf8") : text;
  let steps: unknown;
  try {
    steps = JSON.parse(source);
  } catch (error) {
    throw new BuildError("--replay", `not a JSON array of steps: ${(error as Error).message}`);
  }
  if (!Array.isArray(steps)) throw new BuildError("--replay", "not a JSON array of steps");
  return steps as Step[];
}

await runTool("fuzz", async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: { runs: { type: "string" }, seed: { type: "string" }, steps: { type: "string" }, replay: { type: "string" } },
    }));
  } catch (error) {
    throw new BuildError("fuzz", (error as Error).message);
  }
  if (values.replay !== undefined) {
    const steps = readSteps(values.replay);
    const d = await compareSequence(steps);
    if (d === null) {
      console.log(`fuzz: replayed ${steps.length} steps: kernel and model agree`);
      return 0;
    }
    console.log(describeDivergence(steps, d));
    return 1;
  }
  const runs = positiveInteger("runs", values.runs, 1000);
  const maxSteps = positiveInteger("steps", values.steps, 40);
  const seed = values.seed === undefined ? Date.now() % 0x7fffffff : positiveInteger("seed", values.seed, 0);
  const started = Date.now();
  let steps = 0;
  const counted = fuzzProperty(maxSteps, (n) => (steps += n));
  const result = await fc.check(counted, { numRuns: runs, seed });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!result.failed) {
    console.log(`fuzz: ${result.numRuns} sequences, ${steps} steps, seed ${seed}, up to ${maxSteps} steps each: no divergence (${seconds} s)`);
    return 0;
  }
  console.log(`fuzz: divergence after ${result.numRuns} sequences (seed ${seed}, ${seconds} s), shrunk ${result.numShrinks} times:`);
  console.log(result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance));
  return 1;
});
