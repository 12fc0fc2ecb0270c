/**
 * Device tests: mocha spec files → one test firmware → QEMU → mocha-shaped results on the host.
 *
 * 1. rollup bundles a generated entry that imports the on-device mocha runtime (which installs describe/it/...),
 *    then every spec file, then runs them. Spec files and their relative helper imports are bundled; `node:assert`
 *    and `node:assert/strict` map to the on-device assert; imports of modules the firmware already has (the kernel,
 *    `#hal`, the test runtime) stay external and resolve to the firmware's own modules, so tests see the one kernel
 *    instance that the manifest configured. The kernel and the test runtime are preloaded into the firmware's base
 *    heap (test/device/runtime/manifest.json): their code stays in flash, and only the specs' own code takes RAM.
 *    TypeScript is transpiled per file (types are checked by `npm run typecheck`, not here, so a spec written for
 *    Node runs unchanged).
 * 2. The bundle becomes the main module of a firmware built from test/device/manifest.json for the board.
 * 3. QEMU runs it; the runtime prints one `@@mocha {...}` line per event (test/device/runtime/protocol.ts), parsed
 *    here as it streams. A per-test timeout inside the guest fails a test that never settles; a guest that hangs or
 *    crashes as a whole is caught by QEMU's wall-clock timeout and its exit status.
 * 4. Tests that need the outside world (interrupt lines raised from the host, bytes into the data UART) ask for it
 *    with `@@host` lines, served by host-services.ts over QEMU's qtest socket and a UART socket.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";

import { rollup, type Plugin } from "@rollup/wasm-node";
import ts from "typescript";

import { describeStatus, runQemu } from "../../qemu/qemu.ts";
import { parseProtocolLine, type ProtocolEvent } from "../../test/device/runtime/protocol.ts";
import { loadBoard } from "./board.ts";
import { BuildError } from "./errors.ts";
import { buildFirmware, type Firmware } from "./firmware.ts";
import { HostServices } from "./host-services.ts";
import { loadManifest } from "./manifest.ts";
import { buildRoot, projectRoot } from "./paths.ts";

export const deviceTestManifest = join(projectRoot, "test", "device", "manifest.json");
const runtimeDir = join(projectRoot, "test", "device", "runtime");

/** Default spec files: the portable kernel suite and the device-only specs. */
export const defaultDeviceSpecs = ["test/kernel", "test/device"];

export interface DeviceRun {
  board: string;
  firmware?: Firmware;
  events: ProtocolEvent[];
  /** Set when the run as a whole failed (build error, timeout, crash, missing end event). */
  problem?: string;
  /** Checks made on the host side (for example the UART echo) that failed. */
  hostProblems: string[];
  output: string;
  status?: number;
}

const show = (path: string) => relative(process.cwd(), path) || path;

/** Expands directories into the *.spec.ts files under them. */
export function findSpecs(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const absolute = resolve(path);
    if (!existsSync(absolute)) throw new BuildError(path, "no such spec file or directory");
    if (absolute.endsWith(".spec.ts") || absolute.endsWith(".spec.js")) return void found.push(absolute);
    if (!statSync(absolute).isDirectory()) throw new BuildError(path, "not a spec file (*.spec.ts)");
    for (const name of readdirSync(absolute).sort()) {
      const child = join(absolute, name);
      if (statSync(child).isDirectory()) {
        if (name !== "runtime") walk(child);
      } else if (name.endsWith(".spec.ts")) found.push(child);
    }
  };
  paths.forEach(walk);
  return [...new Set(found)];
}

const candidates = (path: string) =>
  path.endsWith(".js") ? [path.slice(0, -3) + ".ts", path] : /\.[cm]?[tj]s$/.test(path) ? [path] : [path + ".ts", path + "/index.ts", path + ".js"];

/**
 * rollup plugin: TypeScript-style resolution, node:assert mapping, firmware modules kept external, TS transpiled.
 * `firmwareModules` maps the source file of each module the firmware already has to its specifier.
 */
