/**
 * Turns the insn_profile plugin's per-address counts into "where the instructions go": bench/results/<board>-profile.md.
 *
 * Each profiled case ran n iterations between markers, followed by the empty loop with the same n; subtracting the
 * second region from the first, address by address, leaves the operation alone. Addresses are attributed three
 * ways, all from the firmware's own build products rather than guesses:
 * - to an engine component by the object file that placed them (the link map: with -ffunction-sections every
 *   function is its own input section), e.g. xsRun.o is the interpreter, xsMemory.o allocation and GC;
 * - to a function (nm -S);
 * - inside the interpreter's one big function, fxRunID, to the bytecode whose `mxCase` the source line belongs to
 *   (addr2line against the engine's xsRun.c);
 * - for allocation and string comparison, to the call sites (from the disassembly: the count at a `bl` is how often
 *   that call was made), which names the bytecode that allocates.
 * JavaScript functions of the kernel run inside the interpreter and are invisible here; the kernel step breakdown
 * (bench/breakdown.ts, timed on the device) attributes them.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";

import { run } from "../jobs.ts";
import { engineDir } from "../paths.ts";
import type { BenchRecord } from "./device.ts";
import type { PluginOutput } from "./plugin.ts";
import { round1 } from "./results.ts";

export interface Section {
  name: string;
  address: number;
  size: number;
  object: string;
}

/** Input sections placed by the link (the part of the map after "Linker script and memory map"). */
export function parseMap(text: string): Section[] {
  const start = text.indexOf("Linker script and memory map");
  const lines = text.slice(start < 0 ? 0 : start).split("\n");
  const sections: Section[] = [];
  const full = /^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$/;
  const continued = /^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$/;
  for (let i = 0; i < lines.length; i++) {
    let match = full.exec(lines[i]);
    let name: string;
    let fields: string[];
    if (match) {
      name = match[1];
      fields = match.slice(2);
    } else {
      const alone = /^ (\.\S+)$/.exec(lines[i]);
      const next = alone && continued.exec(lines[i + 1] ?? "");
      if (!alone || !next) continue;
      name = alone[1];
      fields = next.slice(1);
      i++;
    }
    const size = parseInt(fields[1], 16);
    if (size > 0 && /^\.(text|rodata|data|bss|ARM)/.test(name)) sections.push({ name, address: parseInt(fields[0], 16), size, object: fields[2].trim() });
  }
  return sections.sort((a, b) => a.address - b.address);
}

/** Bytes of flash and RAM that input sections from objects matching `test` occupy. */
export function objectFootprint(sections: Section[], test: (object: string) => boolean): { flash: number; ram: number } {
  let flash = 0;
  let ram = 0;
  for (const s of sections.filter((x) => test(x.object))) {
    if (/^\.(text|rodata|ARM)/.test(s.name)) flash += s.size;
    else if (s.name.startsWith(".data")) {
      flash += s.size;
      ram += s.size;
    } else if (s.name.startsWith(".bss")) ram += s.size;
  }
  return { flash, ram };
}

/** Engine components by object file: the labels the profile groups by. */
const COMPONENTS: [RegExp, string][] = [
  [/\/xsRun\.o$/, "interpreter (xsRun: bytecode dispatch and opcodes)"],
  [/\/xsMemory\.o$/, "allocation and garbage collection (xsMemory)"],
  [/\/xsDataView\.o$/, "typed arrays and DataView (xsDataView)"],
  [/\/xsBigInt\.o$/, "BigInt arithmetic and comparison (xsBigInt)"],
  [/\/xs(Function|Promise|Generator|Arguments)\.o$/, "calls, promises, async functions"],
  [/\/xs(Object|Property|Type|Global|Symbol|MapSet|Proxy)\.o$/, "objects and properties"],
  [/\/xsAPI\.o$/, "host-function API (xsAPI)"],
  [/\/xs(Number|Math|Common|dtoa|String|Boolean)\.o$/, "numbers and strings"],
  [/\/xsArray\.o$/, "arrays"],
  [/\/xs\w+\.o$/, "other XS"],
  [/lib_a-(mem|str)\w*\.o\)$/, "libc memcpy / memset / string"],
  [/libgcc\.a|_arm_|_aeabi|lib_a-/, "libgcc / libc helpers (soft float, division)"],
  [/\/(runtime|drivers)\/|\/boards\/|startup|semihosting/, "runtime, HAL and board (host functions, clock, ISR)"],
  [/\/bench\/obj\//, "benchmark hooks (markers, timer)"],
];

