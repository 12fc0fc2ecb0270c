/**
 * Where things are: the project root, the engine sources unpacked by tools/setup.mjs, and the build tree.
 * Build output lives under build/ (ignored by git) so a clean clone never carries a stale artefact.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { BuildError } from "./errors.ts";

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const buildRoot = join(projectRoot, "build");

interface EnginePin {
  package: string;
  version: string;
}

/** The XS engine's source tree (node_modules/.xs-engine/<version>), checked to exist. */
export function engineDir(): string {
  const pin: EnginePin = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).xsEngine;
  const dir = join(projectRoot, "node_modules", ".xs-engine", pin.version);
  if (!existsSync(join(dir, "sources", "xsAll.h")))
    throw new BuildError("package.json", `xsEngine: ${pin.package}@${pin.version} sources are missing; run: npm run setup`);
  return dir;
}
