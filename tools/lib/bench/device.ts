/**
 * The device half of `npm run bench`: builds the benchmark firmware (bench/manifest.json) for a board, runs it once in
 * QEMU under -icount shift=0 with the insn_profile plugin attached, and collects the `@@bench {json}` records that
 * bench/main.ts prints plus the plugin's per-address counts. One run gives both: the plugin adds no guest
 * instructions, so the timer figures are the same with or without it.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

import { describeStatus, runQemu } from "../../../qemu/qemu.ts";
import { BuildError } from "../errors.ts";
import { buildFirmware, type Firmware } from "../firmware.ts";
import { run } from "../jobs.ts";
import { projectRoot } from "../paths.ts";
import { parsePluginOutput, pluginArgs, type PluginOutput } from "./plugin.ts";

export const benchManifest = join(projectRoot, "bench", "manifest.json");

export interface BenchRecord {
  type: string;
  [field: string]: unknown;
}

export interface DeviceRun {
  firmware: Firmware;
  records: BenchRecord[];
  plugin?: PluginOutput;
  /** The runtime's boot line ("[xs] <board>: reset to main N ns, machine M ns, XS heap B B"), parsed. */
  bootLine?: { resetToMain: number; machine: number; heap: number };
  output: string;
}

const PREFIX = "@@bench ";

/** Address of each named symbol in the ELF (Thumb bit cleared); `required` ones must exist. */
export async function symbolAddresses(elf: string, names: string[], required = names): Promise<Map<string, number>> {
  const result = await run("arm-none-eabi-nm", [elf]);
  const found = new Map<string, number>();
  for (const line of result.stdout.split("\n")) {
    const [address, , name] = line.split(" ");
    if (names.includes(name)) found.set(name, parseInt(address, 16) & ~1);
  }
  for (const name of required) if (!found.has(name)) throw new BuildError(elf, `no symbol ${name} (is bench/hooks.c in the manifest?)`);
  return found;
}

export function parseRecords(output: string): BenchRecord[] {
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith(PREFIX))
    .map((line) => JSON.parse(line.slice(PREFIX.length)) as BenchRecord);
}

export function parseBootLine(output: string): DeviceRun["bootLine"] {
  const match = /\[xs\] \S+: reset to main (\d+) ns, machine (\d+) ns, XS heap (\d+) B/.exec(output);
  return match ? { resetToMain: Number(match[1]), machine: Number(match[2]), heap: Number(match[3]) } : undefined;
}

export interface DeviceOptions {
  board: string;
  /** The built plugin library, or undefined to run without profiling. */
  plugin?: string;
  /** Called with each record as it arrives (progress). */
  onRecord?: (record: BenchRecord) => void;
}

export async function runDeviceBench(options: DeviceOptions): Promise<DeviceRun> {
  const firmware = await buildFirmware({ board: options.board, manifest: benchManifest, quiet: true });
  const profileFile = join(dirname(firmware.elf), "insn_profile.txt");
  let extraArgs: string[] = [];
  if (options.plugin) {
    const required = ["bench_profile_begin", "bench_profile_end", "main"];
    const symbols = await symbolAddresses(firmware.elf, [...required, "hal_irq_record"], required);
    // hal_irq_record, where an interrupt handler records a program-owned line, also opens a region: the interrupt
    // latency profile runs from there to the waiter's end marker (bench/main.ts).
    const begin = [symbols.get("bench_profile_begin")!, ...(symbols.has("hal_irq_record") ? [symbols.get("hal_irq_record")!] : [])];
    extraArgs = pluginArgs(options.plugin, profileFile, { begin, end: symbols.get("bench_profile_end"), main: symbols.get("main") });
  }
  // The console goes to a file, never a pipe, so the run's instruction counts cannot depend on how fast this
  // process reads (qemu.ts consoleFile); progress is read from the file as it grows.
  const consoleFile = join(dirname(firmware.elf), "console.txt");
  rmSync(consoleFile, { force: true });
  let seen = 0;
  const poll = () => {
    if (!existsSync(consoleFile)) return;
    const text = readFileSync(consoleFile, "utf8");
    const complete = text.lastIndexOf("\n") + 1;
    for (const record of parseRecords(text.slice(seen, complete))) options.onRecord?.(record);
    seen = Math.max(seen, complete);
  };
  const progress = setInterval(poll, 250);
  const result = await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: 900_000, extraArgs, consoleFile }).finally(() => clearInterval(progress));
  poll();
  const where = `bench on ${firmware.board.name}`;
  if (result.status === undefined) throw new BuildError(where, result.problem ?? "QEMU ended without an exit status");
  if (result.status !== 0) {
    const reason = result.output.split("\n").reverse().find((line) => line.includes("***"))?.trim();
    throw new BuildError(where, `the guest exited with status ${result.status} (${describeStatus(result.status)})${reason ? `: ${reason}` : ""}`);
  }
  const records = parseRecords(result.output);
  if (!records.some((r) => r.type === "end")) throw new BuildError(where, "the benchmark ended without its end record");
  return {
    firmware,
    records,
    plugin: options.plugin ? parsePluginOutput(profileFile) : undefined,
    bootLine: parseBootLine(result.output),
    output: result.output,
  };
}
