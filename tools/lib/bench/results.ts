/**
 * Benchmark results: the records of one device run (and the Node run) turned into bench/results/<board>.json, a
 * markdown table and a hand-written SVG chart.
 *
 * The JSON's required fields and operation names are a format other tools read (bench/README.md); everything beyond
 * them (ratio, boot, breakdown, node) is additional. Numbers are rounded to 0.1 instruction, so two runs of the
 * same firmware write byte-identical files. An operation that could not be measured is null with a `note`, never a
 * made-up number.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { Measurement } from "../../../bench/harness.ts";
import type { BenchRecord } from "./device.ts";

export const OPERATION_NAMES = [
  "port_v2_roundtrip",
  "port_v1_16_roundtrip",
  "port_v1_128_roundtrip",
  "channel_64_roundtrip",
  "channel_64_handle_roundtrip",
  "channel_64k_roundtrip",
  "signal_packet",
  "channel_call_roundtrip",
  "task_handoff",
  "process_spawn",
  "process_lifecycle",
  "channel_64_cross_process_roundtrip",
  "irq_to_js",
  "irq_to_sync_wait",
  "boot_to_main",
] as const;

/** What each operation is, for the report. */
export const DESCRIPTIONS: Record<string, string> = {
  port_v2_roundtrip: "mx_port_queue + mx_port_wait (deadline 0) of one 48-byte packet on a V2 port",
  port_v1_16_roundtrip: "the same on a V1 port with 16-byte packets",
  port_v1_128_roundtrip: "the same on a V1 port with 128-byte packets",
  channel_64_roundtrip: "mx_channel_write + mx_channel_read of 64 bytes",
  channel_64_handle_roundtrip: "64 bytes and one handle (an event, sent back out with its new value each time)",
  channel_64k_roundtrip: "mx_channel_write + mx_channel_read of 64 KiB",
  signal_packet: "mx_object_signal (set) → REPEATING wait_async packet → mx_port_wait, + mx_object_signal (clear) to re-arm",
  channel_call_roundtrip: "awaitable.mx_channel_call, 64 B each way, served by a second task (wait_one, read, write)",
  task_handoff: "one hand-off: mx_port_queue in one task → the other task's awaited mx_port_wait returns (ping-pong / 2)",
  process_spawn: "mx_process_create + mx_process_start of a program whose main is empty, until its entry module is loaded in its Compartment and main is about to run",
  process_lifecycle: "process_spawn, main's run and the process's end, the supervisor's awaited wait for MX_TASK_TERMINATED, mx_handle_close",
  channel_64_cross_process_roundtrip: "channel_64_roundtrip with the reading end in a second process (its own handle table and entries)",
  irq_to_js: "interrupt line rises (CPU asleep) → ISR → kernel service → port → awaiting task runs and reads the timer",
  irq_to_sync_wait: "interrupt line rises (CPU asleep inside a synchronous mx_port_wait) → ISR → the wait's own service → port → the call returns and the caller reads the timer",
  boot_to_main: "reset to the first instruction of C main()",
};

/** The targets of issue 11, the native data plane (instructions), and issue 5's boot and C-ratio targets. */
export const TARGETS: Record<string, number> = {
  port_v2_roundtrip: 3_000,
  channel_64_roundtrip: 5_000,
  channel_64_handle_roundtrip: 10_000,
  signal_packet: 8_000,
  channel_call_roundtrip: 30_000,
  task_handoff: 10_000,
  process_spawn: 50_000,
  irq_to_js: 4_000,
  irq_to_sync_wait: 2_000,
  boot_to_main: 500_000,
};
export const PORT_RATIO_TARGET = 15;

