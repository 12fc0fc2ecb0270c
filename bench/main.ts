/**
 * The benchmark firmware's main module. Everything it runs is bench/program.ts, preloaded, so that this module,
 * loaded from flash at boot, holds almost nothing in the XS heap for the cases' collections to mark.
 */
import { runBenchmark } from "./program.ts";

// Imports are evaluated first: this is the time from reset to the main module's body, with the kernel loaded. The
// plugin opened a region at C main(): closing it here profiles the boot.
const mainStarted = native.now();
bench.profileEnd();
await runBenchmark(mainStarted, native.memory());
