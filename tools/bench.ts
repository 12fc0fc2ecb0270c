/**
 * `npm run bench [-- --board <name> ...]`: instructions per IPC operation, interrupt latency, boot and memory, beside
 * a C baseline, in one run per board (default mps2-an386; `--board` is repeatable), plus the same cases on Node.
 *
 * For each board: builds the benchmark firmware (bench/), runs it in QEMU under -icount shift=0 with the
 * insn_profile plugin, and writes bench/results/<board>.{json,md,svg} and <board>-profile.md. The default board's
 * table is also written into bench/README.md. Method and format: bench/README.md.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";

import { defaultBoard } from "./lib/board.ts";
import { runDeviceBench } from "./lib/bench/device.ts";
import { runNodeBench } from "./lib/bench/node.ts";
import { buildPlugin } from "./lib/bench/plugin.ts";
import { objectFootprint, parseMap, renderProfile } from "./lib/bench/profile.ts";
import { type BenchResults, buildResults, differences, renderTable, updateReadme, writeResults } from "./lib/bench/results.ts";
import { BuildError, runTool } from "./lib/errors.ts";
import { requireTool } from "./lib/jobs.ts";
import { projectRoot } from "./lib/paths.ts";

const resultsDir = join(projectRoot, "bench", "results");
const readme = join(projectRoot, "bench", "README.md");
const ICOUNT = "shift=0,sleep=off";

function qemuVersion(): string {
  requireTool("qemu-system-arm");
  const first = execFileSync("qemu-system-arm", ["--version"], { encoding: "utf8" }).split("\n")[0];
  return first.replace(/^QEMU emulator version /, "");
}

/** Flash taken by the benchmark program's own bytecode (main and bench/*, but the modules it preloads: those are in
 * the base heap), from the build's bytecode folder. */
function benchBytecodeBytes(elf: string, preloaded: string[]): number {
  const dir = join(dirname(elf), "xsb");
  const inBaseHeap = new Set(preloaded.map((specifier) => `${specifier.replaceAll("/", "~")}.xsb`));
  return readdirSync(dir)
    .filter((f) => f.endsWith(".xsb") && (f === "main.xsb" || f.startsWith("bench~")) && !inBaseHeap.has(f))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

function readPrevious(file: string): BenchResults | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as BenchResults;
  } catch {
    return undefined;
  }
}

await runTool("bench", async () => {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        board: { type: "string", multiple: true },
        "no-node": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new BuildError("bench", (error as Error).message);
  }
  if (parsed.values.help) {
    console.log("usage: npm run bench -- [--board <name>]... [--no-node]");
    return 0;
  }
  const boards = parsed.values.board ?? [defaultBoard];
  const qemu = qemuVersion();
  const plugin = await buildPlugin();
  const node = parsed.values["no-node"] ? undefined : await runNodeBench();
  if (node) console.log(`bench: Node ${node.version}: ${node.measurements.length} cases`);

  for (const board of boards) {
    console.log(`bench: ${board}: building bench/manifest.json and running it in QEMU (-icount ${ICOUNT}, insn_profile plugin)`);
    const device = await runDeviceBench({
      board,
      plugin,
      onRecord: (record) => {
        if (record.type === "op") console.log(`  ${String(record.name).padEnd(28)} ${Math.round(record.cost as number).toLocaleString("en-US")} instructions`);
      },
    });
    const summary = device.firmware.summary;
    const mapFile = join(dirname(device.firmware.elf), "fw.map");
    const hooks = objectFootprint(parseMap(readFileSync(mapFile, "utf8")), (object) => object.includes("/bench/obj/"));
    const results = buildResults({
      board,
      qemu,
      icount: ICOUNT,
      records: device.records,
      sizes: {
        flashBytes: summary.flashBytes,
        dataBytes: summary.dataBytes,
        bssBytes: summary.bssBytes,
        stackBytes: summary.stackBytes,
        benchFlashBytes: benchBytecodeBytes(device.firmware.elf, device.firmware.preloaded) + hooks.flash,
        benchRamBytes: hooks.ram,
      },
      image: createHash("sha256").update(readFileSync(device.firmware.bin)).digest("hex").slice(0, 12),
      exactBoot: device.plugin?.main,
      heapAfterMachine: device.bootLine?.heap,
      node,
    });
    const jsonFile = join(resultsDir, `${board}.json`);
    const previous = existsSync(jsonFile) ? readPrevious(jsonFile) : undefined;
    const profile = device.plugin
      ? await renderProfile({ board, elf: device.firmware.elf, map: mapFile, records: device.records, plugin: device.plugin })
      : undefined;
    const files = writeResults(resultsDir, results, profile);
    console.log(`\n${renderTable(results)}\n`);
    for (const file of files) console.log(`bench: wrote ${relative(process.cwd(), file)}`);
    if (previous) {
      const changed = differences(previous, results);
      const sameImage = previous.image === results.image;
      if (changed.length === 0) console.log(`bench: instruction counts identical to the previous results${sameImage ? " (same firmware image)" : ""}`);
      else if (sameImage) console.log(`bench: the same firmware image gave different counts than the previous run (not repeatable):\n  ${changed.join("\n  ")}`);
      else console.log(`bench: the firmware changed since the previous results:\n  ${changed.join("\n  ")}`);
    }
    if (board === defaultBoard && existsSync(readme)) {
      writeFileSync(readme, updateReadme(readFileSync(readme, "utf8"), results));
      console.log(`bench: updated the table in ${relative(process.cwd(), readme)}`);
    }
  }
});
