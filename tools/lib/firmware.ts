/**
 * The firmware build: manifest + board → ELF (plus .bin and .hex for flashing).
 *
 *   TypeScript ──tsc──▶ JavaScript ──xsc (host)──▶ .xsb bytecode ─┐
 *   manifest creation/config/defines ──▶ generated C and headers ─┼─ arm-none-eabi-gcc ──▶ fw.elf
 *   XS engine (+ tools/xs-patches) + hal/runtime + hal/arch + board ┘                          │
 *                                         QEMU runs fw.elf to generate its base heap ◀──────┘
 *                                         (built-ins + preloaded modules), written back into fw.elf
 *
 * Build tree: build/<board>/<variant>/{engine,runtime} hold objects shared by every program for that board and
 * variant (release or debug), and build/<board>/<variant>/<app>/ one program's bytecode, generated files and image.
 * Every step writes its output under a temporary name and renames it, and the previous image is deleted before the
 * build starts, so a failed build leaves nothing a later step could mistake for a good image.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

import { type BaseImage, installBaseImage, preloadedModules } from "./base-image.ts";
import { type Board, loadBoard } from "./board.ts";
import { compile, type CompileUnit } from "./cc.ts";
import { deviceEngineSources, engineIncludes, hostCompiler, sharedDefines } from "./engine.ts";
import { BuildError } from "./errors.ts";
import { type Job, run, runParallel } from "./jobs.ts";
import { loadManifest, type Manifest, matchesPreload } from "./manifest.ts";
import { buildRoot, projectRoot } from "./paths.ts";
import { compileModules, type EmittedModule } from "./typescript.ts";

export interface BuildOptions {
  board: string;
  manifest: string;
  /** Debug builds link the parser (eval works) and keep line numbers in bytecode. */
  debug?: boolean;
  /** Output folder name under build/<board>/<variant>/ (default: from the manifest's folder; "main" at the root). */
  app?: string;
  /** Build variables for the manifest ($(NAME)). */
  variables?: Record<string, string>;
  quiet?: boolean;
}

export interface Firmware {
  board: Board;
  manifest: Manifest;
  elf: string;
  bin: string;
  hex: string;
  summary: SizeSummary;
  base: BaseImage;
  /** Specifiers of the modules that are in the base heap rather than in flash as bytecode. */
  preloaded: string[];
}

export interface SizeSummary {
  flashBytes: number;
  flashCapacity: number;
  dataBytes: number;
  bssBytes: number;
  stackBytes: number;
  heapRoomBytes: number;
  /** RAM outside the C heap's arena that the XS heap also takes (the board's memory.ld `__extra_ram_size__`). */
  extraRamBytes: number;
  bytecodeBytes: number;
  moduleCount: number;
}

const show = (path: string) => relative(process.cwd(), path) || path;

