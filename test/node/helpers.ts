/**
 * Helpers for host tests that build throw-away programs: a scratch project folder under build/ (inside the
 * repository, so `#hal` and the tsconfig resolve as for real programs) and a way to run the tools' CLIs.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { buildRoot, projectRoot } from "../../tools/lib/paths.ts";

export interface ScratchApp {
  dir: string;
  manifest: string;
  write(name: string, text: string): string;
  remove(): void;
}

/** A program folder whose manifest includes the runtime base (hal/manifest.json) plus `modules`. */
export function scratchApp(name: string, files: Record<string, string>, manifest: Record<string, unknown> = {}): ScratchApp {
  mkdirSync(join(buildRoot, "scratch"), { recursive: true });
  const dir = mkdtempSync(join(buildRoot, "scratch", `${name}-`));
  const write = (file: string, text: string) => {
    const path = join(dir, file);
    writeFileSync(path, text);
    return path;
  };
  for (const [file, text] of Object.entries(files)) write(file, text);
  const manifestFile = write(
    "manifest.json",
    JSON.stringify({ include: [join(projectRoot, "hal", "manifest.json")], modules: { main: "./main" }, ...manifest }),
  );
  return { dir, manifest: manifestFile, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runTool(script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(process.execPath, ["--import", join(projectRoot, "tools", "ts-loader.mjs"), join(projectRoot, script), ...args], {
    cwd: projectRoot,
    encoding: "utf8",
    env,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
