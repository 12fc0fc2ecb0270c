/**
 * The insn_profile QEMU plugin (qemu/plugins/insn_profile.c): built with the host gcc into build/, and its output
 * parsed. Rebuilt only when the source is newer than the library, like every other build step.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

import { BuildError } from "../errors.ts";
import { run } from "../jobs.ts";
import { buildRoot, projectRoot } from "../paths.ts";

export const pluginSource = join(projectRoot, "qemu", "plugins", "insn_profile.c");

/** Compiles the plugin (if stale) to `output` and returns its path. */
export async function buildPlugin(output = join(buildRoot, "insn_profile.so")): Promise<string> {
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(pluginSource).mtimeMs) return output;
  mkdirSync(buildRoot, { recursive: true });
  const result = await run("gcc", ["-shared", "-fPIC", "-O2", "-Wall", "-fvisibility=hidden", "-o", `${output}.tmp`, pluginSource]);
  if (result.code !== 0) {
    rmSync(`${output}.tmp`, { force: true });
    throw new BuildError("qemu/plugins/insn_profile.c", `plugin build failed: ${result.stderr.split("\n").find((l) => /error/.test(l)) ?? result.stderr.trim()}`);
  }
  renameSync(`${output}.tmp`, output);
  return output;
}

/** QEMU's `-plugin` argument for the profile: marker addresses (hex; several begin addresses) and the output file. */
export function pluginArgs(library: string, out: string, markers: { begin?: number[]; end?: number; main?: number }): string[] {
  const parts = [library, `out=${out}`];
  for (const address of markers.begin ?? []) parts.push(`begin=${address.toString(16)}`);
  if (markers.end !== undefined) parts.push(`end=${markers.end.toString(16)}`);
  if (markers.main !== undefined) parts.push(`main=${markers.main.toString(16)}`);
  return ["-plugin", parts.join(",")];
}

export interface PluginOutput {
  /** Instructions from reset to the first execution of main=, if it ran. */
  main?: number;
  /** Each closed region: total instructions and per-address counts. */
  regions: { total: number; counts: Map<number, number> }[];
}

export function parsePluginOutput(file: string): PluginOutput {
  const output: PluginOutput = { regions: [] };
  let current: { total: number; counts: Map<number, number> } | undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [first, second, third] = line.split(" ");
    if (first === "main") output.main = Number(second);
    else if (first === "region") {
      current = { total: Number(third), counts: new Map() };
      output.regions[Number(second)] = current;
    } else if (first === "end") current = undefined;
    else if (current && second !== undefined) current.counts.set(parseInt(first, 16), Number(second));
  }
  return output;
}
