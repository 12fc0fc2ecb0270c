/**
 * The build tool's promises to a person at a terminal: a bad manifest, a type error, a JavaScript syntax error or a
 * missing toolchain each give one line naming the file and the problem, a non-zero exit, and no image that a later
 * step could mistake for a good one. Also: a good build prints its size summary (with the base heap and the RAM a
 * VM starts with), and a TypeScript-only change does not recompile the engine.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

import { buildRoot, projectRoot } from "../../tools/lib/paths.ts";
import { runTool, scratchApp, type ScratchApp } from "./helpers.ts";

const imageOf = (app: ScratchApp) => join(buildRoot, "mps2-an386", "release", relative(projectRoot, app.dir).split("/").join("-"), "fw.elf");

/** The tool's stderr must be exactly one line. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n").filter((line) => !line.startsWith("npm warn"));
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  return lines[0];
}

describe("build tool (tools/build.ts)", function () {
  this.timeout(180_000);
  let app: ScratchApp;
  afterEach(() => app?.remove());

  it("builds a program and prints flash, RAM and XS heap figures", () => {
    app = scratchApp("ok", { "main.ts": "console.log('ok');\n" });
    const result = runTool("tools/build.ts", ["--manifest", app.manifest]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /flash\s+[\d,]+ B of 4,194,304 B/);
    assert.match(result.stdout, /static RAM\s+[\d,]+ B/);
    assert.match(result.stdout, /XS creation\s+chunks 4096\+8192 B/);
    assert.match(result.stdout, /base heap\s+[\d,]+ B in flash: [\d,]+ slots/);
    assert.match(result.stdout, /RAM per VM\s+[\d,]+ B when cloned/);
    assert.ok(existsSync(imageOf(app)));
    assert.ok(existsSync(imageOf(app).replace(/\.elf$/, ".bin")) && existsSync(imageOf(app).replace(/\.elf$/, ".hex")));
  });

  it("does not recompile the engine when only TypeScript changed", () => {
    app = scratchApp("incremental", { "main.ts": "console.log(1);\n" });
    assert.equal(runTool("tools/build.ts", ["--manifest", app.manifest]).status, 0);
    const engineObject = join(buildRoot, "mps2-an386", "release", "engine", "xsArray.o");
    const before = statSync(engineObject).mtimeMs;
    app.write("main.ts", "console.log(2);\n");
    assert.equal(runTool("tools/build.ts", ["--manifest", app.manifest]).status, 0);
    assert.equal(statSync(engineObject).mtimeMs, before);
  });

  it("reports a TypeScript type error with file, line and code, and leaves no image", () => {
    app = scratchApp("type-error", { "main.ts": "console.log('ok');\n" });
    assert.equal(runTool("tools/build.ts", ["--manifest", app.manifest]).status, 0);
    app.write("main.ts", "const answer: number = 'forty-two';\nconsole.log(answer);\n");
    const result = runTool("tools/build.ts", ["--manifest", app.manifest]);
    assert.equal(result.status, 1);
    assert.match(oneLine(result.stderr), /^build: .*main\.ts:1:7: error TS2322: Type 'string' is not assignable to type 'number'\.$/);
    assert.ok(!existsSync(imageOf(app)), "the previous image must be gone");
  });

  it("reports a JavaScript syntax error from the bytecode compiler with file and line", () => {
    app = scratchApp("syntax-error", { "main.js": "let ok = 1;\nlet = = 2;\n" });
    const result = runTool("tools/build.ts", ["--manifest", app.manifest]);
    assert.equal(result.status, 1);
    assert.match(oneLine(result.stderr), /^build: .*main\.js:2: error: /);
    assert.ok(!existsSync(imageOf(app)));
  });

  it("reports a bad manifest with the file and field", () => {
    app = scratchApp("bad-manifest", { "main.ts": "export {};\n" }, { creation: { stack: -1 } });
    const result = runTool("tools/build.ts", ["--manifest", app.manifest]);
    assert.equal(result.status, 1);
    assert.match(oneLine(result.stderr), /^build: .*manifest\.json: creation\.stack: must be an integer ≥ 64 \(got -1\)$/);
  });

  it("reports an import the manifest does not list", () => {
    app = scratchApp("unlisted", { "main.ts": "import { x } from './other.ts';\nconsole.log(x);\n", "other.ts": "export const x = 1;\n" });
    const result = runTool("tools/build.ts", ["--manifest", app.manifest]);
    assert.equal(result.status, 1);
    assert.match(oneLine(result.stderr), /main\.ts: imports "\.\/other\.ts" \(.*other\.ts\), which the manifest does not list in modules$/);
  });

  it("reports a missing cross compiler by name and Debian package", () => {
    app = scratchApp("no-toolchain", { "main.ts": "export {};\n" });
    const bin = mkdtempSync(join(tmpdir(), "no-toolchain-"));
    try {
      symlinkSync("/bin/sh", join(bin, "sh"));
      const result = runTool("tools/build.ts", ["--manifest", app.manifest], { ...process.env, PATH: bin });
      assert.equal(result.status, 1);
      assert.match(oneLine(result.stderr), /^build: toolchain: (arm-none-eabi-gcc|gcc) not found; install the Debian package (gcc-arm-none-eabi|gcc)/);
      assert.ok(!existsSync(imageOf(app)));
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("rejects an unknown board with the list of boards", () => {
    app = scratchApp("bad-board", { "main.ts": "export {};\n" });
    const result = runTool("tools/build.ts", ["--manifest", app.manifest, "--board", "pdp-11"]);
    assert.equal(result.status, 1);
    assert.match(oneLine(result.stderr), /^build: --board: unknown board "pdp-11" \(boards: .*mps2-an386/);
  });
});
