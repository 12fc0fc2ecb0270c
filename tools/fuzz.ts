/**
 * `npm run fuzz -- [--runs N] [--seed S] [--steps M] [--board <name>]... [--replay '<steps JSON>' | file.json]`:
 * long fuzzing profiles of the kernel against the reference model (test/fuzz), beyond the bounded ones `npm test`
 * runs. On Node (the default) a failure prints the shrunk sequence and the command that replays it; `--replay`
 * reruns one sequence. With `--board`, N sequences drawn with the seed are replayed on each board in QEMU against
 * the model's recorded observations.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";

import { compareSequence, describeDivergence, fuzzProperty } from "../test/fuzz/differential.ts";
import type { Step } from "../test/fuzz/steps.ts";
import { loadBoard } from "./lib/board.ts";
import { runDeviceTests } from "./lib/device-tests.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { type ReplayProfile, replaySequences, writeReplaySpec } from "./lib/fuzz-replay.ts";
import { run } from "./lib/jobs.ts";
import { buildRoot, projectRoot } from "./lib/paths.ts";

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

/**
 * Sequences per process. A sequence may leave kernel objects behind by design (a channel end sent into its own
 * queue is never destroyed, as in Magenta), and in one process they would pile up and slow every later sequence:
 * long profiles run as batches in child processes, as many at once as there are cores, batch k with seed S + k.
 */
const BATCH = 2000;

async function inBatches(runs: number, maxSteps: number, seed: number): Promise<number> {
  const started = Date.now();
  const batches = Math.ceil(runs / BATCH);
  let next = 0;
  let sequences = 0;
  let steps = 0;
  let failure: string | null = null;
  const worker = async () => {
    while (next < batches && failure === null) {
      const k = next++;
      const n = Math.min(BATCH, runs - k * BATCH);
      const args = ["--import", join(projectRoot, "tools", "ts-loader.mjs"), join(projectRoot, "tools", "fuzz.ts"), "--runs", `${n}`, "--steps", `${maxSteps}`, "--seed", `${seed + k}`];
      const child = await run(process.execPath, args);
      const done = /^fuzz: (\d+) sequences, (\d+) steps/m.exec(child.stdout);
      if (child.code !== 0 || done === null) failure ??= `batch ${k} (seed ${seed + k}):\n${child.stdout}${child.stderr}`;
      else {
        sequences += Number(done[1]);
        steps += Number(done[2]);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), batches) }, worker));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failure !== null) {
    console.log(`fuzz: divergence in ${failure}`);
    return 1;
  }
  console.log(`fuzz: ${sequences} sequences, ${steps} steps, seeds ${seed}..${seed + batches - 1}, up to ${maxSteps} steps each: no divergence (${seconds} s)`);
  return 0;
}

/** Replays a profile's sequences on each board; 0 when every board agreed with the model at every step. */
async function onBoards(boards: string[], profile: ReplayProfile): Promise<number> {
  for (const board of boards) loadBoard(board); // an unknown board is a BuildError naming the boards there are
  const spec = await writeReplaySpec(profile);
  let failed = 0;
  let drawn: Step[][] | null = null;
  for (const board of boards) {
    const started = Date.now();
    const run = await runDeviceTests({ specs: [spec], board, testTimeoutMs: 0, runTimeoutMs: 60_000 + profile.runs * profile.maxSteps * 200 });
    const fails = run.events.filter((e) => e.event === "fail");
    const passes = run.events.filter((e) => e.event === "pass").length;
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    for (const f of fails) {
      if (f.event !== "fail") continue;
      // The board's message may be cut short: the full sequence, up to its end, is written here for --replay.
      const index = Number(/^sequence (\d+):/.exec(f.title)?.[1]);
      const file = join(buildRoot, "fuzz", `failed-${board}-${profile.seed}-${index}.json`);
      drawn ??= replaySequences(profile);
      writeFileSync(file, JSON.stringify(drawn[index]));
      console.log(`${board}: ${f.title}: ${(f.error.message ?? "").split("; replay on Node")[0]}\n  the whole sequence: npm run fuzz -- --replay ${relative(process.cwd(), file)}`);
    }
    if (run.problem) console.log(`${board}: ${run.problem}`);
    console.log(`fuzz: ${board}: ${passes} of ${profile.runs} sequences (seed ${profile.seed}, up to ${profile.maxSteps} steps) agreed with the model (${seconds} s)`);
    if (run.problem || fails.length > 0 || passes !== profile.runs) failed++;
  }
  return failed === 0 ? 0 : 1;
}

await runTool("fuzz", async () => {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        runs: { type: "string" },
        seed: { type: "string" },
        steps: { type: "string" },
        replay: { type: "string" },
        board: { type: "string", multiple: true },
      },
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
  if (values.board !== undefined) return onBoards(values.board, { runs, maxSteps, seed });
  if (runs > BATCH) return inBatches(runs, maxSteps, seed);
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
