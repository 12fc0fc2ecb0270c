/**
 * The device entry's test globals: importing this module installs describe/it/hooks on globalThis, writing protocol
 * lines with console.log, the only output the device has.
 *
 * It must be imported before the spec modules, which call describe at load time, yet the kernel clock is only ready
 * later; so time is taken from whatever `configureDeviceRuntime` supplies, looked up when the run needs it.
 */
import { createRunner, install, type RunnerOptions, type Summary } from "./mocha.ts";

declare const console: { log(line: string): void };

export interface DeviceClock {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Default per-test timeout in ms. */
  timeout?: number;
}

let clock: DeviceClock | undefined;
const options: RunnerOptions = {};
const runner = createRunner(
  { write: (line) => console.log(line), now: () => clock!.now(), sleep: (ms) => clock!.sleep(ms) },
  options,
);
install(globalThis, runner);

export function configureDeviceRuntime(config: DeviceClock): void {
  clock = config;
  options.timeout = config.timeout;
}

/** Runs every registered spec and resolves with the totals also sent in the "end" line. */
export async function runAll(): Promise<Summary> {
  if (!clock) throw new Error("configureDeviceRuntime() must be called before runAll()");
  return runner.run();
}
