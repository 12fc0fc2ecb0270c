/**
 * The XS engine as two builds of the same sources: `xsc`, the bytecode compiler that runs on the build machine
 * (parser and code generator only), and the engine linked into the firmware.
 *
 * Bytecode made on a 64-bit host runs on the 32-bit target only if both sides agree on the ID width and the string
 * encoding, so those defines live here once (`sharedDefines`) and go to both compilers.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { compile } from "./cc.ts";
import { BuildError } from "./errors.ts";
import { run } from "./jobs.ts";
import { buildRoot, engineDir, projectRoot } from "./paths.ts";

/** Defines that change the bytecode format: identical for xsc and the firmware. mx32bitID stays undefined (16-bit IDs). */
export const sharedDefines = ["-DmxCESU8=1"];

/** The parser and code generator: in xsc always, in the firmware only for debug builds (eval works there). */
const parserSources = ["xsCode", "xsLexical", "xsScope", "xsScript", "xsSourceMap", "xsSyntaxical", "xsTree"];
const hostCompilerSources = [...parserSources, "xsBigInt", "xsCommon", "xsdtoa", "xsre"];

/** Engine sources the firmware never uses: snapshots need a file system, xsmc is Moddable's C API layer. */
const neverOnDevice = new Set(["xsSnapshot", "xsmc"]);

export function engineIncludes(): string[] {
  const dir = engineDir();
  return [`-I${join(dir, "includes")}`, `-I${join(dir, "platforms")}`, `-I${join(dir, "sources")}`];
}

/** Absolute paths of the engine sources the firmware compiles. */
export function deviceEngineSources(withParser: boolean): string[] {
  const dir = join(engineDir(), "sources");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .map((f) => f.slice(0, -2))
    .filter((name) => !neverOnDevice.has(name) && (withParser || !parserSources.includes(name)))
    .sort()
    .map((name) => join(dir, `${name}.c`));
}

/** Builds (or reuses) the host compiler; returns its path. */
export async function hostCompiler(): Promise<string> {
  const out = join(buildRoot, "host");
  const objects = join(out, "obj");
  const sources = [join(projectRoot, "tools", "xsc", "xsc.c"), ...hostCompilerSources.map((n) => join(engineDir(), "sources", `${n}.c`))];
  const units = sources.map((source) => ({ source, object: join(objects, source.split("/").pop()!.replace(/\.c$/, ".o")) }));
  const flags = ["-O2", "-w", ...sharedDefines, ...engineIncludes()];
  const compiled = await compile("xsc", "gcc", flags, units);
  const binary = join(out, "xsc");
  if (compiled > 0 || !existsSync(binary)) {
    const result = await run("gcc", ["-o", binary, ...units.map((u) => u.object), "-lm"]);
    if (result.code !== 0) throw new BuildError("tools/xsc/xsc.c", `host compiler link failed: ${result.stderr.trim().split("\n")[0]}`);
  }
  return binary;
}
