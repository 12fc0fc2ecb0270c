/**
 * The base heap image (hal/runtime/base.c describes it): the step of the firmware build that turns a linked ELF,
 * whose .xs_base section still holds the placeholder, into the ELF that boots by cloning.
 *
 * 1. Which modules are preloaded: the manifest's `preload` entries and every module they import statically, since
 *    running one at build time runs its imports too. Their bytecode leaves the firmware's flash; it goes to the
 *    generator in a host file instead.
 * 2. Generation: QEMU runs the ELF twice, with the heap at two offsets, and the firmware writes its heap and the
 *    map of its pointers into itself each time. The heap is built in RAM (netduinoplus2's flash is ROM under QEMU)
 *    and then moved to flash: the mapped words are relocated to the .xs_base address, after checking that each
 *    differs between the two runs by exactly the offset. Code and constant addresses are the same in both runs and
 *    stay as they are. A board whose QEMU model has too little RAM names another board's machine to run on
 *    (board.json "generator"; the firmware leaves the board's devices alone while it generates).
 * 3. The header's checksums are filled in and the image replaces the placeholder (objcopy --update-section; the
 *    section is last in flash, so it may grow without moving anything).
 *
 * Generation is cached on the ELF's bytes and the preload file: a relink always regenerates.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

import ts from "typescript";

import { runQemu } from "../../qemu/qemu.ts";
import { type Board, loadBoard } from "./board.ts";
import { BuildError } from "./errors.ts";
import { runParallel, run } from "./jobs.ts";
import { type Manifest, matchesPreload } from "./manifest.ts";
import type { EmittedModule } from "./typescript.ts";

/** What the build's size summary shows about the image. */
export interface BaseImage {
  bytes: number;
  slotCount: number;
  chunkBytes: number;
  aliasCount: number;
  keyCount: number;
}

/** The second generation run's heap is this much higher; a multiple of 8 keeps every alignment the same. */
const OFFSET = 0x1000;

/** Offsets in hal/runtime/base.c's base_header_t. */
const HEADER = { size: 16, slotCount: 44, chunkBytes: 48, aliasCount: 52, keyCount: 56, body: 60, header: 64, length: 68 };

const show = (path: string) => relative(process.cwd(), path) || path;

/** The specifiers of every module that runs at build time: the `preload` entries and their static imports. */
export function preloadedModules(manifest: Manifest, modules: EmittedModule[]): Set<string> {
  const bySpecifier = new Map(modules.map((m) => [m.specifier, m]));
  const result = new Set<string>();
  const visit = (specifier: string) => {
    const module = bySpecifier.get(specifier);
    if (!module || result.has(specifier)) return;
    result.add(specifier);
    const source = ts.createSourceFile(specifier, module.javascript, ts.ScriptTarget.ES2022);
    for (const statement of source.statements)
      if ((ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier))
        visit(statement.moduleSpecifier.text);
  };
  for (const entry of manifest.preload) for (const module of modules) if (matchesPreload(entry, module.specifier)) visit(module.specifier);
  if (result.has(manifest.creation.main))
    throw new BuildError(show(manifest.file), `preload: the main module "${manifest.creation.main}" cannot be preloaded (it runs at boot)`);
  return result;
}

/** The same sum as base.c's checksum(), over little-endian 32-bit words. */
export function checksum(bytes: Buffer, start: number, end: number): number {
  let a = 1;
  let b = 0;
  for (let i = start; i < end; i += 4) {
    a = (a + bytes.readUInt32LE(i)) >>> 0;
    b = (b + a) >>> 0;
  }
  return (b ^ ((a << 16) | (a >>> 16))) >>> 0;
}

/**
 * Moves an image built at `lowAddress` to `target`: the words its relocation map marks (pointers into the image)
 * are rebased, the rest is kept as built. `high` is the same image built OFFSET bytes higher; every marked word
 * must be exactly OFFSET larger there, which proves the map right (a bug in it fails the build, naming the offset).
 * Unmarked words may differ: stale bytes in the unused part of a slot or chunk are not data.
 */
export function relocate(low: Buffer, high: Buffer, map: Buffer, lowAddress: number, target: number): Buffer {
  if (low.length !== high.length || low.length % 4 || map.length !== Math.ceil(low.length / 32))
    throw new BuildError("base heap", `the two generation runs produced different images (${low.length} and ${high.length} bytes)`);
  const out = Buffer.from(low);
  const end = lowAddress + low.length;
  for (let word = 0; word < low.length / 4; word++) {
    if (!(map[word >> 3] & (1 << (word & 7)))) continue;
    const i = word * 4;
    const a = low.readUInt32LE(i);
    if (((high.readUInt32LE(i) - a) >>> 0) !== OFFSET || a < lowAddress || a > end)
      throw new BuildError("base heap", `the relocation map is wrong at image offset 0x${i.toString(16)} (0x${a.toString(16)} / 0x${high.readUInt32LE(i).toString(16)})`);
    out.writeUInt32LE((a - lowAddress + target) >>> 0, i);
  }
  return out;
}

