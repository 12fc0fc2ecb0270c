/**
 * Child-process entry of the Node reference run: the same cases (bench/cases.ts) and harness as the device, timed
 * with performance.now(), printed as one JSON array on stdout. A process of its own so the kernel's module state and
 * the JIT start fresh, as on the device, whatever the parent tool did before.
 */
import { performance } from "node:perf_hooks";

import { cases } from "../../../bench/cases.ts";
import { measure } from "../../../bench/harness.ts";

/** Node runs about 100 times more iterations than the device, for repeats of milliseconds rather than microseconds. */
const SCALE = 100;
const REPEATS = 5;

const clock = { now: () => performance.now() * 1e6 };
const results = [];
for (const c of cases) {
  // A first, discarded measurement lets the JIT settle: Node's figures are for optimised code.
  await measure(c, clock, { repeats: 1, scale: SCALE });
  results.push(await measure(c, clock, { repeats: REPEATS, scale: SCALE }));
}
process.stdout.write(`${JSON.stringify(results)}\n`);