function devicePlugin(firmwareModules: Map<string, string>): Plugin {
  const specifiers = new Set(firmwareModules.values());
  const assertModules: Record<string, string> = {
    "node:assert": "test/runtime/assert",
    assert: "test/runtime/assert",
    "node:assert/strict": "test/runtime/assert-strict",
    "assert/strict": "test/runtime/assert-strict",
  };
  return {
    name: "device-tests",
    resolveId(source, importer) {
      if (source in assertModules) return { id: assertModules[source], external: true };
      if (source === "mocha") return { id: "\0mocha", moduleSideEffects: false };
      if (specifiers.has(source)) return { id: source, external: true };
      if (!importer || source.startsWith("\0")) return null; // the entry itself, or a virtual module
      if (!(source.startsWith(".") || source.startsWith("/"))) {
        throw new BuildError(show(importer), `imports "${source}", which is not available on the device`);
      }
      const base = resolve(dirname(importer), source);
      const file = candidates(base).find((c) => existsSync(c) && statSync(c).isFile());
      if (!file) throw new BuildError(show(importer), `cannot resolve import "${source}"`);
      const specifier = firmwareModules.get(file);
      return specifier ? { id: specifier, external: true } : file;
    },
    load(id) {
      // The mocha globals are installed by the runtime; `import { describe } from "mocha"` reads them back.
      if (id === "\0mocha")
        return ["describe", "it", "before", "after", "beforeEach", "afterEach", "context", "specify", "xit", "xdescribe"]
          .map((name) => `export const ${name} = globalThis.${name};`)
          .join("\n");
      return null;
    },
    transform(code, id) {
      if (!id.endsWith(".ts")) return null;
      const output = ts.transpileModule(code, {
        fileName: id,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: true, verbatimModuleSyntax: false },
      });
      return { code: output.outputText, map: output.sourceMapText ? JSON.parse(output.sourceMapText) : null };
    },
  };
}

/** Bundles the spec files into one ES module; returns its path. */
export async function bundleSpecs(specs: string[], board: string, timeoutMs: number): Promise<string> {
  const dir = join(buildRoot, board, "device-tests");
  mkdirSync(dir, { recursive: true });
  // The modules the test firmware has besides the bundle: those of the manifest test/device/manifest.json includes.
  const manifest = loadManifest(join(runtimeDir, "manifest.json"), board, loadBoard(board).family, {}, true);
  const firmwareModules = new Map(manifest.modules.filter((m) => m.kind === "ts" || m.kind === "js").map((m) => [m.file, m.specifier]));
  firmwareModules.set("mc/config", "mc/config");
  const entry = join(dir, "entry.ts");
  const lines = [
    `import { configureDeviceRuntime, runAll } from ${JSON.stringify(join(runtimeDir, "globals.ts"))};`,
    ...specs.map((spec) => `import ${JSON.stringify(spec)};`),
    `import { awaitable, mx_deadline_after, mx_time_get, MX_CLOCK_MONOTONIC } from ${JSON.stringify(join(projectRoot, "kernel", "index.ts"))};`,
    `configureDeviceRuntime({`,
    `  now: () => Number(mx_time_get(MX_CLOCK_MONOTONIC) / 1000n) / 1000,`,
    `  sleep: (ms: number) => awaitable.mx_nanosleep(mx_deadline_after(BigInt(Math.ceil(ms * 1e6)))).then(() => undefined),`,
    `  timeout: ${timeoutMs},`,
    `});`,
    `const summary = await runAll();`,
    `native.exit(summary.failures === 0 ? 0 : 1);`,
  ];
  writeFileSync(entry, lines.join("\n") + "\n");
  const bundle = await rollup({ input: entry, plugins: [devicePlugin(firmwareModules)], onwarn: () => {}, treeshake: false });
  const out = join(dir, "bundle.js");
  await bundle.write({ file: out, format: "es", sourcemap: false });
  await bundle.close();
  return out;
}

