/**
 * Child-process entry of the Node reference run: the same cases (bench/cases.ts) and harness as the device, timed
 * with performance.now(), printed as one JSON array on stdout. A process of its own so the kernel's module state and
 * the JIT start fresh, as on the device, whatever the parent tool did before.
 */
import { performance } from "node:perf_hooks";

import * as emptyProgram from "../../../bench/empty_program.ts";
import { measure } from "../../../bench/harness.ts";
import * as waiterProgram from "../../../bench/waiter_program.ts";
import { kernel_set_programs } from "../../../kernel/index.ts";

// What bench/manifest.json's config.kernel.programs gives the device (there, each in a Compartment), registered
// before the cases load, as the device's setup module does; loaded once, so that a start job runs main at once.
kernel_set_programs({ empty: () => emptyProgram, waiter: () => waiterProgram });
const { cases } = await import("../../../bench/cases.ts");

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
