/**
 * Engine patches (tools/lib/engine.ts applyPatches): each is made against the pristine XS sources, and several may
 * touch one file. The first version kept whichever patch reached a file first and silently dropped the others.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { applyPatches } from "../../tools/lib/engine.ts";
import { engineDir, projectRoot } from "../../tools/lib/paths.ts";

const source = ["one", "two", "three", "four", "five", "six", "seven", "eight"].join("\n");

function patch(where: string, at: number, from: string, to: string): { where: string; text: string } {
  return { where, text: [`${where}: what it fixes`, "", "--- a/x.c", "+++ b/x.c", `@@ -${at},1 +${at},1 @@`, `-${from}`, `+${to}`, ""].join("\n") };
}

describe("engine patches (tools/lib/engine.ts)", () => {
  it("applies every patch that touches a file, in line order, whatever the order of the patches", () => {
    const late = patch("late.patch", 7, "seven", "SEVEN");
    const early = patch("early.patch", 2, "two", "TWO");
    for (const patches of [[late, early], [early, late]]) {
      const out = applyPatches(patches, () => source);
      assert.deepEqual([...out.keys()], ["x.c"]);
      assert.equal(out.get("x.c"), source.replace("two", "TWO").replace("seven", "SEVEN"));
    }
  });

  it("names the patch whose hunk does not match", () => {
    assert.throws(
      () => applyPatches([patch("good.patch", 1, "one", "ONE"), patch("stale.patch", 3, "thirty", "x")], () => source),
      (error: Error & { where?: string }) => error.where === "stale.patch: x.c" && /line 3 does not match/.test(error.message),
    );
  });

  it("applies the project's own patches to the engine sources (every hunk of every patch lands)", () => {
    const dir = join(projectRoot, "tools", "xs-patches");
    const patches = readdirSync(dir).filter((f) => f.endsWith(".patch")).map((f) => ({ where: f, text: readFileSync(join(dir, f), "utf8") }));
    const read = (name: string) => readFileSync(join(engineDir(), "sources", name), "utf8");
    const out = applyPatches(patches, read);
    for (const { where, text } of patches) {
      const added = text.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++") && l.trim() !== "+");
      const file = (name: string) => out.get(name) ?? "";
      assert.ok(added.length > 0, `${where} adds lines`);
      for (const line of added) assert.ok([...out.keys()].some((name) => file(name).includes(line.slice(1))), `${where}: "${line.slice(1).trim()}" landed`);
    }
  });
});
