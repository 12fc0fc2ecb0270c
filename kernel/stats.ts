/**
 * Kernel counters for tests and diagnostics: how much is in use, so a test can check that a failed call or a
 * closed object left nothing behind.
 */
import { deadlineCount } from "./clock.ts";
import { handleCount } from "./handle_table.ts";
import { interruptsLost } from "./interrupt.ts";

export interface KernelStats {
  /** Handles in existence, including those travelling inside channel messages. */
  handles: number;
  /** Interrupt records the HAL lost to ring overflow since boot. */
  interruptsLost: number;
  /** Deadlines armed: timers and waits with a finite deadline. */
  deadlines: number;
}

export function kernel_stats(): KernelStats {
  return { handles: handleCount(), interruptsLost: interruptsLost(), deadlines: deadlineCount() };
}
