/**
 * Makes the device half of the fuzzer: draws sequences on the host with a fixed seed, records the reference model's
 * observation of every step (as hashes), and writes a spec that replays them on a board (test/fuzz/device_replay.ts).
 * The spec is build output, made anew for each run under build/fuzz/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";

import { expectedObservations } from "../../test/fuzz/differential.ts";
import { sequence } from "../../test/fuzz/generate.ts";
import { DEVICE_TICK, observationHash } from "../../test/fuzz/profile.ts";
import type { Step } from "../../test/fuzz/steps.ts";
import { loadBoard } from "./board.ts";
import { buildRoot, projectRoot } from "./paths.ts";

export interface ReplayProfile {
  /** How many sequences, and the longest. */
  runs: number;
  maxSteps: number;
  seed: number;
}

/**
 * The bounded profile `npm test` runs on a board: 100 sequences of up to 40 steps where the whole suite fits in RAM
 * (about 25 s of QEMU), 12 of up to 30 on a board whose tests run one spec file per firmware (netduinoplus2: the
 * recorded sequences live in RAM with the test code).
 */
export function replayProfileFor(board: string): ReplayProfile {
  return loadBoard(board).deviceTests?.firmwarePerSpec ? { runs: 12, maxSteps: 30, seed: 20261206 } : { runs: 100, maxSteps: 40, seed: 20261206 };
}

/** The sequences of a profile, as drawn on every run with its seed. */
export function replaySequences(profile: ReplayProfile): Step[][] {
  return fc.sample(sequence(profile.maxSteps), { numRuns: profile.runs, seed: profile.seed });
}

/** Writes the replay spec for `profile` and returns its path. */
export async function writeReplaySpec(profile: ReplayProfile): Promise<string> {
  const sequences = [];
  for (const steps of replaySequences(profile)) {
    // The model's time starts at a tick boundary, as the board's sequence does (its epoch is its clock at the start).
    const observations = await expectedObservations(steps, DEVICE_TICK, DEVICE_TICK);
    sequences.push({ steps: JSON.stringify(steps), expect: observations.map(observationHash) });
  }
  const dir = join(buildRoot, "fuzz");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `replay-${profile.seed}-${profile.runs}x${profile.maxSteps}.spec.ts`);
  const replay = JSON.stringify(join(projectRoot, "test", "fuzz", "device_replay.ts"));
  writeFileSync(file, `import { defineReplaySuite } from ${replay};\ndefineReplaySuite(${JSON.stringify({ seed: profile.seed, sequences })});\n`);
  return file;
}
