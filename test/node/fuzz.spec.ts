/**
 * The bounded fuzzing profile of `npm test`: generated syscall sequences on the kernel and on the reference model
 * (test/model), compared after every step (test/fuzz). A fixed seed keeps CI repeatable; `npm run fuzz -- --runs N
 * --seed S` runs long profiles with any seed, and a failure prints the shrunk sequence with the command that
 * replays it.
 */
import fc from "fast-check";
import { fuzzProperty } from "../fuzz/differential.ts";

describe("sequence fuzzing: kernel against the reference model", function () {
  this.timeout(120_000);

  it("agrees on 2,000 generated sequences of up to 50 steps after a fixture (seed 20261206)", async () => {
    await fc.assert(fuzzProperty(50), { numRuns: 2000, seed: 20261206 });
  });
});
