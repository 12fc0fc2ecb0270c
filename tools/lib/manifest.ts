/**
 * Reads manifest.json with the Moddable SDK's semantics, for the subset this project supports, so that people who
 * know Moddable can write one without learning a new format:
 *
 * - `build`: variables, `$(VAR)` substitution (falling back to the environment), `"X ?=": default`.
 * - `include`: manifests processed depth-first, relative to the including manifest.
 * - `modules`: `{ "*": ["./main", "./lib/*"], "explicit/specifier": "./path/file", "~": [...] }`; the extension
 *   decides the kind (.ts, .js, .c, .d.ts).
 * - `preload`: specifiers, or "dir/*" for every module under a prefix, run at build time into the base heap
 *   (tools/lib/base-image.ts); `creation`, `defines`, `config`, `typescript`, `strip` (accepted, ignored).
 * - `platforms`: the entry for the board, then `<family>/*`, then `"..."`, merged after the manifest itself.
 *   Merging: config, creation and defines deep-merge; modules and preload concatenate.
 *
 * Every problem is a BuildError naming the manifest file and the field, e.g. `manifest.json: creation.stack: ...`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";

import { BuildError } from "./errors.ts";

export type ModuleKind = "ts" | "js" | "c" | "typings";

export interface ModuleEntry {
  /** The specifier programs import it by, e.g. "kernel/port". */
  specifier: string;
  /** Absolute path of the source file. */
  file: string;
  kind: ModuleKind;
  /** Manifest that listed it, for error messages. */
  manifest: string;
}

export interface Creation {
  chunk: { initial: number; incremental: number };
  heap: { initial: number; incremental: number };
  stack: number;
  keys: { initial: number; incremental: number; name: number; symbol: number };
  parser: { buffer: number; table: number };
  static: number;
  main: string;
}

export interface Manifest {
  /** The top-level manifest file. */
  file: string;
  modules: ModuleEntry[];
  preload: string[];
  creation: Creation;
  defines: Record<string, unknown>;
  config: Record<string, unknown>;
  typescript: { compilerOptions: Record<string, unknown> };
  variables: Record<string, string>;
}

/** Moddable's defaults (notes/moddable-conventions.md). */
const defaultCreation: Creation = {
  chunk: { initial: 32768, incremental: 1024 },
  heap: { initial: 2048, incremental: 64 },
  stack: 384,
  keys: { initial: 256, incremental: 0, name: 127, symbol: 127 },
  parser: { buffer: 32768, table: 1993 },
  static: 0,
  main: "main",
};

const knownSections = new Set([
  "build",
  "include",
  "modules",
  "preload",
  "creation",
  "defines",
  "config",
  "platforms",
  "typescript",
  "strip",
  "error",
  "warning",
]);

type Json = Record<string, unknown>;

interface Accumulator {
  moduleRules: { specifier: string; pattern: string; base: string; manifest: string }[];
  excludes: { pattern: string; base: string }[];
  preload: string[];
  creation: Json;
  defines: Json;
  config: Json;
  compilerOptions: Json;
  variables: Record<string, string>;
  visited: Set<string>;
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function deepMerge(target: Json, source: Json): Json {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    target[key] = isObject(existing) && isObject(value) ? deepMerge({ ...existing }, value) : value;
  }
  return target;
}

function substitute(text: string, variables: Record<string, string>, where: string): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => {
    const value = variables[name] ?? process.env[name];
    if (value === undefined) throw new BuildError(where, `undefined build variable $(${name})`);
    return value;
  });
}

function asList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) if (typeof item !== "string") throw new BuildError(where, `expected a string or an array of strings`);
  return list as string[];
}