/** Writes `text` only if it differs, so unchanged generated files keep their timestamps (and objects stay valid). */
function writeIfChanged(path: string, text: string | Buffer): void {
  if (existsSync(path) && readFileSync(path).equals(Buffer.from(text))) return;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const hash = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

const fileName = (specifier: string) => encodeURIComponent(specifier).replace(/%2F/g, "~");

/** The manifest's `config` as a frozen module, Moddable's "mc/config". */
function configModule(config: Record<string, unknown>): EmittedModule {
  const freeze = (value: unknown): string => {
    if (Array.isArray(value)) return `Object.freeze([${value.map(freeze).join(", ")}])`;
    if (value && typeof value === "object")
      return `Object.freeze({${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${freeze(v)}`).join(", ")}})`;
    return JSON.stringify(value);
  };
  return { specifier: "mc/config", source: "manifest.json (config)", javascript: `export default ${freeze(config)};\n` };
}

/** Compiles every module to bytecode with the host compiler, skipping those whose JavaScript did not change. */
async function compileBytecode(modules: EmittedModule[], dir: string, debug: boolean): Promise<string[]> {
  const xsc = await hostCompiler();
  mkdirSync(dir, { recursive: true });
  const jobs: Job<string>[] = modules.map((module) => ({
    label: module.specifier,
    run: async () => {
      const base = join(dir, fileName(module.specifier));
      const js = `${base}.js`;
      const xsb = `${base}.xsb`;
      const stamp = `${base}.stamp`;
      const key = hash(`${debug}\0${module.javascript}`);
      if (existsSync(xsb) && existsSync(stamp) && readFileSync(stamp, "utf8") === key) return xsb;
      rmSync(stamp, { force: true });
      writeIfChanged(js, module.javascript);
      const args = [...(debug ? ["-g"] : []), "-o", `${xsb}.tmp`, "-p", show(module.source), js];
      const result = await run(xsc, args);
      if (result.code !== 0) {
        rmSync(`${xsb}.tmp`, { force: true });
        const first = result.stderr.trim().split("\n")[0];
        throw new BuildError("", `${first}${module.source.endsWith(".ts") ? " (in the JavaScript emitted from it)" : ""}`);
      }
      renameSync(`${xsb}.tmp`, xsb);
      writeFileSync(stamp, key);
      return xsb;
    },
  }));
  return runParallel("bytecode", jobs);
}

const cString = (text: string) => JSON.stringify(text);

function defineName(path: string[]): string {
  return ["MODDEF", ...path].map((p) => p.toUpperCase().replace(/[^A-Z0-9]/g, "_")).join("_");
}

function definesHeader(defines: Record<string, unknown>): string {
  const lines: string[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    else if (typeof value === "boolean") lines.push(`#define ${defineName(path)} ${value ? 1 : 0}`);
    else if (typeof value === "number") lines.push(`#define ${defineName(path)} ${value}`);
    else if (typeof value === "string") lines.push(`#define ${defineName(path)} ${value}`);
    else throw new BuildError("manifest.json", `defines.${path.join(".")}: expected a number, string, boolean or object`);
  };
  walk(defines, []);
  return `/* Generated from manifest.json "defines". */\n#ifndef MC_DEFINES_H\n#define MC_DEFINES_H\n${lines.join("\n")}\n#endif\n`;
}

/** Whether manifest `defines.base.verify` asks the firmware to checksum its whole base heap at boot. */
function verifyBase(manifest: Manifest): boolean {
  const base = manifest.defines.base;
  return Boolean(base && typeof base === "object" && (base as Record<string, unknown>).verify);
}

/**
 * Manifest `defines.meter.turn`: the most meter units (XS counts about one per bytecode, more for long built-in
 * operations) one turn of the event loop may run before the runtime stops the board with a report; 0 or absent: no
 * limit. hal/runtime/meter.c says why it stops the board rather than the process.
 */
function turnBudget(manifest: Manifest): number {
  const meter = manifest.defines.meter;
  const turn = meter && typeof meter === "object" ? (meter as Record<string, unknown>).turn : undefined;
  if (turn === undefined) return 0;
  if (typeof turn !== "number" || !Number.isInteger(turn) || turn < 0 || turn > 0xffff_ffff) {
    throw new BuildError(show(manifest.file), "defines.meter.turn: expected an integer of meter units, 0 to 4294967295");
  }
  return turn;
}

/** `inFlash[i]`: module i's bytecode is in the firmware (it is not preloaded into the base heap). */
function manifestSource(manifest: Manifest, modules: EmittedModule[], xsbFiles: string[], inFlash: boolean[], buildId: string): string {
  const c = manifest.creation;
  const table = modules
    .map((m, i) => `\t{ ${cString(m.specifier)}, ${inFlash[i] ? `runtime_module_${i}` : "NULL"}, ${statSync(xsbFiles[i]).size} },`)
    .join("\n");
  const externs = modules.flatMap((_, i) => (inFlash[i] ? [`extern const uint8_t runtime_module_${i}[];`] : [])).join("\n");
  const preloads = modules.filter((m) => manifest.preload.some((entry) => matchesPreload(entry, m.specifier))).map((m) => `\t${cString(m.specifier)},`);
  // Moddable runs every "setup/*" module before main; a preloaded one already ran when the base heap was made.
  const setups = modules.filter((m, i) => inFlash[i] && m.specifier.startsWith("setup/")).map((m) => `\t${cString(m.specifier)},`);
  return `/* Generated from ${show(manifest.file)}: the module table and the machine's creation record. */
#include "runtime.h"

${externs}

const runtime_module_t runtime_modules[] = {
${table}
};
const uint32_t runtime_module_count = ${modules.length};
const char* const runtime_preloads[] = {
${preloads.join("\n")}
	NULL
};
const uint32_t runtime_preload_count = ${preloads.length};
const char* const runtime_setup_modules[] = {
${setups.join("\n")}
	NULL
};
const bool runtime_base_verify = ${verifyBase(manifest) ? "true" : "false"};
const uint32_t runtime_turn_budget = ${turnBudget(manifest)}u;

const xsCreation runtime_creation = {
	.initialChunkSize = ${c.chunk.initial},
	.incrementalChunkSize = ${c.chunk.incremental},
	.initialHeapCount = ${c.heap.initial},
	.incrementalHeapCount = ${c.heap.incremental},
	.stackCount = ${c.stack},
	.initialKeyCount = ${c.keys.initial},
	.incrementalKeyCount = ${c.keys.incremental},
	.nameModulo = ${c.keys.name},
	.symbolModulo = ${c.keys.symbol},
	.parserBufferSize = ${c.parser.buffer},
	.parserTableModulo = ${c.parser.table},
	.staticSize = ${c.static},
};
const char runtime_main_module[] = ${cString(c.main)};
const char runtime_build_id[] = ${cString(buildId)};
`;
}

