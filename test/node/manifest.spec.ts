/**
 * tools/lib/manifest.ts: Moddable manifest semantics (include, build variables, platforms, module rules, creation)
 * and the one-line errors a bad manifest must produce.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { BuildError } from "../../tools/lib/errors.ts";
import { loadManifest } from "../../tools/lib/manifest.ts";
import { buildRoot } from "../../tools/lib/paths.ts";

describe("manifest.json (Moddable semantics)", () => {
  let dir: string;
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  };
  const expectError = (file: string, pattern: RegExp) => {
    assert.throws(
      () => loadManifest(file, "mps2-an386", "mps2"),
      (error: unknown) => error instanceof BuildError && pattern.test(error.line()) && !error.line().includes("\n"),
    );
  };

  beforeEach(() => {
    mkdirSync(buildRoot, { recursive: true });
    dir = mkdtempSync(join(buildRoot, "manifest-test-"));
    write("main.ts", "export {};");
    write("lib/a.ts", "export const a = 1;");
    write("lib/b.ts", "export const b = 2;");
    write("lib/b.spec.ts", "");
    write("native/driver.c", "int x;");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("maps specifiers: explicit, '*' and 'dir/*', by extension, skipping spec files", () => {
    const file = write("manifest.json", { modules: { "*": ["./main"], "lib/*": "./lib/*", "native/*": "./native/driver" } });
    const manifest = loadManifest(file, "mps2-an386", "mps2");
    const byName = Object.fromEntries(manifest.modules.map((m) => [m.specifier, m.kind]));
    assert.deepEqual(byName, { main: "ts", "lib/a": "ts", "lib/b": "ts", "native/driver": "c" });
  });

  it("processes includes depth-first, relative to the including manifest, once each", () => {
    write("base/manifest.json", { creation: { stack: 300 }, config: { a: { x: 1 } }, modules: { "lib/a": "../lib/a" } });
    write("mid.json", { include: "./base/manifest.json", config: { a: { y: 2 } } });
    const file = write("manifest.json", { include: ["./mid.json", "./base"], modules: { main: "./main" }, creation: { heap: { initial: 512 } } });
    const manifest = loadManifest(file, "mps2-an386", "mps2");
    assert.equal(manifest.creation.stack, 300);
    assert.equal(manifest.creation.heap.initial, 512);
    assert.equal(manifest.creation.heap.incremental, 64, "Moddable's default fills what no manifest sets");
    assert.deepEqual(manifest.config, { a: { x: 1, y: 2 } });
    assert.equal(manifest.modules.filter((m) => m.specifier === "lib/a").length, 1);
  });

  it("substitutes build variables, with ?= defaults and the environment as fallback", () => {
    process.env.MANIFEST_TEST_DIR = "lib";
    try {
      const file = write("manifest.json", {
        build: { NAME: "main", "NAME ?=": "ignored", "OTHER ?=": "b" },
        modules: { "*": ["./$(NAME)", "./$(MANIFEST_TEST_DIR)/$(OTHER)"] },
      });
      const specifiers = loadManifest(file, "mps2-an386", "mps2").modules.map((m) => m.specifier).sort();
      assert.deepEqual(specifiers, ["b", "main"]);
    } finally {
      delete process.env.MANIFEST_TEST_DIR;
    }
  });

  it("merges the board's platforms entry, then the family wildcard only when the board has none", () => {
    const file = write("manifest.json", {
      modules: { main: "./main" },
      creation: { stack: 100 },
      platforms: { "mps2-an386": { creation: { stack: 200 }, modules: { "lib/a": "./lib/a" } }, "mps2/*": { creation: { stack: 300 } } },
    });
    const an386 = loadManifest(file, "mps2-an386", "mps2");
    assert.equal(an386.creation.stack, 200);
    assert.ok(an386.modules.some((m) => m.specifier === "lib/a"), "platform modules concatenate");
    assert.equal(loadManifest(file, "mps2-an385", "mps2").creation.stack, 300);
    assert.equal(loadManifest(file, "netduinoplus2", "netduinoplus2").creation.stack, 100);
  });

  it("accepts preload entries that name modules, exactly or as 'dir/*', and rejects the others", () => {
    const file = write("manifest.json", { modules: { main: "./main", "lib/*": "./lib/*" }, preload: ["lib/*", "lib/a"] });
    assert.deepEqual(loadManifest(file, "mps2-an386", "mps2").preload, ["lib/*", "lib/a"]);
    expectError(write("bad.json", { modules: { main: "./main" }, preload: ["lib/*"] }), /bad\.json: preload: no module "lib\/\*" in modules$/);
  });

  it("excludes files listed under '~'", () => {
    const file = write("manifest.json", { modules: { main: "./main", "lib/*": "./lib/*", "~": ["./lib/b"] } });
    assert.deepEqual(loadManifest(file, "mps2-an386", "mps2").modules.map((m) => m.specifier).sort(), ["lib/a", "main"]);
  });

  it("names the file and field of every problem, on one line", () => {
    expectError(write("m1.json", { modules: { main: "./main", x: "./nope" } }), /m1\.json: modules\.x: no module file matches "\.\/nope"/);
    expectError(write("m2.json", { modules: { main: "./main" }, creation: { stak: 1 } }), /m2\.json: creation\.stak: unknown creation field/);
    expectError(write("m3.json", { modules: { main: "./main" }, creation: { stack: "big" } }), /m3\.json: creation\.stack: must be an integer/);
    expectError(write("m4.json", { modules: { main: "./main" }, creation: { chunk: { initial: 1 } } }), /creation\.chunk\.initial: must be an integer ≥ 1024/);
    expectError(write("m5.json", { modules: { main: "./main" }, creation: { heap: { inital: 5 } } }), /m5\.json: creation\.heap\.inital: unknown field/);
    expectError(write("m6.json", { modules: { lib: "./lib/a" } }), /m6\.json: creation\.main: no module "main" in modules/);
    expectError(write("m7.json", "{ not json"), /m7\.json: not valid JSON/);
    expectError(write("m8.json", { modulez: {} }), /m8\.json: modulez: unknown manifest section/);
    expectError(write("m9.json", { modules: { main: "./main" }, platforms: { "mps2-an386": { error: "not on this board" } } }), /m9\.json: platform mps2-an386: not on this board/);
    expectError(write("m10.json", { modules: { main: "./$(UNDEFINED_VARIABLE_X)" } }), /undefined build variable \$\(UNDEFINED_VARIABLE_X\)/);
    expectError(write("m11.json", { include: "./missing.json", modules: { main: "./main" } }), /m11\.json: include: no manifest at \.\/missing\.json/);
    expectError(join(dir, "absent.json"), /absent\.json: no such manifest/);
  });
});
