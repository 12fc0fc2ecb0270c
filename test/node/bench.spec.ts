/**
 * The benchmark tool's own promises, checked without running the benchmarks (which take about a minute): the
 * results it writes keep the format other tools read, and the insn_profile plugin builds and counts exactly, shown
 * on a ten-turn loop whose instructions are known one by one.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { runQemu } from "../../qemu/qemu.ts";
import { loadBoard } from "../../tools/lib/board.ts";
import { parseRecords } from "../../tools/lib/bench/device.ts";
import { buildPlugin, parsePluginOutput, pluginArgs } from "../../tools/lib/bench/plugin.ts";
import { objectFootprint, parseMap, regionProfiles } from "../../tools/lib/bench/profile.ts";
import { buildResults, differences, OPERATION_NAMES, renderSvg, updateReadme, writeResults } from "../../tools/lib/bench/results.ts";

const op = (name: string, cost: number, extra: Record<string, unknown> = {}) => ({
  type: "op",
  name,
  cost,
  operations: 300,
  spread: 12.34,
  samples: [cost - 6, cost, cost + 6.34, cost, cost],
  ...extra,
});

const output = [
  "[xs] mps2-an386: reset to main 800 ns, machine 485720 ns, XS heap 86032 B",
  `@@bench ${JSON.stringify({ type: "start", board: "mps2-an386", build: "abc123" })}`,
  `@@bench ${JSON.stringify({ type: "boot", bootTime: 800, machineTime: 486520, mainTime: 33758520, heapAtMain: 274656 })}`,
  `@@bench ${JSON.stringify(op("port_v2_roundtrip", 122132.94))}`,
  `@@bench ${JSON.stringify({ type: "c", name: "port_v2_roundtrip", cost: 134.04, operations: 9000, spread: 0.1, samples: [134, 134.1] })}`,
  `@@bench ${JSON.stringify(op("irq_to_js", 44825.2, { fastest: 44811, slowest: 44883 }))}`,
  "some other console line",
  `@@bench ${JSON.stringify({ type: "note", name: "channel_64k_roundtrip", text: "skipped here" })}`,
  `@@bench ${JSON.stringify({ type: "step", group: "js", name: "empty_call", what: "a call", cost: 271, operations: 300, spread: 0, samples: [271] })}`,
  `@@bench ${JSON.stringify({ type: "memory", peak: 491824, limit: 0, room: 4194304 - 66948 })}`,
  `@@bench ${JSON.stringify({ type: "end", status: 0 })}`,
].join("\n");

function results() {
  return buildResults({
    board: "mps2-an386",
    qemu: "7.2.22",
    icount: "shift=0,sleep=off",
    records: parseRecords(output),
    sizes: { flashBytes: 466352, dataBytes: 276, bssBytes: 1136, stackBytes: 65536, benchFlashBytes: 25000, benchRamBytes: 0 },
    image: "0123456789ab",
    exactBoot: 836,
    heapAfterMachine: 86032,
  });
}

describe("benchmark results (tools/lib/bench/results.ts)", () => {
  it("keeps the results format: every operation by name, in order, with the required fields", () => {
    const r = results();
    assert.deepEqual(
      Object.keys(r).slice(0, 5),
      ["board", "qemu", "icount", "operations", "memory"],
    );
    assert.deepEqual(r.operations.map((o) => o.name), [...OPERATION_NAMES]);
    for (const o of r.operations) for (const field of ["name", "instructions", "iterations", "spread", "c_baseline"]) assert.ok(field in o, `${o.name}.${field}`);
    assert.deepEqual(Object.keys(r.memory), ["flash_bytes", "static_ram_bytes", "heap_after_boot_bytes", "heap_peak_bytes", "free_ram_bytes"]);
  });

  it("rounds to 0.1 instruction, gives ratios to the C baseline, and never invents a number", () => {
    const r = results();
    const port = r.operations.find((o) => o.name === "port_v2_roundtrip")!;
    assert.deepEqual([port.instructions, port.iterations, port.spread, port.c_baseline, port.ratio], [122132.9, 300, 12.3, 134, 911.4]);
    const big = r.operations.find((o) => o.name === "channel_64k_roundtrip")!;
    assert.deepEqual([big.instructions, big.c_baseline, big.note], [null, null, "skipped here"]);
    assert.equal(r.operations.find((o) => o.name === "signal_packet")!.instructions, null);
    const boot = r.operations.find((o) => o.name === "boot_to_main")!;
    assert.deepEqual([boot.instructions, boot.iterations, boot.spread], [836, 1, 0]);
    assert.match(r.operations.find((o) => o.name === "irq_to_js")!.note!, /44,811 at best, 44,883 at worst/);
  });

  it("computes memory: static = data + bss + stack, free = the heap's room (RAM - static, as the device reports it) - XS peak", () => {
    const m = results().memory;
    assert.deepEqual(m, { flash_bytes: 466352, static_ram_bytes: 66948, heap_after_boot_bytes: 274656, heap_peak_bytes: 491824, free_ram_bytes: 4194304 - 66948 - 491824 });
  });

  it("writes JSON, markdown, SVG and profile files that read back", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-results-"));
    try {
      const r = results();
      const files = writeResults(dir, r, "# profile\n");
      assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ["mps2-an386.json", "mps2-an386.md", "mps2-an386.svg", "mps2-an386-profile.md"]);
      assert.deepEqual(JSON.parse(readFileSync(files[0], "utf8")), JSON.parse(JSON.stringify(r)));
      const markdown = readFileSync(files[1], "utf8");
      assert.match(markdown, /\| port_v2_roundtrip \| 122,133 \| 300 × 5 \| 12\.3 \| 134 \| 911\.4× \| 203 \| 8,083 \| ≤ 3,000 ❌ 40\.7× over/);
      assert.match(markdown, /\| boot_to_main \| 836 \| 1 × 1 \|/);
      const svg = readFileSync(files[2], "utf8");
      assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.trimEnd().endsWith("</svg>"));
      assert.equal((svg.match(/<rect [^>]*fill="#3b6fb6"><title>/g) ?? []).length, 3, "one kernel bar per measured operation");
      assert.equal(renderSvg(r), svg);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("replaces only the table between the README markers, and lists changed counts", () => {
    const r = results();
    const text = "intro\n<!-- bench:table:begin -->\nold\n<!-- bench:table:end -->\noutro\n";
    const updated = updateReadme(text, r);
    assert.match(updated, /^intro\n<!-- bench:table:begin -->\nmps2-an386, QEMU 7\.2\.22, firmware image 0123456789ab:\n\n\| operation \|/);
    assert.ok(updated.endsWith("<!-- bench:table:end -->\noutro\n"));
    assert.equal(updateReadme("no markers", r), "no markers");
    const changed = structuredClone(r);
    changed.operations[0].instructions = 1;
    assert.deepEqual(differences(r, r), []);
    assert.deepEqual(differences(r, changed), ["port_v2_roundtrip: 122,132.9 → 1.0"]);
  });
});

describe("profile attribution (tools/lib/bench/profile.ts)", () => {
  it("reads placed input sections from a link map, including names on a line of their own", () => {
    const map = [
      "Discarded input sections",
      " .text          0x00000000        0x8 /x/discarded.o",
      "Linker script and memory map",
      " .text.fxRunID  0x00032420     0x7814 /b/engine/xsRun.o",
      " .text.bench_profile_begin",
      "                0x00047360        0xc /b/bench/obj/hooks.o",
      " .bss.rings     0x20000530       0x10 /b/bench/obj/hooks.o",
      " .debug_info    0x00000000      0x100 /b/bench/obj/hooks.o",
    ].join("\n");
    const sections = parseMap(map);
    assert.deepEqual(sections.map((s) => [s.name, s.address, s.size]), [
      [".text.fxRunID", 0x32420, 0x7814],
      [".text.bench_profile_begin", 0x47360, 0xc],
      [".bss.rings", 0x20000530, 0x10],
    ]);
    assert.deepEqual(objectFootprint(sections, (o) => o.includes("/bench/obj/")), { flash: 12, ram: 16 });
  });

  it("subtracts each case's empty-loop region address by address and sums split regions", () => {
    const plugin = {
      regions: [
        { total: 1000, counts: new Map([[0x10, 600], [0x20, 400]]) },
        { total: 300, counts: new Map([[0x20, 300]]) },
        { total: 50, counts: new Map([[0x30, 50]]) },
        { total: 70, counts: new Map([[0x30, 60], [0x40, 10]]) },
      ],
    };
    const records = [
      { type: "profile", region: 0, name: "case", operations: 100 },
      { type: "profile", region: 1, name: "case:empty", operations: 100 },
      { type: "profile", region: 2, count: 2, name: "split", operations: 2 },
    ];
    const [single, split] = regionProfiles(records, plugin);
    assert.equal(single.perIteration, 7);
    assert.deepEqual([...single.counts], [[0x10, 6], [0x20, 1]]);
    assert.equal(split.perIteration, 60);
    assert.deepEqual([...split.counts], [[0x30, 55], [0x40, 5]]);
  });
});

describe("insn_profile QEMU plugin (qemu/plugins/insn_profile.c)", function () {
  this.timeout(30_000);

  it("builds with the host gcc and counts a known loop exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "insn-profile-"));
    try {
      const library = await buildPlugin(join(dir, "insn_profile.so"));
      // bl begin; movs; 10 × (subs; bne); bl end; then exit through semihosting. Between the markers: begin's own
      // first instruction, movs, 20 loop instructions and the bl to end: 23.
      writeFileSync(
        join(dir, "loop.S"),
        [
          ".syntax unified", ".cpu cortex-m4", ".thumb",
          '.section .vectors, "a"', ".word 0x20001000", ".word reset",
          ".text", ".thumb_func", ".global reset", "reset:",
          "bl begin", "movs r0, #10", "1: subs r0, #1", "bne 1b", "bl end",
          "movs r0, #0x18", "ldr r1, =0x20026", "bkpt 0xab", "2: b 2b",
          ".thumb_func", ".global begin", "begin: bx lr",
          ".thumb_func", ".global end", "end: bx lr", "",
        ].join("\n"),
      );
      const elf = join(dir, "loop.elf");
      execFileSync("arm-none-eabi-gcc", ["-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-Wl,-e,reset", "-Wl,--section-start=.vectors=0", "-Wl,-Ttext=0x100", "-o", elf, join(dir, "loop.S")]);
      const symbols = new Map(
        execFileSync("arm-none-eabi-nm", [elf], { encoding: "utf8" })
          .split("\n")
          .map((line) => line.split(" "))
          .map(([address, , name]) => [name, parseInt(address, 16)] as const),
      );
      const out = join(dir, "profile.txt");
      const result = await runQemu({
        board: loadBoard("mps2-an386"),
        elf,
        timeoutMs: 20_000,
        extraArgs: pluginArgs(library, out, { begin: [symbols.get("begin")!], end: symbols.get("end"), main: symbols.get("begin") }),
      });
      assert.equal(result.status, 0, result.problem ?? result.stderr);
      const profile = parsePluginOutput(out);
      assert.equal(profile.main, 1, "one instruction (bl begin) ran before begin");
      assert.equal(profile.regions.length, 1);
      assert.equal(profile.regions[0].total, 23);
      const loopStart = symbols.get("reset")! + 6;
      assert.equal(profile.regions[0].counts.get(loopStart), 10, "subs ran ten times");
      assert.equal([...profile.regions[0].counts.values()].reduce((a, b) => a + b, 0), 23);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
