/**
 * The bounded fuzzing profile of `npm test`: generated syscall sequences on the kernel and on the reference model
 * (test/model), compared after every step (test/fuzz), through `npm run fuzz` with a fixed seed so CI repeats itself.
 *
 * It runs in a process of its own because a sequence may leave kernel objects behind by design: a channel end sent
 * into its own queue is unreachable and never destroyed, in Magenta as here, and a periodic timer inside it keeps
 * its deadline armed. That must not leak into the other specs of this process, which share the kernel.
 */
import assert from "node:assert/strict";

import { runTool } from "./helpers.ts";

describe("sequence fuzzing: kernel against the reference model", function () {
  this.timeout(300_000);

  it("agrees on 2,000 generated sequences of up to 50 steps after a fixture (seed 20261206)", () => {
    const run = runTool("tools/fuzz.ts", ["--runs", "2000", "--steps", "50", "--seed", "20261206"]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^fuzz: 2000 sequences, \d+ steps, seed 20261206, up to 50 steps each: no divergence/m);
  });
});
