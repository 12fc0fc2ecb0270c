/**
 * Running external tools: one at a time or many in parallel (one per core), with a progress bar for long steps.
 *
 * The bar is cli-progress, the common choice on npm, drawn on stderr when that is a terminal. Elsewhere (CI logs,
 * tests that read stderr) a step prints one line to stdout when it starts, so stderr carries only errors.
 * A missing tool is reported once, naming the Debian package, instead of as a spawn error.
 */
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

import cliProgress from "cli-progress";

import { BuildError } from "./errors.ts";

const packages: Record<string, string> = {
  "arm-none-eabi-gcc": "gcc-arm-none-eabi",
  "arm-none-eabi-objcopy": "gcc-arm-none-eabi",
  "arm-none-eabi-size": "gcc-arm-none-eabi",
  "qemu-system-arm": "qemu-system-arm",
  "gdb-multiarch": "gdb-multiarch",
  gcc: "gcc",
  openocd: "openocd",
};

const checked = new Set<string>();

/** Fails with one line if `command` is not on PATH. */
export function requireTool(command: string): void {
  if (checked.has(command)) return;
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
  if (!found) {
    const pkg = packages[command] ?? command;
    throw new BuildError("toolchain", `${command} not found; install the Debian package ${pkg} (npm run setup does it)`);
  }
  checked.add(command);
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<Result> {
  requireTool(command);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

export interface Job<T> {
  label: string;
  run: () => Promise<T>;
}

/**
 * Runs jobs with one worker per core. The first failure stops new jobs from starting, waits for the running ones,
 * and is rethrown, so a failed build never leaves a job half-done behind it.
 */
export async function runParallel<T>(title: string, jobs: Job<T>[]): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  if (jobs.length === 0) return results;
  const long = jobs.length > 4;
  const bar =
    long && process.stderr.isTTY
      ? new cliProgress.SingleBar({ format: `  ${title} [{bar}] {value}/{total} {label}`, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic)
      : undefined;
  if (bar) bar.start(jobs.length, 0, { label: "" });
  else if (long) console.log(`  ${title}: ${jobs.length} files`);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < jobs.length) {
      const index = next++;
      try {
        results[index] = await jobs[index].run();
      } catch (error) {
        failure ??= error;
      }
      bar?.increment({ label: jobs[index].label });
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), jobs.length) }, worker));
  bar?.stop();
  if (failure !== undefined) throw failure;
  return results;
}
