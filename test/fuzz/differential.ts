/**
 * The kernel against the reference model on Node: both subjects, a sequence run on both with every observation
 * compared, and the fast-check property (`fc.commands`) that generates, runs and shrinks sequences.
 *
 * The kernel runs on a fresh virtual HAL per sequence, so time moves only when a step says so and a run never
 * depends on the host's speed. Its limits are lowered to the fuzzer's (a few handles, packets and messages) so
 * that full tables and queues are reached often; handles that exist outside the sequence (other specs in the same
 * process) are added to the handle limit and subtracted from the count, so the model sees the same room.
 */
import fc from "fast-check";
import { VirtualHal } from "../../hal/host.ts";
import * as kernel from "../../kernel/index.ts";
import { FUZZ_LIMITS, fuzzLimits, NODE_EPOCH, NODE_TICK } from "./profile.ts";
import { ModelKernel } from "../model/model.ts";
import { FIXTURE, sequence, step as stepArbitrary } from "./generate.ts";
import { Session, settle, type Subject, type Syscalls } from "./session.ts";
import type { Step } from "./steps.ts";


/** The model as a subject: a fresh kernel model per sequence. */
export function modelSubject(limits = FUZZ_LIMITS, start = NODE_EPOCH): Subject {
  const model = new ModelKernel({ start, limits });
  return {
    sys: model as unknown as Syscalls,
    handleCount: () => model.handleCount(),
    check: () => [],
    advanceTo: modelAdvance(model),
  };
}

/** The kernel as a subject, on its own virtual HAL; `close()` gives the kernel back its HAL and limits. */
export function kernelSubject(): Subject & { close(): void } {
  const before = kernel.kernel_check();
  if (before.length > 0) throw new Error(`the kernel was inconsistent before the sequence began: ${before.join("; ")}`);
  const vhal = new VirtualHal({ start: NODE_EPOCH });
  const previousHal = kernel.kernel_set_hal(vhal);
  const limits = fuzzLimits();
  return {
    sys: kernel as unknown as Syscalls,
    handleCount: limits.handles,
    check: kernel.kernel_check,
    async advanceTo(t: bigint) {
      // One service per deadline, as a board's alarm gives; the cap guards against an alarm that never moves.
      for (let i = 0; i < 10_000 && vhal.alarmAt <= t; i++) {
        const before = vhal.alarmAt;
        vhal.advance(vhal.alarmAt > vhal.now() ? vhal.alarmAt - vhal.now() : 0n);
        if (vhal.alarmAt === before && before <= vhal.now()) break;
      }
      if (t > vhal.now()) vhal.advance(t - vhal.now());
      await settle();
    },
    close() {
      limits.restore();
      kernel.kernel_set_hal(previousHal);
    },
  };
}

export interface Divergence {
  /** Index of the step whose observations differ (steps.length: the final clean-up). */
  index: number;
  step: Step | null;
  model: string;
  kernel: string;
}

/** Runs `steps` on the model and on the kernel; the first step whose observations differ, or null. */
export async function compareSequence(steps: Step[]): Promise<Divergence | null> {
  const real = kernelSubject();
  try {
    const m = new Session(modelSubject(), NODE_EPOCH, NODE_TICK);
    const k = new Session(real, NODE_EPOCH, NODE_TICK);
    for (let i = 0; i < steps.length; i++) {
      const expected = await m.exec(steps[i]);
      const actual = await k.exec(steps[i]);
      if (actual !== expected) return { index: i, step: steps[i], model: expected, kernel: actual };
    }
    const expected = await m.finish();
    const actual = await k.finish();
    return actual === expected ? null : { index: steps.length, step: null, model: expected, kernel: actual };
  } finally {
    real.close();
  }
}

/** The model's observations of a sequence (what a board must reproduce), with the final clean-up last. */
export async function expectedObservations(steps: Step[], epoch: bigint, tick: bigint, limits = FUZZ_LIMITS): Promise<string[]> {
  const session = new Session(modelSubject(limits, epoch), epoch, tick);
  const observations: string[] = [];
  for (const s of steps) observations.push(await session.exec(s));
  observations.push(await session.finish());
  return observations;
}

/** The model's time moves as a board's does: one service at each deadline on the way to `t`. */
function modelAdvance(model: ModelKernel): (t: bigint) => Promise<void> {
  return async (t) => {
    for (let d = model.nextDeadline(); d !== null && d <= t; d = model.nextDeadline()) model.advanceTo(d > model.now() ? d : model.now());
    if (t > model.now()) model.advanceTo(t);
    await settle();
  };
}

/** Describes a divergence as a replayable test: the steps up to it, and both observations of the step. */
export function describeDivergence(steps: Step[], d: Divergence): string {
  return [
    `kernel and model disagree at step ${d.index}${d.step ? ` (${d.step.op})` : " (clean-up)"}`,
    `  model:  ${d.model}`,
    `  kernel: ${d.kernel}`,
    `replay with: npm run fuzz -- --replay '${JSON.stringify(steps.slice(0, d.index + 1))}'`,
  ].join("\n");
}

/** One fuzzing run's two sessions and the steps run so far (fast-check's "model" and "real" are this one world). */
interface World {
  model: Session;
  kernel: Session;
  steps: Step[];
}

class StepCommand implements fc.AsyncCommand<World, World> {
  constructor(readonly step: Step) {}
  check(): boolean {
    return true;
  }
  async run(w: World): Promise<void> {
    w.steps.push(this.step);
    const expected = await w.model.exec(this.step);
    const actual = await w.kernel.exec(this.step);
    if (actual !== expected) throw new Error(describeDivergence(w.steps, { index: w.steps.length - 1, step: this.step, model: expected, kernel: actual }));
  }
  toString(): string {
    return JSON.stringify(this.step);
  }
}

/**
 * The fuzzing property: fast-check's model-based runner (`fc.commands`, `fc.asyncModelRun`) runs each generated
 * step on the model and the kernel and compares their observations; a failing list shrinks by dropping and
 * simplifying steps, and its message is the replayable sequence.
 */
export function fuzzProperty(
  maxSteps: number,
  onRun: (steps: number) => void = () => {},
): fc.IAsyncPropertyWithHooks<[Iterable<fc.AsyncCommand<World, World>>]> {
  const commands = fc.commands([stepArbitrary.map((s) => new StepCommand(s))], { maxCommands: maxSteps, size: "max" });
  return fc.asyncProperty(commands, async (cmds) => {
    const real = kernelSubject();
    try {
      const world: World = { model: new Session(modelSubject(), NODE_EPOCH, NODE_TICK), kernel: new Session(real, NODE_EPOCH, NODE_TICK), steps: [] };
      for (const s of FIXTURE) await new StepCommand(s).run(world);
      await fc.asyncModelRun(() => ({ model: world, real: world }), cmds);
      const expected = await world.model.finish();
      const actual = await world.kernel.finish();
      onRun(world.steps.length);
      if (actual !== expected) throw new Error(describeDivergence(world.steps, { index: world.steps.length, step: null, model: expected, kernel: actual }));
    } finally {
      real.close();
    }
  });
}

export { sequence };
