/**
 * The XS engine as two builds of the same sources: `xsc`, the bytecode compiler that runs on the build machine
 * (parser and code generator only), and the engine linked into the firmware.
 *
 * Bytecode made on a 64-bit host runs on the 32-bit target only if both sides agree on the ID width and the string
 * encoding, so those defines live here once (`sharedDefines`) and go to both compilers.
 *
 * The firmware's engine carries the small patches in tools/xs-patches (each explains itself): the sources come from
 * npm untouched, and the patched files are copies under build/, named by a hash of the patches and the engine
 * version, so a patch change recompiles exactly the files it touches. Every patch is made against the pristine
 * sources; patches that touch the same file are applied together, their hunks in line order. A hunk that does not
 * match the sources exactly is a build error rather than a guess.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";

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

const patchDir = join(projectRoot, "tools", "xs-patches");

interface Hunk {
  oldStart: number;
  lines: string[];
  /** The patch file, for errors. */
  where: string;
}

/** Splits a unified diff into hunks per file name (the text before the first "---" is the patch's description). */
function parsePatch(text: string, where: string): Map<string, Hunk[]> {
  const files = new Map<string, Hunk[]>();
  const lines = text.split("\n");
  let hunks: Hunk[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("+++ ")) {
      hunks = [];
      files.set(basename(lines[i].slice(4).trim()), hunks);
    }
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(lines[i]);
    if (!header) continue;
    if (!hunks) throw new BuildError(where, `line ${i + 1}: a hunk before any +++ line`);
    const hunk: Hunk = { oldStart: Number(header[1]), lines: [], where };
    let [oldCount, newCount] = [Number(header[2] ?? 1), Number(header[3] ?? 1)];
    while (oldCount > 0 || newCount > 0) {
      const line = lines[++i] ?? "";
      const body = line === "" ? " " : line; // an empty context line may have lost its leading space
      if (body[0] !== "+") oldCount--;
      if (body[0] !== "-") newCount--;
      if (!" +-".includes(body[0]) || oldCount < 0 || newCount < 0) throw new BuildError(where, `line ${i + 1}: malformed hunk`);
      hunk.lines.push(body);
    }
    hunks.push(hunk);
  }
  return files;
}

/** Applies hunks made against `source` (from one or several patches), in line order. */
function applyHunks(source: string, hunks: Hunk[], name: string): string {
  const lines = source.split("\n");
  let shift = 0;
  for (const hunk of [...hunks].sort((a, b) => a.oldStart - b.oldStart)) {
    const before = hunk.lines.filter((l) => !l.startsWith("+")).map((l) => l.slice(1));
    const after = hunk.lines.filter((l) => !l.startsWith("-")).map((l) => l.slice(1));
    const at = hunk.oldStart - 1 + shift;
    if (before.some((line, i) => lines[at + i] !== line))
      throw new BuildError(`${hunk.where}: ${name}`, `hunk at line ${hunk.oldStart} does not match the XS sources (another engine version?)`);
    lines.splice(at, before.length, ...after);
    shift += after.length - before.length;
  }
  return lines.join("\n");
}

/** Source name → patched text, for every file the patches touch (`read` gives a pristine source by name). */
export function applyPatches(patches: { where: string; text: string }[], read: (name: string) => string): Map<string, string> {
  const hunksByFile = new Map<string, Hunk[]>();
  for (const { where, text } of patches)
    for (const [name, hunks] of parsePatch(text, where)) hunksByFile.set(name, [...(hunksByFile.get(name) ?? []), ...hunks]);
  return new Map([...hunksByFile].map(([name, hunks]) => [name, applyHunks(read(name), hunks, name)]));
}

/** Engine source name (e.g. "xsType.c") → path of its patched copy. */
function patchedEngineSources(): Map<string, string> {
  const patches = existsSync(patchDir) ? readdirSync(patchDir).filter((f) => f.endsWith(".patch")).sort() : [];
  const texts = patches.map((f) => readFileSync(join(patchDir, f), "utf8"));
  const key = createHash("sha256").update([engineDir(), ...texts].join("\0")).digest("hex").slice(0, 16);
  const out = join(buildRoot, "xs-patched", key);
  const patched = applyPatches(
    patches.map((file, i) => ({ where: relative(process.cwd(), join(patchDir, file)), text: texts[i] })),
    (name) => readFileSync(join(engineDir(), "sources", name), "utf8"),
  );
  const result = new Map<string, string>();
  for (const [name, text] of patched) {
    const target = join(out, name);
    result.set(name, target);
    if (existsSync(target)) continue;
    mkdirSync(out, { recursive: true });
    writeFileSync(`${target}.tmp`, text);
    renameSync(`${target}.tmp`, target);
  }
  return result;
}

/** Absolute paths of the engine sources the firmware compiles, patched ones replaced by their copies. */
export function deviceEngineSources(withParser: boolean): string[] {
  const dir = join(engineDir(), "sources");
  const patched = patchedEngineSources();
  return readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .map((f) => f.slice(0, -2))
    .filter((name) => !neverOnDevice.has(name) && (withParser || !parserSources.includes(name)))
    .sort()
    .map((name) => patched.get(`${name}.c`) ?? join(dir, `${name}.c`));
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