async function symbolAddresses(elf: string, names: string[]): Promise<Map<string, number>> {
  const result = await run("arm-none-eabi-nm", [elf]);
  const found = new Map<string, number>();
  for (const line of result.stdout.split("\n")) {
    const [address, , name] = line.trim().split(/\s+/);
    if (names.includes(name)) found.set(name, parseInt(address, 16));
  }
  for (const name of names) if (!found.has(name)) throw new BuildError(show(elf), `no symbol ${name}: the firmware was not linked with hal/arch/cortex-m/sections.ld`);
  return found;
}

/** The board whose QEMU machine generates `board`'s base heap (board.json "generator"), checked to fit its memory map. */
function generatorOf(board: Board): Board {
  if (!board.generator) return board;
  const machine = loadBoard(board.generator);
  const covers = (outer: { origin: number; size: number }, inner: { origin: number; size: number }) =>
    inner.origin >= outer.origin && inner.origin + inner.size <= outer.origin + outer.size;
  if (!covers(machine.ram, board.ram) || !covers(machine.flash, board.flash) || machine.hardFloat !== board.hardFloat)
    throw new BuildError(board.name, `generator: ${machine.name}'s memory or floating point does not match this board's`);
  return machine;
}

async function generate(board: Board, elf: string, dir: string): Promise<Buffer> {
  const symbols = await symbolAddresses(elf, ["__heap_start__", "__xs_base_start__"]);
  const heap = symbols.get("__heap_start__")!;
  const machine = generatorOf(board);
  const runs = await runParallel(
    "base heap",
    [0, OFFSET].map((offset) => ({
      label: `heap at 0x${(heap + offset).toString(16)}`,
      run: async () => {
        const file = `base-${offset}.raw`;
        rmSync(join(dir, file), { force: true });
        const ramEnd = machine.ram.origin + machine.ram.size;
        const args = ["firmware", String(offset), `0x${ramEnd.toString(16)}`, file, "preload.bin"];
        const result = await runQemu({ board: machine, elf, timeoutMs: 120_000, cwd: dir, semihostingArgs: args });
        if (result.status !== 0) {
          const lines = (result.stderr + result.output).split("\n");
          const at = lines.findIndex((line) => line.startsWith("***"));
          // The abort line, and the exception under it when there is one ("    TypeError: ...").
          const detail = at >= 0 && /^\s{4}\S/.test(lines[at + 1] ?? "") ? `: ${lines[at + 1].trim()}` : "";
          const reason = at >= 0 ? lines[at] + detail : (result.problem ?? `exit status ${result.status}`);
          throw new BuildError(show(elf), `base heap generation failed: ${reason.replace(/^\*+\s*/, "").trim()}`);
        }
        const output = readFileSync(join(dir, file));
        const size = output.readUInt32LE(HEADER.size);
        if (output.length !== size + Math.ceil(size / 32))
          throw new BuildError(show(elf), "base heap generation failed: the image's size does not match its header");
        return { image: output.subarray(0, size), map: output.subarray(size) };
      },
    })),
  );
  const image = relocate(runs[0].image, runs[1].image, runs[0].map, heap, symbols.get("__xs_base_start__")!);
  image.writeUInt32LE(checksum(image, HEADER.length, image.length), HEADER.body);
  image.writeUInt32LE(checksum(image, 0, HEADER.header), HEADER.header);
  if (symbols.get("__xs_base_start__")! + image.length > board.flash.origin + board.flash.size)
    throw new BuildError(board.name, `flash full: the base heap (${image.length} B) does not fit after the program`);
  return image;
}

/** Generates (or reuses) the base heap for `elf` and writes it into the ELF's .xs_base section. */
export async function installBaseImage(board: Board, elf: string, dir: string, preloadFiles: string[]): Promise<BaseImage> {
  const bundle = Buffer.concat(preloadFiles.map((f) => readFileSync(f)));
  writeFileSync(join(dir, "preload.bin"), bundle);
  const key = createHash("sha256").update(readFileSync(elf)).update(bundle).digest("hex");
  const imageFile = join(dir, "base.bin");
  const keyFile = join(dir, "base.key");
  let image: Buffer;
  if (existsSync(imageFile) && existsSync(keyFile) && readFileSync(keyFile, "utf8") === key) image = readFileSync(imageFile);
  else {
    rmSync(keyFile, { force: true });
    image = await generate(board, elf, dir);
    writeFileSync(imageFile, image);
    writeFileSync(keyFile, key);
  }
  const result = await run("arm-none-eabi-objcopy", ["--update-section", `.xs_base=${imageFile}`, elf, `${elf}.tmp`]);
  if (result.code !== 0) throw new BuildError(show(elf), `objcopy could not install the base heap: ${result.stderr.trim().split("\n")[0]}`);
  renameSync(`${elf}.tmp`, elf);
  return {
    bytes: image.length,
    slotCount: image.readUInt32LE(HEADER.slotCount),
    chunkBytes: image.readUInt32LE(HEADER.chunkBytes),
    aliasCount: image.readUInt32LE(HEADER.aliasCount),
    keyCount: image.readUInt32LE(HEADER.keyCount),
  };
}