function modulesAssembly(xsbFiles: string[], inFlash: boolean[]): string {
  const body = xsbFiles
    .flatMap((file, i) => (inFlash[i] ? [`\t.global runtime_module_${i}\n\t.balign 4\nruntime_module_${i}:\n\t.incbin ${cString(file)}`] : []))
    .join("\n");
  return `/* Generated: the bytecode of every module, placed in flash. */\n\t.section .rodata.runtime_modules, "a"\n${body}\n`;
}

/**
 * The engine is built for size (-Os) except the code every JavaScript step runs through: the bytecode interpreter,
 * allocation, property access and type conversion. At -O2 they make the kernel's port round trip 10% faster
 * (measured: 41,800 -> 37,800 instructions) for about 35 KB of flash.
 */
const hotEngineSources = new Set(["xsRun.c", "xsMemory.c", "xsProperty.c", "xsType.c"]);

const units = (sources: string[], dir: string): CompileUnit[] =>
  sources.map((source) => ({ source, object: join(dir, `${source.split("/").pop()!.replace(/\.[cS]$/, "")}.o`) }));

async function sizeSummary(elf: string, board: Board, xsbFiles: string[], base: BaseImage): Promise<SizeSummary> {
  const sections = await run("arm-none-eabi-size", ["-A", elf]);
  const sizes = new Map<string, number>();
  for (const line of sections.stdout.split("\n")) {
    const [name, size] = line.trim().split(/\s+/);
    if (name?.startsWith(".")) sizes.set(name, Number(size));
  }
  const symbols = await run("arm-none-eabi-nm", [elf]);
  const address = (name: string) => {
    const line = symbols.stdout.split("\n").find((l) => l.endsWith(` ${name}`));
    return line ? parseInt(line.split(" ")[0], 16) : 0;
  };
  const size = (name: string) => sizes.get(name) ?? 0;
  return {
    flashBytes: size(".text") + size(".ARM.exidx") + size(".note.gnu.build-id") + size(".data") + base.bytes,
    flashCapacity: board.flash.size,
    dataBytes: size(".data"),
    bssBytes: size(".bss"),
    stackBytes: address("__stack_top__") - address("__stack_limit__"),
    heapRoomBytes: address("__heap_end__") - address("__heap_start__"),
    extraRamBytes: address("__extra_ram_size__"),
    bytecodeBytes: xsbFiles.reduce((sum, f) => sum + readFileSync(f).length, 0),
    moduleCount: xsbFiles.length,
  };
}

const kb = (n: number) => `${n.toLocaleString("en-US")} B`;

/**
 * What cloning allocates (xsAPI.c fxCloneMachine, xsMemory.c fxAllocate): the creation's first chunk block, slot
 * heap and stack, the key array, the name and symbol tables, one pointer per aliasable object of the base heap,
 * and the machine record. Objects the program then creates or changes come on top.
 */
export function ramPerVm(creation: Manifest["creation"], base: BaseImage): number {
  const machineRecord = 600; // sizeof(txMachine) on 32-bit Cortex-M, plus dtoa state
  return (
    creation.chunk.initial +
    16 * (creation.heap.initial + creation.stack) +
    4 * (creation.keys.initial + creation.keys.name + creation.keys.symbol + base.aliasCount) +
    machineRecord
  );
}

