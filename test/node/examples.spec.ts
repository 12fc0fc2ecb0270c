/**
 * The examples run end to end in QEMU: the interrupt-driven serial service answers what the host sends to the
 * board's data UART and ends cleanly on "quit".
 */
import assert from "node:assert/strict";

import { boardNames } from "../../tools/lib/board.ts";
import { runTool } from "./helpers.ts";

describe("examples/serial-service (npm run example:serial)", function () {
  this.timeout(180_000);
  for (const board of boardNames()) {
    it(`answers each line through UART interrupt → port → reader → channel → worker → UART on ${board}`, () => {
      const result = runTool("tools/serial-example.ts", ["--board", board, "first line", "ünïcode ✓", "quit"]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /^uart < 1: FIRST LINE \(10 bytes\)$/m);
      assert.match(result.stdout, /^uart < 2: ÜNÏCODE ✓ \(13 bytes\)$/m);
      assert.match(result.stdout, /serial service: 2 lines read, 2 answered, every handle closed/);
    });
  }
});