export function componentOf(object: string): string {
  for (const [pattern, label] of COMPONENTS) if (pattern.test(object)) return label;
  return `other (${basename(object)})`;
}

interface Ranges {
  starts: number[];
  ends: number[];
  labels: string[];
}

function ranges(items: { address: number; size: number; label: string }[]): Ranges {
  const sorted = [...items].sort((a, b) => a.address - b.address);
  return { starts: sorted.map((i) => i.address), ends: sorted.map((i) => i.address + i.size), labels: sorted.map((i) => i.label) };
}

function lookup(r: Ranges, address: number): string | undefined {
  let lo = 0;
  let hi = r.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r.starts[mid] <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && address < r.ends[hi] ? r.labels[hi] : undefined;
}

/** Function address ranges, and each function's entry address (its count there is how often it was called). */
async function functionRanges(elf: string): Promise<{ ranges: Ranges; entries: Map<string, number> }> {
  const result = await run("arm-none-eabi-nm", ["-S", "--defined-only", elf]);
  const items: { address: number; size: number; label: string }[] = [];
  for (const line of result.stdout.split("\n")) {
    const [address, size, type, name] = line.split(" ");
    if (name && /^[tTwW]$/.test(type)) items.push({ address: parseInt(address, 16) & ~1, size: parseInt(size, 16), label: name });
  }
  return { ranges: ranges(items), entries: new Map(items.map((i) => [i.label, i.address])) };
}

/** xsRun.c line → the bytecode (mxCase label) whose code it is. */
function opcodeLines(): string[] {
  const source = readFileSync(join(engineDir(), "sources", "xsRun.c"), "utf8").split("\n");
  const byLine: string[] = [""];
  let current = "(entry, exit and shared dispatch)";
  for (const line of source) {
    const match = /mxCase\((XS_\w+)\)/.exec(line);
    // XS_NO_CODE's `mxBreak` is the first dispatch jump in the function; the compiler shares it between opcodes.
    if (match && !line.includes("#define")) current = match[1] === "XS_NO_CODE" ? "(dispatch: the shared mxBreak jump)" : match[1].replace(/^XS_CODE_/, "");
    byLine.push(current);
  }
  return byLine;
}

function opcodesOf(elf: string, addresses: number[]): Map<number, string> {
  const byLine = opcodeLines();
  const result = new Map<number, string>();
  if (addresses.length === 0) return result;
  const input = addresses.map((a) => `0x${a.toString(16)}`).join("\n");
  const out = spawnSync("arm-none-eabi-addr2line", ["-e", elf], { input, encoding: "utf8", maxBuffer: 64 << 20 }).stdout.split("\n");
  addresses.forEach((address, i) => {
    const match = /([^/\s]+):(\d+)/.exec(out[i] ?? "");
    if (!match) result.set(address, "(no line information)");
    else if (match[1] !== "xsRun.c") result.set(address, `(inlined from ${match[1]})`);
    else result.set(address, byLine[Number(match[2])] ?? "(unknown line)");
  });
  return result;
}

/** Functions whose callers the profile lists: allocation, collection, and C string comparison. */
const TRACED = new Set(["fxNewSlot", "fxNewChunk", "fxNewGrowableChunk", "fxRenewChunk", "fxCollect", "strcmp"]);

interface CallSite {
  address: number;
  caller: string;
  callee: string;
}