function readJson(file: string, where: string): Json {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new BuildError(where, `cannot read manifest ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BuildError(file, `not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new BuildError(file, "a manifest must be a JSON object");
  return parsed;
}

function processSection(json: Json, file: string, platform: string, family: string, acc: Accumulator): void {
  const base = dirname(file);
  const show = relative(process.cwd(), file) || file;
  for (const key of Object.keys(json)) {
    if (!knownSections.has(key)) throw new BuildError(show, `${key}: unknown manifest section`);
  }
  if (typeof json.error === "string") throw new BuildError(show, `platform ${platform}: ${json.error}`);
  if (json.build !== undefined) {
    if (!isObject(json.build)) throw new BuildError(show, "build: expected an object of variables");
    for (const [rawName, rawValue] of Object.entries(json.build)) {
      if (typeof rawValue !== "string") throw new BuildError(show, `build.${rawName}: expected a string`);
      const conditional = rawName.endsWith("?=");
      const name = conditional ? rawName.slice(0, -2).trim() : rawName;
      if (conditional && (acc.variables[name] !== undefined || process.env[name] !== undefined)) continue;
      acc.variables[name] = substitute(rawValue, acc.variables, `${show}: build.${name}`);
    }
  }
  if (json.include !== undefined) {
    for (const item of asList(json.include, `${show}: include`)) {
      const path = resolve(base, substitute(item, acc.variables, `${show}: include`));
      const target = existsSync(path) && statSync(path).isDirectory() ? join(path, "manifest.json") : path;
      if (!existsSync(target)) throw new BuildError(show, `include: no manifest at ${item}`);
      processFile(target, platform, family, acc, `${show}: include`);
    }
  }
  if (json.modules !== undefined) {
    if (!isObject(json.modules)) throw new BuildError(show, "modules: expected an object of specifier: path");
    for (const [specifier, value] of Object.entries(json.modules)) {
      for (const item of asList(value, `${show}: modules.${specifier}`)) {
        const pattern = substitute(item, acc.variables, `${show}: modules.${specifier}`);
        if (specifier === "~") acc.excludes.push({ pattern, base });
        else acc.moduleRules.push({ specifier, pattern, base, manifest: show });
      }
    }
  }
  if (json.preload !== undefined) acc.preload.push(...asList(json.preload, `${show}: preload`));
  for (const section of ["creation", "defines", "config"] as const) {
    const value = json[section];
    if (value === undefined) continue;
    if (!isObject(value)) throw new BuildError(show, `${section}: expected an object`);
    acc[section] = deepMerge(acc[section], value);
  }
  if (json.typescript !== undefined) {
    const ts = json.typescript;
    if (!isObject(ts)) throw new BuildError(show, "typescript: expected an object");
    if (ts.compiler !== undefined && ts.compiler !== "tsc") throw new BuildError(show, `typescript.compiler: only "tsc" is supported`);
    const options = isObject(ts.tsconfig) ? ts.tsconfig.compilerOptions : undefined;
    if (options !== undefined && !isObject(options)) throw new BuildError(show, "typescript.tsconfig.compilerOptions: expected an object");
    if (options) acc.compilerOptions = deepMerge(acc.compilerOptions, options);
  }
  if (json.platforms !== undefined) {
    if (!isObject(json.platforms)) throw new BuildError(show, "platforms: expected an object");
    const platforms = json.platforms;
    const match = [platform, `${family}/*`, "..."].find((name) => name in platforms);
    if (match) {
      const entry = platforms[match];
      if (!isObject(entry)) throw new BuildError(show, `platforms.${match}: expected an object`);
      processSection(entry, file, platform, family, acc);
    }
  }
}

function processFile(file: string, platform: string, family: string, acc: Accumulator, where: string): void {
  const absolute = resolve(file);
  if (acc.visited.has(absolute)) return; // Moddable includes a manifest once
  acc.visited.add(absolute);
  processSection(readJson(absolute, where), absolute, platform, family, acc);
}

const kindOf = (file: string): ModuleKind | undefined => {
  if (file.endsWith(".d.ts")) return "typings";
  return ({ ".ts": "ts", ".js": "js", ".c": "c" } as const)[extname(file) as ".ts" | ".js" | ".c"];
};

/** Files a pattern names: "./dir/*" (every module file in dir) or "./dir/file" with or without extension. */
function expand(pattern: string, base: string): string[] {
  const path = resolve(base, pattern);
  if (basename(path) === "*") {
    const dir = dirname(path);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => kindOf(name) && !name.endsWith(".spec.ts"))
      .map((name) => join(dir, name))
      .sort();
  }
  if (kindOf(path) && existsSync(path)) return [path];
  return [".ts", ".js", ".c"].map((ext) => path + ext).filter((candidate) => existsSync(candidate));
}

const stripExtension = (file: string) => basename(file).replace(/\.d\.ts$|\.(ts|js|c)$/, "");

const integer = (value: unknown, where: string, minimum: number): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum || value > 0x7fffffff)
    throw new BuildError(where, `must be an integer ≥ ${minimum} (got ${JSON.stringify(value)})`);
  return value;
};