/** FreeRTOS on the same QEMU (shared notes/peer-freertos.md, -O2, mps2-an386): context, not measured here. */
export const FREERTOS_PEERS: Record<string, { instructions: number; what: string }> = {
  port_v2_roundtrip: { instructions: 203, what: "xQueueSend + xQueueReceive, 48 B, same task" },
  channel_64_roundtrip: { instructions: 211, what: "xQueueSend + xQueueReceive, 64 B" },
  task_handoff: { instructions: 633, what: "ping-pong between equal-priority tasks, per direction" },
  irq_to_js: { instructions: 319, what: "ISR first instruction (SendFromISR + yield) → task has the item" },
};

/**
 * MicroPython 1.29 on the same QEMU (shared notes/peer-micropython.md, mps2-an385): the runtime people would pick
 * instead to script a microcontroller. Context, not measured here; `shown` where the note gives a range.
 */
export const MICROPYTHON_PEERS: Record<string, { instructions: number; shown?: string; what: string }> = {
  port_v2_roundtrip: { instructions: 8_083, what: "a minimal Python port: handle lookup, pooled 48-byte copy in, append; lookup, pop, copy out" },
  irq_to_js: { instructions: 610, shown: "480–740", what: "ISR entry to the first bytecodes of a micropython.schedule callback" },
  irq_to_sync_wait: { instructions: 610, shown: "480–740", what: "ISR entry to the first bytecodes of a micropython.schedule callback" },
};

export interface Operation {
  name: string;
  instructions: number | null;
  iterations: number | null;
  spread: number | null;
  c_baseline: number | null;
  /** instructions / c_baseline. */
  ratio: number | null;
  note?: string;
}

export interface Memory {
  flash_bytes: number;
  static_ram_bytes: number;
  heap_after_boot_bytes: number;
  heap_peak_bytes: number;
  free_ram_bytes: number;
}

export interface NodeOperation {
  name: string;
  ns_per_op: number;
  ops_per_second: number;
  iterations: number;
  spread_ns: number;
}

export interface Step {
  group: string;
  name: string;
  what: string;
  instructions: number;
  spread: number;
}

export interface BenchResults {
  board: string;
  qemu: string;
  icount: string;
  operations: Operation[];
  memory: Memory;
  /** XS bytecode build id, and a hash of the whole firmware image (fw.bin): equal images must give equal counts. */
  build: string;
  image: string;
  repeats: number;
  boot: {
    reset_to_main_timer_ns: number;
    reset_to_main_exact_instructions: number | null;
    machine_create_instructions: number;
    reset_to_main_module_instructions: number;
  };
  memory_notes: {
    ram_bytes: number;
    heap_after_machine_bytes: number | null;
    bench_program_flash_bytes: number;
    bench_program_static_ram_bytes: number;
    /** RAM one started, waiting process holds (XS live bytes after a collection, and the C heap's outside XS). */
    process_ram_bytes: number | null;
  };
  breakdown: Step[];
  node: { version: string; operations: NodeOperation[] } | null;
}

export interface SizeFacts {
  flashBytes: number;
  dataBytes: number;
  bssBytes: number;
  stackBytes: number;
  /** What the benchmark program itself adds: its bytecode and bench/hooks.c. */
  benchFlashBytes: number;
  benchRamBytes: number;
}