export function printSummary(firmware: Firmware): void {
  const s = firmware.summary;
  const c = firmware.manifest.creation;
  const base = firmware.base;
  const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
  console.log(`firmware   ${show(firmware.elf)} (${firmware.board.name})`);
  console.log(`  flash        ${kb(s.flashBytes)} of ${kb(s.flashCapacity)} (${pct(s.flashBytes, s.flashCapacity)}), of which bytecode ${kb(s.bytecodeBytes)} in ${s.moduleCount} modules, base heap ${kb(base.bytes)}`);
  console.log(
    `  base heap    ${kb(base.bytes)} in flash: ${base.slotCount.toLocaleString("en-US")} slots, ${kb(base.chunkBytes)} of chunks, ` +
      `${base.keyCount} keys, ${base.aliasCount} aliasable; ${firmware.preloaded.length} modules preloaded`,
  );
  console.log(`  static RAM   ${kb(s.dataBytes + s.bssBytes)} (.data ${kb(s.dataBytes)} + .bss ${kb(s.bssBytes)}) + C stack ${kb(s.stackBytes)}`);
  const extra = s.extraRamBytes > 0 ? ` + ${kb(s.extraRamBytes)} of RAM outside it (board_extra_ram)` : "";
  console.log(`  heap room    ${kb(s.heapRoomBytes)} of RAM for the XS heap (malloc)${extra}`);
  console.log(`  RAM per VM   ${kb(ramPerVm(c, base))} when cloned, before the program allocates`);
  console.log(
    `  XS creation  chunks ${c.chunk.initial}+${c.chunk.incremental} B, slots ${c.heap.initial}+${c.heap.incremental} (16 B each), ` +
      `stack ${c.stack} slots, keys ${c.keys.initial}+${c.keys.incremental}, static cap ${c.static ? kb(c.static) : "none"}` +
      (firmware.manifest.preload.length ? `, preload ${firmware.manifest.preload.join(", ")}` : ""),
  );
}

function appName(manifestFile: string): string {
  const folder = relative(projectRoot, dirname(manifestFile));
  return folder === "" ? "main" : folder.split(/[\\/]/).filter((part) => part && part !== "..").join("-") || "app";
}