/** Every direct call or tail call to a TRACED function, from the disassembly. */
async function callSites(elf: string): Promise<CallSite[]> {
  const result = await run("arm-none-eabi-objdump", ["-d", "--no-show-raw-insn", elf]);
  const sites: CallSite[] = [];
  let caller = "";
  for (const line of result.stdout.split("\n")) {
    const header = /^([0-9a-f]+) <(.+)>:$/.exec(line);
    if (header) {
      caller = header[2];
      continue;
    }
    const call = /^\s+([0-9a-f]+):\s+(?:bl|blx|b|b\.w)\s+[0-9a-f]+ <([^>+]+)>/.exec(line);
    if (call && TRACED.has(call[2])) sites.push({ address: parseInt(call[1], 16), caller, callee: call[2] });
  }
  return sites;
}

export interface RegionProfile {
  name: string;
  /** Operations the region ran (iterations × operations per iteration). */
  operations: number;
  /** Instructions per operation, empty loop subtracted (boot: the whole region). */
  perIteration: number;
  /** Per address, per operation. */
  counts: Map<number, number>;
}

type ProfileRecord = BenchRecord & { region: number; name: string; operations: number; count?: number };

/** The sum of `count` consecutive regions from `first` (one region unless the record says more). */
function sumRegions(plugin: PluginOutput, first: number, count = 1): { total: number; counts: Map<number, number> } | undefined {
  const sum = { total: 0, counts: new Map<number, number>() };
  for (let i = first; i < first + count; i++) {
    const region = plugin.regions[i];
    if (!region) return undefined;
    sum.total += region.total;
    for (const [address, n] of region.counts) sum.counts.set(address, (sum.counts.get(address) ?? 0) + n);
  }
  return sum;
}

/** Pairs each case's region with its empty-loop region and subtracts, per address. */
export function regionProfiles(records: BenchRecord[], plugin: PluginOutput): RegionProfile[] {
  const regions = records.filter((r) => r.type === "profile") as ProfileRecord[];
  const byName = new Map(regions.map((r) => [r.name, r]));
  const profiles: RegionProfile[] = [];
  for (const r of regions) {
    if (r.name.endsWith(":empty")) continue;
    const data = sumRegions(plugin, r.region, r.count);
    if (!data) continue;
    const empty = byName.get(`${r.name}:empty`);
    const emptyData = empty ? sumRegions(plugin, empty.region, empty.count) : undefined;
    const counts = data.counts;
    if (emptyData) for (const [address, count] of emptyData.counts) counts.set(address, (counts.get(address) ?? 0) - count);
    for (const [address, count] of counts) {
      if (count === 0) counts.delete(address);
      else counts.set(address, count / r.operations);
    }
    const total = data.total - (emptyData?.total ?? 0);
    profiles.push({ name: r.name, operations: r.operations, perIteration: total / r.operations, counts });
  }
  return profiles;
}

