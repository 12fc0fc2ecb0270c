/**
 * What every fuzzing run shares, on Node and on a board: the kernel limits both subjects run with, the length of a
 * tick, and the hash a board compares its observations with.
 */
import { kernel_configure, kernel_limits, kernel_stats, type KernelLimits } from "../../kernel/index.ts";

/** Small limits, so that a full handle table, port queue or channel queue is an everyday event (the queued-bytes
 * limit binds processes only; the fuzzer runs in process 0). */
export const FUZZ_LIMITS: KernelLimits = { maxHandles: 24, maxPacketsPerPort: 4, maxMessagesPerChannel: 3, maxQueuedBytesPerProcess: 131072 };

/**
 * Puts the kernel under FUZZ_LIMITS for one sequence. Handles that exist outside the sequence (other specs in the
 * same process or firmware) are added to the handle limit and left out of the count, so the kernel has the room the
 * model has. Returns the count of the sequence's own handles, and how to give the kernel back its limits.
 */
export function fuzzLimits(): { handles(): number; restore(): void } {
  const saved = kernel_limits();
  const outside = kernel_stats().handles;
  kernel_configure({ ...FUZZ_LIMITS, maxHandles: FUZZ_LIMITS.maxHandles + outside });
  return { handles: () => kernel_stats().handles - outside, restore: () => void kernel_configure(saved) };
}

/** On Node, virtual time: a sequence starts at 1 ms and a tick is 1 ms. */
export const NODE_EPOCH = 1_000_000n;
export const NODE_TICK = 1_000_000n;

/**
 * On a board, real (emulated) time: a tick is a second, so the steps between two ticks never cross a tick boundary
 * that the model, whose time stands still between steps, would not cross. A step costs a board about 4 ms (the
 * syscall, the observation of every handle, kernel_check, the hash): a 50 ms tick was crossed after a dozen steps.
 * Time a board sleeps through costs nothing under `-icount sleep=off`.
 */
export const DEVICE_TICK = 1_000_000_000n;

/** FNV-1a over the UTF-16 code units, as 8 hex digits: how a board checks an observation against the model's. */
export function observationHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