export async function buildFirmware(options: BuildOptions): Promise<Firmware> {
  const board = loadBoard(options.board);
  const manifest = loadManifest(options.manifest, board.name, board.family, options.variables);
  const variant = options.debug ? "debug" : "release";
  const boardDir = join(buildRoot, board.name, variant);
  const appDir = join(boardDir, options.app ?? appName(manifest.file));
  const elf = join(appDir, "fw.elf");
  const bin = join(appDir, "fw.bin");
  const hex = join(appDir, "fw.hex");
  for (const output of [elf, bin, hex]) rmSync(output, { force: true });
  mkdirSync(join(appDir, "gen"), { recursive: true });

  const config = configModule(manifest.config);
  // The main module first: the firmware looks it up at every boot, by a linear search of this table.
  const modules = [...compileModules(manifest, [config.specifier]), config].sort(
    (a, b) => Number(b.specifier === manifest.creation.main) - Number(a.specifier === manifest.creation.main),
  );
  const xsbFiles = await compileBytecode(modules, join(appDir, "xsb"), Boolean(options.debug));
  const buildId = hash(xsbFiles.map((f) => readFileSync(f).toString("hex")).join("")).slice(0, 12);
  const preloaded = preloadedModules(manifest, modules);
  const inFlash = modules.map((m) => !preloaded.has(m.specifier));

  const gen = join(appDir, "gen");
  writeIfChanged(join(gen, "manifest.c"), manifestSource(manifest, modules, xsbFiles, inFlash, buildId));
  writeIfChanged(join(gen, "modules.S"), modulesAssembly(xsbFiles, inFlash) + `/* ${buildId} */\n`);
  writeIfChanged(join(gen, "mc.defines.h"), definesHeader(manifest.defines));

  const cc = "arm-none-eabi-gcc";
  const runtimeDir = join(projectRoot, "hal", "runtime");
  const archDir = join(projectRoot, "hal", "arch", "cortex-m");
  // XS's metering costs every bytecode an increment (~6% of a port round trip): only a firmware with a turn budget
  // pays it (hal/runtime/meter.c).
  const metered = turnBudget(manifest) > 0;
  const common = [
    ...board.cpuFlags,
    "-Os",
    "-g",
    "-ffunction-sections",
    "-fdata-sections",
    "-fno-common",
    "-DINCLUDE_XSPLATFORM",
    `-DXSPLATFORM="xs_platform.h"`,
    "-DmxRun=1",
    "-DmxNoConsole=1",
    ...sharedDefines,
    ...(metered ? ["-DmxMetering=1"] : []),
    ...(options.debug ? ["-DXS_WITH_PARSER=1"] : []),
    `-I${runtimeDir}`,
    `-I${join(projectRoot, "hal", "include")}`,
    ...engineIncludes(),
  ];
  const boardDefines = Object.entries(board.defines).map(([k, v]) => `-D${k}=${v}`);
  const ownFlags = [...common, ...boardDefines, "-Wall", "-Wno-unused-function"];
  const nativeModules = manifest.modules.filter((m) => m.kind === "c").map((m) => m.file);
  const ownSources = [
    ...readdirSync(runtimeDir).filter((f) => f.endsWith(".c")).map((f) => join(runtimeDir, f)),
    ...readdirSync(archDir).filter((f) => f.endsWith(".c")).map((f) => join(archDir, f)),
    ...board.sources,
  ];
  const engineSources = deviceEngineSources(Boolean(options.debug));
  const hot = engineSources.filter((f) => hotEngineSources.has(f.split("/").pop()!));
  // Metering changes the machine's layout, so a metered firmware has its own engine and runtime objects.
  const meterSuffix = metered ? "-metered" : "";
  const engineUnits = units(engineSources.filter((f) => !hot.includes(f)), join(boardDir, `engine${meterSuffix}`));
  const hotUnits = units(hot, join(boardDir, `engine-hot${meterSuffix}`));
  const runtimeUnits = units(ownSources, join(boardDir, `runtime${meterSuffix}`));
  const appUnits = units([join(gen, "manifest.c"), join(gen, "modules.S"), ...nativeModules], join(appDir, "obj"));
  await compile("engine", cc, [...common, "-w"], engineUnits);
  await compile("engine (speed)", cc, [...common, "-w", "-O2"], hotUnits);
  await compile("runtime", cc, ownFlags, runtimeUnits);
  await compile("program", cc, [...ownFlags, `-I${gen}`], appUnits);

  const objects = [...engineUnits, ...hotUnits, ...runtimeUnits, ...appUnits].map((u) => u.object);
  const link = await run(cc, [
    ...board.cpuFlags,
    "-nostartfiles",
    "--specs=nano.specs",
    "-Wl,--gc-sections",
    "-Wl,--build-id=sha1",
    `-Wl,-Map=${join(appDir, "fw.map")}`,
    `-L${archDir}`,
    `-L${board.linkerDir}`,
    "-T",
    join(board.linkerDir, board.linkerScript),
    ...objects,
    "-lm",
    "-o",
    `${elf}.tmp`,
  ]);
  if (link.code !== 0) {
    rmSync(`${elf}.tmp`, { force: true });
    const message = link.stderr.split("\n").find((l) => /error|undefined|overflow|will not fit/.test(l)) ?? link.stderr.trim();
    throw new BuildError(board.name, `link failed: ${message.replace(/^.*?ld: /, "")}`);
  }
  renameSync(`${elf}.tmp`, elf);
  const base = await installBaseImage(board, elf, appDir, xsbFiles.filter((_, i) => !inFlash[i]));
  // The .hex carries addresses: those where the chip's flash is, not those of the alias code may run from.
  const shift = (board.flash.load ?? board.flash.origin) - board.flash.origin;
  for (const [format, out, extra] of [["binary", bin, []], ["ihex", hex, shift ? [`--change-addresses=${shift}`] : []]] as const) {
    const result = await run("arm-none-eabi-objcopy", ["-O", format, ...extra, elf, `${out}.tmp`]);
    if (result.code !== 0) throw new BuildError(show(elf), `objcopy -O ${format} failed: ${result.stderr.trim()}`);
    renameSync(`${out}.tmp`, out);
  }
  const summary = await sizeSummary(elf, board, xsbFiles.filter((_, i) => inFlash[i]), base);
  return { board, manifest, elf, bin, hex, summary, base, preloaded: [...preloaded] };
}