export interface ResultInputs {
  board: string;
  qemu: string;
  icount: string;
  records: BenchRecord[];
  sizes: SizeFacts;
  image: string;
  /** Exact instructions from reset to C main() (the profile plugin), when it ran. */
  exactBoot?: number;
  heapAfterMachine?: number;
  node?: { version: string; measurements: Measurement[] };
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

const byType = (records: BenchRecord[], type: string) => records.filter((r) => r.type === type);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function buildResults(input: ResultInputs): BenchResults {
  const ops = new Map(byType(input.records, "op").map((r) => [r.name as string, r]));
  const notes = new Map(byType(input.records, "note").map((r) => [r.name as string, r.text as string]));
  const cs = new Map(byType(input.records, "c").map((r) => [r.name as string, r]));
  const boot = byType(input.records, "boot")[0] ?? {};
  const start = byType(input.records, "start")[0] ?? {};
  const memoryRecord = byType(input.records, "memory")[0] ?? {};
  const repeats = ((ops.values().next().value?.samples as number[] | undefined) ?? []).length;

  const operations: Operation[] = OPERATION_NAMES.map((name) => {
    const c = cs.get(name);
    const c_baseline = c ? round1(c.cost as number) : null;
    if (name === "boot_to_main") {
      const exact = input.exactBoot ?? null;
      const timer = boot.bootTime as number | undefined;
      const instructions = exact ?? timer ?? null;
      return {
        name,
        instructions,
        iterations: instructions === null ? null : 1,
        spread: instructions === null ? null : 0,
        c_baseline: null,
        ratio: null,
        note:
          exact !== null
            ? "counted exactly by the insn_profile plugin (reset to C main's first instruction); one boot per run, deterministic"
            : "native.bootTime (the clock starts a few instructions after reset; ±40 ns tick)",
      };
    }
    const op = ops.get(name);
    if (!op) return { name, instructions: null, iterations: null, spread: null, c_baseline, ratio: null, note: notes.get(name) ?? "not measured in this run" };
    const instructions = round1(op.cost as number);
    return {
      name,
      instructions,
      iterations: op.operations as number,
      spread: round1(op.spread as number),
      c_baseline,
      ratio: c_baseline ? round1(instructions / c_baseline) : null,
      ...(name === "irq_to_js"
        ? {
            note:
              "line rising → first register read inside bench.irqElapsed(), the waiter's first call after its await resumes; " +
              `mean including garbage collections; per interrupt ${fmt(op.fastest as number)} at best, ${fmt(op.slowest as number)} at worst; ` +
              "C baseline: bare handler + C WFI loop",
          }
        : {}),
    };
  });

  const s = input.sizes;
  const staticRam = s.dataBytes + s.bssBytes + s.stackBytes;
  const heapAfterBoot = (boot.heapAtMain as number) ?? 0;
  const heapPeak = (memoryRecord.peak as number) ?? 0;
  // The heap's room is what the linker left between the static data and the stack, plus the RAM the board adds
  // outside that range (the STM32F405's CCM), as the device reports it.
  const heapRoom = (memoryRecord.room as number) ?? 0;
  return {
    board: input.board,
    qemu: input.qemu,
    icount: input.icount,
    operations,
    memory: {
      flash_bytes: s.flashBytes,
      static_ram_bytes: staticRam,
      heap_after_boot_bytes: heapAfterBoot,
      heap_peak_bytes: heapPeak,
      free_ram_bytes: heapRoom - heapPeak,
    },
    build: (start.build as string) ?? "",
    image: input.image,
    repeats,
    boot: {
      reset_to_main_timer_ns: (boot.bootTime as number) ?? 0,
      reset_to_main_exact_instructions: input.exactBoot ?? null,
      machine_create_instructions: ((boot.machineTime as number) ?? 0) - ((boot.bootTime as number) ?? 0),
      reset_to_main_module_instructions: (boot.mainTime as number) ?? 0,
    },
    memory_notes: {
      ram_bytes: staticRam + heapRoom,
      heap_after_machine_bytes: input.heapAfterMachine ?? null,
      bench_program_flash_bytes: s.benchFlashBytes,
      bench_program_static_ram_bytes: s.benchRamBytes,
      process_ram_bytes: typeof memoryRecord.perProcess === "number" ? Math.round(memoryRecord.perProcess) : null,
    },
    breakdown: byType(input.records, "step").map((r) => ({
      group: r.group as string,
      name: r.name as string,
      what: r.what as string,
      instructions: round1(r.cost as number),
      spread: round1(r.spread as number),
    })),
    node: input.node
      ? {
          version: input.node.version,
          operations: input.node.measurements.map((m) => {
            const ns = median(m.samples);
            return { name: m.name, ns_per_op: round1(ns), ops_per_second: Math.round(1e9 / ns), iterations: m.operations, spread_ns: round1(m.spread) };
          }),
        }
      : null,
  };
}

const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined ? "—" : n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const intOrOne = (n: number) => (Number.isInteger(n) || n >= 1000 ? fmt(n) : fmt(n, 1));

function targetCell(op: Operation): string {
  const target = TARGETS[op.name];
  const parts: string[] = [];
  if (target !== undefined) parts.push(op.instructions === null ? `≤ ${fmt(target)}` : `≤ ${fmt(target)} ${op.instructions <= target ? "✅ met" : `❌ ${fmt(op.instructions / target, 1)}× over`}`);
  if (op.name === "port_v2_roundtrip" && op.ratio !== null)
    parts.push(`ratio ≤ ${PORT_RATIO_TARGET}× ${op.ratio <= PORT_RATIO_TARGET ? "✅ met" : "❌ not met"}`);
  return parts.join("; ") || "";
}

/** The main table, shared by the results page and bench/README.md. */
export function renderTable(results: BenchResults): string {
  const node = new Map((results.node?.operations ?? []).map((o) => [o.name, o]));
  const lines = [
    "| operation | instructions | iterations × repeats | spread | C baseline | ratio | FreeRTOS peer | MicroPython peer | target | Node ops/s |",
    "|---|--:|--:|--:|--:|--:|--:|--:|---|--:|",
  ];
  for (const op of results.operations) {
    const peer = FREERTOS_PEERS[op.name];
    const python = MICROPYTHON_PEERS[op.name];
    const repeats = op.name === "boot_to_main" ? 1 : results.repeats;
    lines.push(
      `| ${op.name} | ${op.instructions === null ? "null" : intOrOne(op.instructions)} | ${op.iterations === null ? "—" : `${fmt(op.iterations)} × ${repeats}`} | ${op.spread === null ? "—" : fmt(op.spread, 1)} | ${op.c_baseline === null ? "—" : intOrOne(op.c_baseline)} | ${op.ratio === null ? "—" : `${fmt(op.ratio, 1)}×`} | ${peer ? fmt(peer.instructions) : "—"} | ${python ? (python.shown ?? fmt(python.instructions)) : "—"} | ${targetCell(op)} | ${node.has(op.name) ? fmt(node.get(op.name)!.ops_per_second) : "—"} |`,
    );
  }
  return lines.join("\n");
}

export function renderMarkdown(results: BenchResults): string {
  const m = results.memory;
  const b = results.boot;
  const notes = results.memory_notes;
  const kib = (n: number) => `${fmt(n)} B (${fmt(n / 1024, 1)} KiB)`;
  const out = [
    `# Benchmarks: ${results.board}`,
    "",
    `Generated by \`npm run bench\` (method: [bench/README.md](../README.md)). QEMU ${results.qemu}, \`-icount ${results.icount}\`: one instruction is one nanosecond, so every figure below is an instruction count. Firmware image ${results.image} (bytecode build ${results.build}).`,
    "",
    renderTable(results),
    "",
    "* **instructions**: mean over the repeats of (time of n iterations − time of the same empty loop) / n; **spread**: largest minus smallest repeat.",
    "* **C baseline**: the same fast path written plainly in C (bench/hooks.c), timed in the same run with the same clock; **ratio** = instructions / C baseline.",
    "* **FreeRTOS peer**: FreeRTOS V11 queues on the same QEMU (-O2, mps2-an386), from the shared notes; context, not measured here.",
    "* **MicroPython peer**: MicroPython 1.29 on the same QEMU (mps2-an385), from the shared notes: a minimal Python port round trip, and ISR → a scheduled Python callback; context, not measured here.",
    "* **Node ops/s**: the same case definitions on Node " + (results.node ? `${results.node.version}` : "(not run)") + " (median of the repeats), for reference.",
    "",
    "## What each operation is",
    "",
    ...results.operations.map((op) => `* \`${op.name}\`: ${DESCRIPTIONS[op.name]}.${op.note ? ` ${op.note.charAt(0).toUpperCase()}${op.note.slice(1)}.` : ""}`),
    "",
    "## Boot",
    "",
    "| step | instructions |",
    "|---|--:|",
    `| reset → first instruction of C main() | ${b.reset_to_main_exact_instructions === null ? "—" : fmt(b.reset_to_main_exact_instructions)} exact (clock: ${fmt(b.reset_to_main_timer_ns)}) |`,
    `| XS machine creation (cloned from the base heap in flash) | ${fmt(b.machine_create_instructions)} |`,
    `| reset → first statement of the main module (kernel and benchmark modules loaded, setup run) | ${fmt(b.reset_to_main_module_instructions)} |`,
    "",
    "## Memory",
    "",
    "| | bytes |",
    "|---|--:|",
    `| flash (text + rodata + data) | ${kib(m.flash_bytes)} |`,
    `| static RAM (data + bss + C stack) | ${kib(m.static_ram_bytes)} |`,
    ...(notes.heap_after_machine_bytes !== null ? [`| XS heap after machine creation | ${kib(notes.heap_after_machine_bytes)} |`] : []),
    `| XS heap after boot (main module's first statement) | ${kib(m.heap_after_boot_bytes)} |`,
    `| XS heap peak (every case, with the 64 KiB messages where that case ran; before the RAM-per-process measure, whose forced collections may grow the heap) | ${kib(m.heap_peak_bytes)} |`,
    `| free RAM (RAM the firmware can use, ${kib(notes.ram_bytes)}, − static − XS peak) | ${kib(m.free_ram_bytes)} |`,
    ...(notes.process_ram_bytes !== null ? [`| one started process, waiting (mean of 8; target ≤ 8 KiB) | ${kib(notes.process_ram_bytes)} |`] : []),
    "",
    `This is the benchmark firmware: the benchmark program itself accounts for ${kib(notes.bench_program_flash_bytes)} of the flash (its bytecode and bench/hooks.c; the modules it preloads (bench/manifest.json) are in the base heap with the kernel) and ${kib(notes.bench_program_static_ram_bytes)} of the static RAM (bench/hooks.c's variables; its C baseline rings are allocated only while they run). XS heap figures are XS's chunks and slots (native.memory()), without malloc's own overhead.`,
    "",
  ];
  if (results.node) {
    out.push(
      `## Node ${results.node.version} (reference)`,
      "",
      "| operation | ns per operation (median) | ops/s | iterations | spread (ns) |",
      "|---|--:|--:|--:|--:|",
      ...results.node.operations.map((o) => `| ${o.name} | ${fmt(o.ns_per_op, 1)} | ${fmt(o.ops_per_second)} | ${fmt(o.iterations)} | ${fmt(o.spread_ns, 1)} |`),
      "",
    );
  }
  return out.join("\n");
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A horizontal bar chart on a log scale: kernel instructions, the C baseline under it, and target ticks. */
export function renderSvg(results: BenchResults): string {
  const ops = results.operations;
  const values = ops.flatMap((o) => [o.instructions, o.c_baseline, TARGETS[o.name]]).filter((v): v is number => typeof v === "number" && v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values, 10)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 10)));
  const left = 210;
  const width = 860;
  const plot = width - left - 90;
  const rowHeight = 34;
  const top = 56;
  const height = top + ops.length * rowHeight + 46;
  const x = (v: number) => left + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plot;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escapeXml(`Instructions per operation on ${results.board} (log scale)`)}</text>`,
    `<rect x="${left}" y="30" width="12" height="10" fill="#3b6fb6"/><text x="${left + 16}" y="39">kernel (TypeScript on XS)</text>`,
    `<rect x="${left + 180}" y="30" width="12" height="10" fill="#e08a2c"/><text x="${left + 196}" y="39">C baseline</text>`,
    `<line x1="${left + 290}" y1="29" x2="${left + 290}" y2="41" stroke="#c0392b" stroke-width="2"/><text x="${left + 296}" y="39">target</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const gx = x(10 ** e).toFixed(1);
    parts.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + ops.length * rowHeight}" stroke="#dddddd"/>`);
    parts.push(`<text x="${gx}" y="${top + ops.length * rowHeight + 16}" text-anchor="middle" fill="#555555">${escapeXml(fmt(10 ** e))}</text>`);
  }
  ops.forEach((op, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + 17}" text-anchor="end">${escapeXml(op.name)}</text>`);
    if (op.instructions === null) {
      parts.push(`<text x="${left + 4}" y="${y + 14}" fill="#888888">not measured</text>`);
    } else {
      const w = Math.max(1, x(op.instructions) - left);
      parts.push(`<rect x="${left}" y="${y + 4}" width="${w.toFixed(1)}" height="14" fill="#3b6fb6"><title>${escapeXml(`${op.name}: ${fmt(op.instructions, 1)} instructions`)}</title></rect>`);
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + 15}">${escapeXml(fmt(op.instructions))}</text>`);
    }
    if (op.c_baseline !== null) {
      const w = Math.max(1, x(op.c_baseline) - left);
      parts.push(`<rect x="${left}" y="${y + 20}" width="${w.toFixed(1)}" height="8" fill="#e08a2c"><title>${escapeXml(`C baseline: ${fmt(op.c_baseline, 1)}`)}</title></rect>`);
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + 28}" font-size="10" fill="#a0601c">${escapeXml(fmt(op.c_baseline))}</text>`);
    }
    const target = TARGETS[op.name];
    if (target !== undefined) parts.push(`<line x1="${x(target).toFixed(1)}" y1="${y + 1}" x2="${x(target).toFixed(1)}" y2="${y + 31}" stroke="#c0392b" stroke-width="2"><title>${escapeXml(`target ≤ ${fmt(target)}`)}</title></line>`);
  });
  parts.push(`<text x="${left}" y="${height - 8}" fill="#555555">${escapeXml(`QEMU ${results.qemu}, -icount ${results.icount}; image ${results.image}`)}</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Writes <board>.json, <board>.md, <board>.svg (and <board>-profile.md when given) into `dir`; returns the paths. */
export function writeResults(dir: string, results: BenchResults, profileMarkdown?: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    [join(dir, `${results.board}.json`), `${JSON.stringify(results, null, 2)}\n`],
    [join(dir, `${results.board}.md`), renderMarkdown(results)],
    [join(dir, `${results.board}.svg`), renderSvg(results)],
  ];
  if (profileMarkdown !== undefined) files.push([join(dir, `${results.board}-profile.md`), profileMarkdown]);
  for (const [path, text] of files) writeAtomically(path, text);
  return files.map(([path]) => path);
}

/** Instruction counts that differ between two results of the same board (for "did this run repeat the last one"). */
export function differences(previous: BenchResults, current: BenchResults): string[] {
  const before = new Map(previous.operations.map((o) => [o.name, o]));
  const changed: string[] = [];
  for (const op of current.operations) {
    const old = before.get(op.name);
    if (old && (old.instructions !== op.instructions || old.c_baseline !== op.c_baseline))
      changed.push(`${op.name}: ${fmt(old.instructions, 1)} → ${fmt(op.instructions, 1)}${old.c_baseline !== op.c_baseline ? ` (C ${fmt(old.c_baseline, 1)} → ${fmt(op.c_baseline, 1)})` : ""}`);
  }
  return changed;
}

const TABLE_BEGIN = "<!-- bench:table:begin -->";
const TABLE_END = "<!-- bench:table:end -->";

/** bench/README.md with the text between its table markers replaced by this run's table (unchanged if no markers). */
export function updateReadme(text: string, results: BenchResults): string {
  const begin = text.indexOf(TABLE_BEGIN);
  const end = text.indexOf(TABLE_END);
  if (begin < 0 || end < begin) return text;
  const body = `\n${results.board}, QEMU ${results.qemu}, firmware image ${results.image}:\n\n${renderTable(results)}\n`;
  return text.slice(0, begin + TABLE_BEGIN.length) + body + text.slice(end);
}