function aggregate(counts: Map<number, number>, label: (address: number) => string): [string, number][] {
  const sums = new Map<string, number>();
  for (const [address, count] of counts) {
    const key = label(address);
    sums.set(key, (sums.get(key) ?? 0) + count);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "—");

function table(rows: [string, number][], total: number, limit: number, heading: string, calls?: (name: string) => number | undefined): string[] {
  const shown = rows.slice(0, limit);
  const rest = rows.slice(limit).reduce((sum, [, n]) => sum + n, 0);
  const callColumn = calls ? " calls per iteration |" : "";
  const lines = [`| ${heading} | instructions per iteration | share |${callColumn}`, `|---|--:|--:|${calls ? "--:|" : ""}`];
  for (const [name, n] of shown) {
    const c = calls?.(name);
    lines.push(`| ${name} | ${fmt(n, 1)} | ${pct(n, total)} |${calls ? ` ${c === undefined ? "—" : fmt(c, 2)} |` : ""}`);
  }
  if (rows.length > limit) lines.push(`| (${rows.length - limit} more) | ${fmt(rest, 1)} | ${pct(rest, total)} |${calls ? " |" : ""}`);
  return lines;
}

export interface ProfileInputs {
  board: string;
  elf: string;
  map: string;
  records: BenchRecord[];
  plugin: PluginOutput;
}

/** The cases profiled in detail (the others get one summary row each). */
const DETAILED = [
  "port_v2_roundtrip",
  "channel_64_roundtrip",
  "irq_to_js",
  "irq_to_sync_wait",
  "channel_call_roundtrip",
  "task_handoff",
  "process_spawn",
  "process_lifecycle",
];

/** What a detailed region covers, where that is not simply "one operation". */
const SCOPE: Record<string, string> = {
  process_spawn:
    "Whole iterations: the loop's timer covers create, start and the load of the entry module, but an iteration also runs main, ends the process and closes its handle, and the profile covers all of it (per spawn).",
  irq_to_js:
    "From the interrupt handler's record (`hal_irq_record`, entered a few instructions after the line rises) through the event loop, the kernel's service routine, the port and the promise job, to the waiter's first call after its await; 50 interrupts, summed and divided. Garbage collections that fall in the path are included.",
  irq_to_sync_wait:
    "From the interrupt handler's record (`hal_irq_record`) through the synchronous wait's own loop (WFI returns, the kernel's service routine drains the record, the port hands the packet to the sleeping caller's waiter) to the caller's first call after mx_port_wait returns; 50 interrupts, summed and divided.",
};

export async function renderProfile(input: ProfileInputs): Promise<string> {
  const sections = parseMap(readFileSync(input.map, "utf8")).filter((s) => /^\.text|^\.rodata/.test(s.name));
  const components = ranges(sections.map((s) => ({ address: s.address, size: s.size, label: componentOf(s.object) })));
  const functions = await functionRanges(input.elf);
  const componentOfAddress = (a: number) => lookup(components, a) ?? "(outside any input section)";
  const functionOf = (a: number) => lookup(functions.ranges, a) ?? `0x${a.toString(16)}`;
  const callsIn = (p: RegionProfile) => (name: string) => {
    const entry = functions.entries.get(name);
    return entry === undefined ? undefined : (p.counts.get(entry) ?? 0);
  };
  const profiles = regionProfiles(input.records, input.plugin);
  const measured = new Map(input.records.filter((r) => r.type === "op").map((r) => [r.name as string, r.cost as number]));

  const sites = await callSites(input.elf);
  const interpreterAddresses = new Set<number>(sites.filter((site) => site.caller === "fxRunID").map((site) => site.address));
  for (const p of profiles) if (DETAILED.includes(p.name)) for (const a of p.counts.keys()) if (functionOf(a) === "fxRunID") interpreterAddresses.add(a);
  const opcodes = opcodesOf(input.elf, [...interpreterAddresses].sort((a, b) => a - b));

  const componentNames = [
    "interpreter (xsRun: bytecode dispatch and opcodes)",
    "allocation and garbage collection (xsMemory)",
    "typed arrays and DataView (xsDataView)",
    "BigInt arithmetic and comparison (xsBigInt)",
    "objects and properties",
    "calls, promises, async functions",
    "libc memcpy / memset / string",
  ];
  const short = ["interpreter", "GC + alloc", "typed arrays", "BigInt", "objects", "calls/promises", "memcpy etc."];
  const out = [
    `# Where the instructions go: ${input.board}`,
    "",
    "Generated by `npm run bench` from one run of the benchmark firmware under the insn_profile QEMU plugin " +
      "(qemu/plugins/insn_profile.c), which counts every executed instruction by address. Each case ran once more " +
      "between profile markers, then the empty loop with the same iteration count; the second is subtracted from the first " +
      "address by address, so the figures are the operation alone, per iteration. How addresses are attributed: " +
      "tools/lib/bench/profile.ts.",
    "",
    "## Summary: share of each engine component",
    "",
    `| case | profile (instr./iteration) | timer | ${short.join(" | ")} | other | GCs per 1,000 |`,
    `|---|--:|--:|${short.map(() => "--:").join("|")}|--:|--:|`,
  ];
  for (const p of profiles.filter((x) => x.name !== "boot")) {
    const byComponent = new Map(aggregate(p.counts, componentOfAddress));
    const known = componentNames.map((c) => byComponent.get(c) ?? 0);
    const other = p.perIteration - known.reduce((s, n) => s + n, 0);
    const timer = measured.get(p.name);
    const collections = (callsIn(p)("fxCollect") ?? 0) * 1000;
    out.push(`| ${p.name} | ${fmt(p.perIteration, 1)} | ${timer === undefined ? "—" : fmt(timer, 1)} | ${known.map((n) => pct(n, p.perIteration)).join(" | ")} | ${pct(other, p.perIteration)} | ${fmt(collections, 1)} |`);
  }
  out.push(
    "",
    "The profile and the timer measure the same code in different runs of the loop (the timer's figure is the mean over",
    "5 repeats; the profile is one further run, so garbage collections can fall differently). **GCs per 1,000**: full",
    "collections (fxCollect calls) per thousand operations. irq_to_js: see its section for what the profile covers.",
    "",
  );

  const steps = input.records.filter((r) => r.type === "step");
  for (const name of DETAILED) {
    const p = profiles.find((x) => x.name === name);
    if (!p) continue;
    out.push(`## ${name}: ${fmt(p.perIteration)} instructions per iteration`, "");
    if (SCOPE[name]) out.push(SCOPE[name], "");
    out.push("### By engine component", "", ...table(aggregate(p.counts, componentOfAddress), p.perIteration, 12, "component"), "");
    out.push(
      "### By function (top 20)",
      "",
      "Calls per iteration: executions of the function's first instruction.",
      "",
      ...table(aggregate(p.counts, functionOf), p.perIteration, 20, "function", callsIn(p)),
      "",
    );
    const interpreter = new Map([...p.counts].filter(([a]) => functionOf(a) === "fxRunID"));
    const inInterpreter = [...interpreter.values()].reduce((s, n) => s + n, 0);
    out.push(
      `### Inside the interpreter (fxRunID, ${fmt(inInterpreter)} instructions): by bytecode (top 15)`,
      "",
      "Attributed by source line to the `mxCase` it belongs to; code shared by several bytecodes through `goto` counts for the one that owns the lines.",
      "",
      ...table(aggregate(interpreter, (a) => opcodes.get(a) ?? "?"), inInterpreter, 15, "bytecode"),
      "",
    );
    const byCaller = new Map<string, { callee: string; caller: string; calls: number }>();
    for (const site of sites) {
      const calls = p.counts.get(site.address) ?? 0;
      if (calls <= 0) continue;
      const caller = site.caller === "fxRunID" ? `fxRunID: ${opcodes.get(site.address) ?? "?"}` : site.caller;
      const key = `${site.callee} ${caller}`;
      const entry = byCaller.get(key) ?? { callee: site.callee, caller, calls: 0 };
      entry.calls += calls;
      byCaller.set(key, entry);
    }
    const made = [...byCaller.values()].sort((a, b) => a.callee.localeCompare(b.callee) || b.calls - a.calls);
    if (made.length) {
      out.push(
        "### Who allocates, collects and compares strings",
        "",
        "Calls per iteration at each call site; inside the interpreter, the bytecode that makes the call.",
        "",
        "| callee | caller | calls per iteration |",
        "|---|---|--:|",
        ...made.map(({ callee, caller, calls }) => `| ${callee} | ${caller} | ${fmt(calls, 2)} |`),
        "",
      );
    }
    const own = steps.filter((s) => s.group === name || s.group === "js");
    if (own.some((s) => s.group === name)) {
      out.push(
        "### Kernel steps, each timed alone on the device (bench/breakdown.ts)",
        "",
        "| step | instructions per call | share of the operation |",
        "|---|--:|--:|",
        ...own.map((s) => `| ${s.what} | ${fmt(round1(s.cost as number), 1)} | ${s.group === "js" ? "—" : pct(s.cost as number, p.perIteration)} |`),
        "",
      );
    }
  }

  const boot = profiles.find((x) => x.name === "boot");
  if (boot) {
    out.push(
      `## Boot: C main() to the main module's first statement, ${fmt(boot.perIteration)} instructions`,
      "",
      "Machine creation, the runtime's host functions, loading every module (kernel and benchmark) and the setup module.",
      "",
      ...table(aggregate(boot.counts, componentOfAddress), boot.perIteration, 10, "component"),
      "",
      ...table(aggregate(boot.counts, functionOf), boot.perIteration, 12, "function", callsIn(boot)),
      "",
    );
  }
  return out.join("\n");
}
