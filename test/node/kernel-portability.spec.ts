/**
 * The kernel must run unchanged on XS on a microcontroller: no Node or browser globals, no host-only APIs.
 * TypeScript cannot enforce that here (the test programs load Node's types), so this scans the sources.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../kernel/", import.meta.url));
const forbidden = [
  "process",
  "Buffer",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
  "performance",
  "console",
  "structuredClone",
  "Atomics",
  "SharedArrayBuffer",
  "withResolvers",
  "globalThis",
  "require",
];

function code(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
}

describe("kernel portability", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

  it("has sources to check", () => {
    assert.ok(files.length > 10);
  });

  for (const f of files) {
    it(`${f} uses no host-only global and imports only relative .ts modules (or #hal, #dataplane)`, () => {
      const src = readFileSync(dir + f, "utf8");
      const body = code(src);
      for (const word of forbidden) assert.ok(!new RegExp(`\\b${word}\\b`).test(body), `${f} uses ${word}`);
      for (const m of src.matchAll(/from\s+"([^"]+)"/g)) {
        assert.ok(m[1] === "#hal" || m[1] === "#dataplane" || (m[1].startsWith(".") && m[1].endsWith(".ts")), `${f} imports ${m[1]}`);
        assert.ok(!m[1].startsWith("./boot/"), `${f} imports the device's boot wiring (kernel/boot), which Node never loads`);
      }
      assert.ok(src.trimStart().startsWith("/**"), `${f} starts with a doc comment`);
    });
  }
});

describe("layers", () => {
  it("the HAL imports nothing of the kernel (the kernel is written against the HAL, never the other way)", () => {
    const hal = fileURLToPath(new URL("../../hal/", import.meta.url));
    const sources = (readdirSync(hal, { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    assert.ok(sources.length > 3);
    for (const f of sources) {
      for (const m of readFileSync(hal + f, "utf8").matchAll(/from\s+"([^"]+)"/g)) assert.ok(!m[1].includes("kernel"), `hal/${f} imports ${m[1]}`);
    }
  });
});