function validateCreation(raw: Json, show: string): Creation {
  const known: Record<string, string[] | null> = {
    chunk: ["initial", "incremental"],
    heap: ["initial", "incremental"],
    keys: ["initial", "incremental", "name", "symbol"],
    parser: ["buffer", "table"],
    stack: null,
    static: null,
    main: null,
  };
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in known)) throw new BuildError(show, `creation.${key}: unknown creation field (known: ${Object.keys(known).join(", ")})`);
    const fields = known[key];
    if (fields) {
      if (!isObject(value)) throw new BuildError(show, `creation.${key}: expected an object with ${fields.join(", ")}`);
      for (const field of Object.keys(value))
        if (!fields.includes(field)) throw new BuildError(show, `creation.${key}.${field}: unknown field (known: ${fields.join(", ")})`);
    }
  }
  const merged = deepMerge(structuredClone(defaultCreation) as unknown as Json, raw) as unknown as Creation;
  const at = (path: string) => `${show}: creation.${path}`;
  integer(merged.chunk.initial, at("chunk.initial"), 1024);
  integer(merged.chunk.incremental, at("chunk.incremental"), 0);
  integer(merged.heap.initial, at("heap.initial"), 64);
  integer(merged.heap.incremental, at("heap.incremental"), 0);
  integer(merged.stack, at("stack"), 64);
  integer(merged.keys.initial, at("keys.initial"), 1);
  integer(merged.keys.incremental, at("keys.incremental"), 0);
  integer(merged.keys.name, at("keys.name"), 1);
  integer(merged.keys.symbol, at("keys.symbol"), 1);
  integer(merged.parser.buffer, at("parser.buffer"), 0);
  integer(merged.parser.table, at("parser.table"), 1);
  integer(merged.static, at("static"), 0);
  if (typeof merged.main !== "string" || !merged.main) throw new BuildError(at("main"), "must be a module specifier");
  return merged;
}

/** Whether a `preload` entry ("kernel/port", or "kernel/*" for every module under kernel/) names `specifier`. */
export function matchesPreload(entry: string, specifier: string): boolean {
  return entry.endsWith("*") ? specifier.startsWith(entry.slice(0, -1)) : entry === specifier;
}

/**
 * Loads a manifest for a board. `family` is the board's family name for `platforms` "<family>/*" entries.
 * A `library` manifest (one that programs include) need not contain the main module.
 */
export function loadManifest(file: string, platform: string, family: string, variables: Record<string, string> = {}, library = false): Manifest {
  const absolute = resolve(file);
  const show = relative(process.cwd(), absolute) || absolute;
  const acc: Accumulator = {
    moduleRules: [],
    excludes: [],
    preload: [],
    creation: {},
    defines: {},
    config: {},
    compilerOptions: {},
    variables: { PLATFORM: platform, ...variables },
    visited: new Set(),
  };
  if (!existsSync(absolute)) throw new BuildError(show, "no such manifest");
  processFile(absolute, platform, family, acc, show);

  const excluded = new Set(acc.excludes.flatMap(({ pattern, base }) => expand(pattern, base)));
  const modules = new Map<string, ModuleEntry>();
  for (const rule of acc.moduleRules) {
    const files = expand(rule.pattern, rule.base).filter((f) => !excluded.has(f));
    if (files.length === 0)
      throw new BuildError(rule.manifest, `modules.${rule.specifier}: no module file matches "${rule.pattern}"`);
    const wildcard = rule.specifier === "*" || rule.specifier.endsWith("/*");
    if (!wildcard && files.filter((f) => kindOf(f) !== "typings").length > 1)
      throw new BuildError(rule.manifest, `modules.${rule.specifier}: "${rule.pattern}" matches several files; use a "*" specifier`);
    for (const f of files) {
      const kind = kindOf(f)!;
      const name = stripExtension(f);
      const specifier = rule.specifier === "*" ? name : wildcard ? rule.specifier.slice(0, -1) + name : rule.specifier;
      const key = kind === "c" || kind === "typings" ? `${kind}:${f}` : specifier;
      const existing = modules.get(key);
      if (existing && existing.file !== f)
        throw new BuildError(rule.manifest, `modules.${rule.specifier}: specifier "${specifier}" is already ${relative(process.cwd(), existing.file)}`);
      modules.set(key, { specifier, file: f, kind, manifest: rule.manifest });
    }
  }
  const creation = validateCreation(acc.creation, show);
  const programModules = [...modules.values()].filter((m) => m.kind === "ts" || m.kind === "js");
  if (!library && !programModules.some((m) => m.specifier === creation.main))
    throw new BuildError(show, `creation.main: no module "${creation.main}" in modules`);
  for (const name of acc.preload)
    if (!programModules.some((m) => matchesPreload(name, m.specifier)))
      throw new BuildError(show, `preload: no module "${name}" in modules`);
  return {
    file: absolute,
    modules: [...modules.values()],
    preload: acc.preload,
    creation,
    defines: acc.defines,
    config: acc.config,
    typescript: { compilerOptions: acc.compilerOptions },
    variables: acc.variables,
  };
}
