/**
 * Replays fuzzer sequences made on the host against the kernel on a board, and checks every step's observation
 * against the reference model's, recorded on the host as hashes (observationHash): the data is small enough for
 * a board with 192 KiB of RAM, and a mismatch prints the board's own observation and the steps that led to it, which
 * `npm run fuzz -- --replay` runs on Node against the model.
 *
 * The kernel runs on the board's real clock: deadlines are whole ticks from the start of the sequence, and time
 * passes by sleeping (awaitable mx_nanosleep) to a tick, so the board's alarm fires at each deadline on the way as
 * the model's time steps from deadline to deadline.
 */
import { awaitable, kernel_check, mx_time_get, MX_CLOCK_MONOTONIC } from "../../kernel/index.ts";
import { DEVICE_TICK, fuzzLimits, observationHash } from "./profile.ts";
import { Session, settle, type Subject, type Syscalls } from "./session.ts";
import * as kernel from "../../kernel/index.ts";
import type { Step } from "./steps.ts";

export interface ReplayData {
  /** The fast-check seed the sequences were drawn with. */
  seed: number;
  /** Each sequence: its steps as JSON, and the model's observation hashes (the last one for the clean-up). */
  sequences: { steps: string; expect: string[] }[];
}

function boardSubject(handleCount: () => number): Subject {
  return {
    sys: kernel as unknown as Syscalls,
    handleCount,
    check: kernel_check,
    async advanceTo(t: bigint) {
      await awaitable.mx_nanosleep(t);
      await settle();
    },
  };
}

async function replay(steps: Step[], expect: string[]): Promise<void> {
  const limits = fuzzLimits();
  try {
    const session = new Session(boardSubject(limits.handles), mx_time_get(MX_CLOCK_MONOTONIC), DEVICE_TICK);
    for (let i = 0; i <= steps.length; i++) {
      const observed = i < steps.length ? await session.exec(steps[i]) : await session.finish();
      if (observationHash(observed) !== expect[i]) {
        const where = i < steps.length ? `step ${i} (${steps[i].op})` : "the clean-up";
        throw new Error(`the board and the model disagree at ${where}: the board observed ${observed}; replay on Node with: npm run fuzz -- --replay '${JSON.stringify(steps.slice(0, i + 1))}'`);
      }
    }
  } finally {
    limits.restore();
  }
}

/** Defines one mocha test per sequence. */
export function defineReplaySuite(data: ReplayData): void {
  describe(`fuzzer sequences replayed against the model (seed ${data.seed})`, () => {
    data.sequences.forEach((s, i) => {
      it(`sequence ${i}: ${s.expect.length - 1} steps, every observation as the model's`, async function () {
        this.timeout(0); // virtual time: a sequence sleeps through up to a minute of whole-second ticks
        await replay(JSON.parse(s.steps) as Step[], s.expect);
      });
    });
  });
}
