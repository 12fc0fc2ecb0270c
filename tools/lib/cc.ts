/**
 * Incremental C compilation, make-style: an object is rebuilt when it is missing, when the flags of its directory
 * changed, or when the source or any header it included (from gcc's -MMD dependency file) is newer. That is what
 * lets a TypeScript-only change relink without recompiling the engine.
 *
 * Objects are compiled to a temporary name and renamed, so an interrupted or failed compile never leaves an object
 * that a later build would trust.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

import { BuildError } from "./errors.ts";
import { type Job, run, runParallel } from "./jobs.ts";
import { projectRoot } from "./paths.ts";

export interface CompileUnit {
  source: string;
  object: string;
}

const mtime = (path: string) => statSync(path).mtimeMs;

function dependencies(depFile: string): string[] {
  const text = readFileSync(depFile, "utf8").replace(/\\\r?\n/g, " ");
  const colon = text.indexOf(": ");
  return text
    .slice(colon + 2)
    .split(/\s+/)
    .filter(Boolean)
    .map((p) => p.replace(/\\ /g, " "));
}

function upToDate(unit: CompileUnit): boolean {
  const dep = unit.object.replace(/\.o$/, ".d");
  if (!existsSync(unit.object) || !existsSync(dep)) return false;
  const built = mtime(unit.object);
  const inputs = dependencies(dep);
  // The same object name can come from another source file (an engine file replaced by its patched copy).
  return inputs.includes(unit.source) && inputs.every((file) => existsSync(file) && mtime(file) <= built);
}

/** Ensures each directory's objects were built with `flags`; forgets them when the flags changed. */
function checkFlags(objectDirs: Set<string>, compiler: string, flags: string[]): void {
  const stamp = createHash("sha256").update([compiler, ...flags].join("\0")).digest("hex");
  for (const dir of objectDirs) {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, ".flags");
    if (!existsSync(file) || readFileSync(file, "utf8") !== stamp) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, stamp);
    }
  }
}

const show = (path: string) => relative(projectRoot, path) || path;

/** Compiles what is out of date; returns how many units were compiled. Fails with the compiler's first error line. */
export async function compile(title: string, compiler: string, flags: string[], units: CompileUnit[]): Promise<number> {
  checkFlags(new Set(units.map((u) => dirname(u.object))), compiler, flags);
  const stale = units.filter((unit) => !upToDate(unit));
  const jobs: Job<void>[] = stale.map((unit) => ({
    label: basename(unit.source),
    run: async () => {
      const temporary = `${unit.object}.tmp`;
      const dep = unit.object.replace(/\.o$/, ".d");
      const result = await run(compiler, [...flags, "-MMD", "-MF", dep, "-MT", unit.object, "-c", unit.source, "-o", temporary]);
      if (result.code !== 0) {
        rmSync(temporary, { force: true });
        rmSync(dep, { force: true });
        const first = result.stderr.split("\n").find((line) => /error/.test(line)) ?? result.stderr.trim().split("\n")[0];
        throw new BuildError(show(unit.source), `C compile failed: ${first?.replace(unit.source + ":", "").trim()}`);
      }
      renameSync(temporary, unit.object);
    },
  }));
  await runParallel(title, jobs);
  return stale.length;
}
