/**
 * Board descriptions: boards/<name>/board.json (CPU flags, QEMU machine, memory) merged over its family's
 * family.json (sources, defines, linker script shared by boards built on the same chip or FPGA image).
 * Adding a board means adding a folder; nothing here changes.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

import { BuildError } from "./errors.ts";
import { projectRoot } from "./paths.ts";

export interface Board {
  name: string;
  /** Family name (for manifest "platforms": {"<family>/*": ...}). */
  family: string;
  description: string;
  dir: string;
  cpuFlags: string[];
  /** Absolute paths of the board's C sources. */
  sources: string[];
  defines: Record<string, string | number>;
  /** Directory holding the board's linker script, and its file name. */
  linkerDir: string;
  linkerScript: string;
  /** QEMU machine, extra arguments, and the QOM path of the NVIC for qtest `set_irq_in` (default /machine/armv7m). */
  qemu: { machine: string; extra?: string[]; nvic?: string };
  /**
   * The board whose QEMU machine runs this board's firmware to generate its base heap, when this board's own model
   * cannot: it needs RAM enough for the whole heap where this board's RAM is, and memory where its flash is.
   */
  generator?: string;
  flash: {
    /** Where code runs from. */
    origin: number;
    size: number;
    /** Where the chip's flash really is, when code runs from an alias of it (as from an STM32's boot alias at 0). */
    load?: number;
    /** openocd arguments selecting the debug probe and target, for `npm run flash`. */
    openocd?: string[];
    /** What connects the board for openocd (for messages). */
    probe?: string;
    /** How images reach a board that openocd does not program. */
    loader?: string;
  };
  ram: { origin: number; size: number };
  /** How device tests run there: `firmwarePerSpec` when the whole suite's code does not fit the board's RAM. */
  deviceTests?: { firmwarePerSpec?: boolean };
  /** Whether the board has hardware floating point (images differ per float ABI). */
  hardFloat: boolean;
}

export const defaultBoard = "mps2-an386";

export function boardNames(): string[] {
  const dir = join(projectRoot, "boards");
  return readdirSync(dir).filter((name) => existsSync(join(dir, name, "board.json")));
}

function readJson(file: string): Record<string, any> {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new BuildError(file, `cannot read board description: ${(error as Error).message}`);
  }
}

export function loadBoard(name: string): Board {
  const dir = join(projectRoot, "boards", name);
  const file = join(dir, "board.json");
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(file))
    throw new BuildError("--board", `unknown board "${name}" (boards: ${boardNames().join(", ")})`);
  const board = readJson(file);
  const familyDir = board.family ? resolve(dir, board.family) : dir;
  const family = board.family ? readJson(join(familyDir, "family.json")) : {};
  const sources: string[] = [...(family.sources ?? []).map((s: string) => resolve(familyDir, s)), ...(board.sources ?? []).map((s: string) => resolve(dir, s))];
  const linkerScript: string = board.linkerScript ?? family.linkerScript;
  if (!linkerScript) throw new BuildError(file, "linkerScript: no linker script for this board or its family");
  const linkerDir = board.linkerScript ? dir : familyDir;
  const cpuFlags: string[] = board.cpu;
  if (!Array.isArray(cpuFlags) || cpuFlags.length === 0) throw new BuildError(file, "cpu: expected the compiler's CPU flags");
  return {
    name,
    family: board.family ? basename(familyDir) : name,
    description: board.description ?? "",
    dir,
    cpuFlags,
    sources,
    defines: { ...(family.defines ?? {}), ...(board.defines ?? {}), BOARD_NAME: JSON.stringify(name) },
    linkerDir,
    linkerScript,
    qemu: board.qemu,
    generator: board.generator,
    flash: board.flash,
    ram: board.ram,
    hardFloat: cpuFlags.includes("-mfloat-abi=hard"),
    deviceTests: board.deviceTests,
  };
}
