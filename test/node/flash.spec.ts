/**
 * `npm run flash` with no board attached (as on every CI machine): one line naming the board and the probe to
 * connect, and a non-zero exit; a board that openocd does not program says how its images are loaded.
 */
import assert from "node:assert/strict";

import { runTool, scratchApp, type ScratchApp } from "./helpers.ts";

describe("flash tool (tools/flash.ts)", function () {
  this.timeout(180_000);
  let app: ScratchApp;
  before(() => (app = scratchApp("flash", { "main.ts": "console.log('flashed');\n" })));
  after(() => app.remove());

  const errorLines = (stderr: string) => stderr.trim().split("\n").filter((line) => line && !line.startsWith("npm warn"));

  it("reports a missing board in one line and fails", () => {
    const result = runTool("tools/flash.ts", ["--board", "netduinoplus2", "--manifest", app.manifest]);
    assert.equal(result.status, 1);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^flash: netduinoplus2: no board found: connect it through the board's USB ST-Link.*\(openocd: .+\)$/);
  });

  it("tells how an MPS2+ board loads its image instead", () => {
    const result = runTool("tools/flash.ts", ["--board", "mps2-an386", "--manifest", app.manifest]);
    assert.equal(result.status, 1);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /^flash: mps2-an386: not flashed with openocd: the MPS2\+ loads images from its microSD card.*fw\.bin$/);
  });
});
