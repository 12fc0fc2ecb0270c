/**
 * The examples run end to end in QEMU: the interrupt-driven serial service answers what the host sends to the
 * board's data UART and ends cleanly on "quit"; the supervisor's processes survive a driver's crash.
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

describe("examples/supervisor (npm run example:supervisor)", function () {
  this.timeout(180_000);
  for (const board of boardNames()) {
    it(`a faulting driver process is reported, ended alone and restarted; the client's next line is answered, on ${board}`, () => {
      const result = runTool("tools/supervisor-example.ts", ["--board", board]);
      assert.equal(result.status, 0, result.stdout + result.stderr);
      const lines = result.stdout.split("\n");
      const at = (pattern: RegExp) => {
        const i = lines.findIndex((line) => pattern.test(line));
        assert.ok(i >= 0, `no line matching ${pattern}:\n${result.stdout}`);
        return i;
      };
      const fault = at(/^process "uart-driver" faulted: Error: injected fault: the UART said crash$/);
      assert.ok(at(/^uart < HELLO PROCESSES$/) < fault);
      assert.ok(fault < at(/^supervisor: uart-driver faulted \(return code -1025\); restarting it$/));
      assert.ok(at(/^supervisor: restarted uart-driver$/) < at(/^uart < STILL HERE AFTER THE CRASH$/));
      assert.equal(lines.filter((line) => /faulted/.test(line)).length, 2, "one fault: the kernel's report and the supervisor's");
      assert.match(result.stdout, /^supervisor: client answered 2 lines; 1 driver restart\(s\)$/m);
      assert.match(result.stdout, /^supervisor: every process ended, every handle closed$/m);
    });
  }
});