/** Builds the test firmware for `board` around the bundled specs. */
export async function buildTestFirmware(specs: string[], board: string, timeoutMs: number): Promise<Firmware> {
  const bundle = await bundleSpecs(specs, board, timeoutMs);
  return buildFirmware({
    board,
    manifest: deviceTestManifest,
    app: "device-tests",
    variables: { DEVICE_TEST_BUNDLE: bundle.replace(/\.js$/, "") },
    quiet: true,
  });
}

export interface DeviceTestOptions {
  specs: string[];
  board: string;
  testTimeoutMs: number;
  runTimeoutMs: number;
  onEvent?: (event: ProtocolEvent) => void;
  onOutput?: (line: string) => void;
}

/**
 * Builds and runs the specs on one board; never throws: problems are returned in `problem`. A board whose
 * board.json asks for `"deviceTests": { "firmwarePerSpec": true }` (one with little RAM: loaded test code lives in
 * RAM) gets one firmware per spec file, run one after the other, with the results merged.
 */
export async function runDeviceTests(options: DeviceTestOptions): Promise<DeviceRun> {
  if (!loadBoard(options.board).deviceTests?.firmwarePerSpec || options.specs.length < 2) return runFirmware(options);
  const merged: DeviceRun = { board: options.board, events: [], output: "", hostProblems: [] };
  const problems: string[] = [];
  for (const spec of options.specs) {
    const run = await runFirmware({ ...options, specs: [spec] });
    merged.events.push(...run.events);
    merged.output += run.output;
    merged.hostProblems.push(...run.hostProblems);
    merged.firmware = run.firmware;
    if (!merged.status) merged.status = run.status; // the first failing firmware's status stands
    if (run.problem) problems.push(`${show(spec)}: ${run.problem}`);
  }
  if (problems.length) merged.problem = problems.join("\n");
  return merged;
}

async function runFirmware(options: DeviceTestOptions): Promise<DeviceRun> {
  const run: DeviceRun = { board: options.board, events: [], output: "", hostProblems: [] };
  try {
    run.firmware = await buildTestFirmware(options.specs, options.board, options.testTimeoutMs);
  } catch (error) {
    run.problem = error instanceof BuildError ? `build failed: ${error.line()}` : `build failed: ${(error as Error).stack}`;
    return run;
  }
  const sockets = mkdtempSync(join(tmpdir(), "mx-qemu-"));
  const host = new HostServices(join(sockets, "qtest"), join(sockets, "uart"), run.firmware.board.qemu.nvic);
  await host.listen(run.firmware.elf);
  let pending = "";
  const running = runQemu({
    board: run.firmware.board,
    elf: run.firmware.elf,
    timeoutMs: options.runTimeoutMs,
    qtestSocket: host.qtestPath,
    uartSocket: host.uartPath,
    postMortemSocket: join(sockets, "gdb"),
    onOutput: (text) => {
      pending += text;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).replace(/\r$/, "");
        pending = pending.slice(newline + 1);
        take(line);
      }
    },
  });
  const take = (line: string) => {
    if (host.handle(line)) return;
    const event = parseProtocolLine(line);
    if (event) {
      run.events.push(event);
      options.onEvent?.(event);
    } else options.onOutput?.(line);
  };
  host.connectUart();
  const result = await running;
  if (pending !== "") take(pending.replace(/\r$/, "")); // the last line, when the guest exited before its newline came
  host.close();
  rmSync(sockets, { recursive: true, force: true });
  run.hostProblems = host.problems;
  run.output = result.output;
  run.status = result.status;
  const ended = run.events.some((e) => e.event === "end");
  if (result.problem) run.problem = [result.problem, host.unanswered(), result.postMortem].filter(Boolean).join("\n");
  else if (!ended) run.problem = `the guest exited with status ${result.status} (${describeStatus(result.status ?? -1)}) before the test run ended`;
  return run;
}
