/**
 * The watchdog of a turn (manifest defines.meter.turn, hal/runtime/meter.c): a turn of the event loop that runs
 * past its budget stops the board (status 107, XS's "too much computation") with a report naming the module that
 * was running and whether it is a process's; a program whose turns stay under the budget is not disturbed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

import { buildFirmware } from "../../tools/lib/firmware.ts";
import { projectRoot } from "../../tools/lib/paths.ts";
import { runQemu } from "../../qemu/qemu.ts";
import { scratchApp } from "./helpers.ts";

async function boot(name: string, files: Record<string, string>, manifest: Record<string, unknown>) {
  const app = scratchApp(name, files, { include: [join(projectRoot, "kernel", "manifest.json")], ...manifest });
  try {
    const firmware = await buildFirmware({ board: "mps2-an386", manifest: app.manifest });
    return await runQemu({ board: firmware.board, elf: firmware.elf, timeoutMs: 60_000 });
  } finally {
    app.remove();
  }
}

const SPINNER = "export default function main(): number {\n  let x = 0;\n  for (;;) x++;\n}\n";

describe("the watchdog of a turn (defines.meter.turn), on mps2-an386", function () {
  this.timeout(180_000);

  it("stops the board when a process computes for ever, naming its module and its Compartment", async () => {
    const main = [
      'import { mx_process_create, mx_process_start } from "../../../kernel/index.ts";',
      "const p = { value: 0 };",
      'mx_process_create("spinner", 0, p);',
      'mx_process_start(p.value, "spinner", 0, 0);',
      'console.log("started the spinner");',
    ].join("\n");
    const result = await boot("watchdog-process", { "main.ts": `${main}\n`, "spinner.ts": SPINNER }, {
      modules: { main: "./main", "app/*": "./spinner" },
      config: { kernel: { programs: { spinner: "app/spinner" } } },
      defines: { meter: { turn: 1_000_000 } },
    });
    assert.equal(result.status, 107, result.output);
    assert.match(result.output, /^started the spinner$/m);
    assert.match(result.output, /\*\*\* watchdog: one turn of the event loop ran past manifest defines\.meter\.turn \(1000000 units\)/);
    assert.match(result.output, /running module "app\/spinner", in a process's Compartment/);
  });

  it("names the main program when it is the one computing; a program under its budget runs to its end", async () => {
    const spinning = await boot("watchdog-main", { "main.ts": "let x = 0;\nfor (;;) x++;\n" }, { defines: { meter: { turn: 500_000 } } });
    assert.equal(spinning.status, 107, spinning.output);
    assert.match(spinning.output, /running module "main", in the main program/);
    const working = [
      "let sum = 0;",
      "for (let turn = 0; turn < 20; turn++) {",
      "  for (let i = 0; i < 10_000; i++) sum += i;",
      "  await Promise.resolve();",
      "}",
      "console.log(`sum ${sum}`);",
    ].join("\n");
    const fine = await boot("watchdog-fine", { "main.ts": `${working}\n` }, { defines: { meter: { turn: 500_000 } } });
    assert.equal(fine.status, 0, fine.output);
    assert.match(fine.output, /^sum 999900000$/m);
  });

  it("refuses a budget that is not a count, naming the manifest field", async () => {
    await assert.rejects(boot("watchdog-bad", { "main.ts": "\n" }, { defines: { meter: { turn: -1 } } }), /defines\.meter\.turn/);
  });
});
