/**
 * How a benchmark case is timed, on the device and on Node alike (bench/main.ts, tools/lib/bench/node-run.ts).
 *
 * A case builds a loop once and hands back `run(n)`: n iterations of the operation written inline in a `for` loop.
 * The loop overhead is not the operation's, so every repeat also times the same-shaped empty loop and subtracts it:
 * per-operation cost = (t(run n) - t(empty n)) / (n × operations per iteration). On the device the clock is
 * `native.now()`, whose nanoseconds are instructions under `qemu -icount shift=0`, so the result is instructions.
 * A timer tick is 40 instructions and each repeat spans far more than 4,000 ticks per 1% (see `iterations`), so
 * quantisation is below 0.05%; `spread` (max - min over repeats) shows the rest, mostly garbage collection.
 *
 * Synchronous loops are never awaited inside the timed window: an `await` costs a promise job.
 *
 * A loop whose iterations hold more than the operation (a process must end before its table can serve the next
 * spawn) times its operation itself: it is `timed`, and `run(n, clock)` gives the clock time of the n operations,
 * read at their two ends in each iteration; the harness subtracts nothing then, and the loop subtracts the cost of
 * its own clock readings (process_cases.ts).
 */
export interface Loop {
  /** n iterations; a Promise only for cases whose operation is asynchronous (tasks). A `timed` loop's run gives
   * the clock time its n operations took. */
  run(n: number, clock: Clock): void | number | Promise<void | number>;
  timed?: boolean;
  /** One iteration with every status and result checked; throws if the operation does not do what it claims. */
  check(): void | Promise<void>;
  teardown(): void | Promise<void>;
}

export interface Case {
  name: string;
  /** Iterations per repeat on the device. */
  iterations: number;
  /** Operations per iteration (a ping-pong iteration is two hand-offs). */
  operations?: number;
  /** RAM the case needs for its buffers on top of the kernel's; a board with less heap room skips it with a note. */
  ramBytes?: number;
  setup(): Loop | Promise<Loop>;
}

export interface Clock {
  /** Nanoseconds (on the device: instructions since reset). */
  now(): number;
}

export interface Measurement {
  name: string;
  /** Mean cost of one operation over the repeats, in clock nanoseconds. */
  cost: number;
  /** Operations timed per repeat. */
  operations: number;
  /** Largest minus smallest per-operation cost over the repeats. */
  spread: number;
  samples: number[];
}

function emptyLoop(n: number): void {
  for (let i = 0; i < n; i++) {}
}

export function summarize(name: string, operations: number, samples: number[]): Measurement {
  const cost = samples.reduce((sum, s) => sum + s, 0) / samples.length;
  return { name, cost, operations, spread: Math.max(...samples) - Math.min(...samples), samples };
}

/** Times `n` iterations of a built loop once; the empty loop's time is subtracted. Returns cost per operation. */
export async function timeOnce(loop: Loop, n: number, operations: number, clock: Clock): Promise<number> {
  if (loop.timed) return (await loop.run(n, clock)) as number / (n * operations);
  let t0 = clock.now();
  const pending = loop.run(n, clock);
  if (pending) await pending;
  let t1 = clock.now();
  const loopTime = t1 - t0;
  t0 = clock.now();
  emptyLoop(n);
  t1 = clock.now();
  return (loopTime - (t1 - t0)) / (n * operations);
}

export interface MeasureOptions {
  repeats: number;
  /** Multiplies the case's iteration count (Node runs far more iterations than the device). */
  scale?: number;
  /**
   * Clock nanoseconds each repeat should span at least: the iteration count is raised to reach it, from the cost
   * the warm-up measured. Garbage collection strikes every few hundred thousand instructions of allocation and costs
   * about a million on the device, so a repeat must span many collections for their share to average out.
   */
  budget?: number;
  /** Called between the timed repeats and teardown, with the built loop (the device profiles it here). */
  after?: (loop: Loop, n: number) => void | Promise<void>;
}

/** Rounds up to two significant digits, so iteration counts read well in reports. */
function roundUp(n: number): number {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.ceil(n / unit) * unit;
}

/** Builds a case, checks it, warms it up (pools filled, lazy views made), then times `repeats` repeats. */
export async function measure(c: Case, clock: Clock, options: MeasureOptions): Promise<Measurement> {
  let n = Math.max(1, Math.round(c.iterations * (options.scale ?? 1)));
  const operations = c.operations ?? 1;
  const loop = await c.setup();
  try {
    await loop.check();
    const warm = await timeOnce(loop, Math.max(1, n >> 2), operations, clock);
    if (options.budget && warm > 0) n = Math.max(n, roundUp(options.budget / (warm * operations)));
    const samples: number[] = [];
    for (let r = 0; r < options.repeats; r++) samples.push(await timeOnce(loop, n, operations, clock));
    await loop.check();
    if (options.after) await options.after(loop, n);
    return summarize(c.name, n * operations, samples);
  } finally {
    await loop.teardown();
  }
}
