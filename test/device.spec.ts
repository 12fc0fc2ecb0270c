/**
 * The device half of `npm test`: builds the portable spec files into a test firmware, runs it in QEMU on each
 * board, and reports every on-device test here as a mocha test, so host and device results share one report.
 *
 * Selection (set by `npm run test:device -- <specs...>`, tools/test-device.ts): DEVICE_SPECS, a list of spec files
 * or directories separated by the path delimiter (default: test/kernel, test/device and the fuzzer's replay), and DEVICE_BOARDS
 * (default: every board in boards/).
 */
import { delimiter } from "node:path";

import { boardNames } from "../tools/lib/board.ts";
import { defaultDeviceSpecs, findSpecs, runDeviceTests } from "../tools/lib/device-tests.ts";
import { replayProfileFor, writeReplaySpec } from "../tools/lib/fuzz-replay.ts";
import type { ErrorInfo, ProtocolEvent } from "./device/runtime/protocol.ts";

const boards = process.env.DEVICE_BOARDS ? process.env.DEVICE_BOARDS.split(",").filter(Boolean) : boardNames();
// By default a board runs the portable specs and a bounded fuzzer profile (sequences replayed against the model,
// tools/lib/fuzz-replay.ts), its size by the board's RAM; a chosen list of specs runs alone.
const chosen = process.env.DEVICE_SPECS ? findSpecs(process.env.DEVICE_SPECS.split(delimiter)) : null;
const portable = findSpecs(defaultDeviceSpecs);
async function specsFor(board: string): Promise<string[]> {
  return chosen ?? [...portable, await writeReplaySpec(replayProfileFor(board))];
}
const testTimeoutMs = Number(process.env.DEVICE_TEST_TIMEOUT ?? 5000);
const runTimeoutMs = Number(process.env.DEVICE_RUN_TIMEOUT ?? 300_000);

interface SuiteNode {
  suites: Map<string, SuiteNode>;
  tests: ProtocolEvent[];
}

const tree = (): SuiteNode => ({ suites: new Map(), tests: [] });

function rebuildError(info: ErrorInfo): Error {
  const error = new Error(info.message ?? "(no message)");
  error.name = info.name ?? "Error";
  Object.assign(error, info.actual !== undefined ? { actual: info.actual } : {}, info.expected !== undefined ? { expected: info.expected } : {});
  if (info.operator) Object.assign(error, { operator: info.operator, showDiff: info.actual !== undefined && info.expected !== undefined });
  error.stack = `${error.name}: ${error.message}\n    (on the device)${info.stack ? "\n" + info.stack : ""}`;
  return error;
}

function register(node: SuiteNode): void {
  for (const event of node.tests) {
    if (event.event === "pending") it(event.title);
    else if (event.event === "pass") it(event.title, () => {});
    else if (event.event === "fail") {
      const error = rebuildError(event.error);
      it(event.title, () => {
        throw error;
      });
    }
  }
  for (const [title, child] of node.suites) describe(title, () => register(child));
}

const runs = [];
for (const board of boards) {
  runs.push(
    await runDeviceTests({
      specs: await specsFor(board),
      board,
      testTimeoutMs,
      runTimeoutMs,
      onOutput: (line) => process.env.DEVICE_VERBOSE && console.log(`    [${board}] ${line}`),
    }),
  );
}

for (const run of runs) {
  describe(`device ${run.board} (QEMU)`, () => {
    const root = tree();
    for (const event of run.events) {
      if (event.event !== "pass" && event.event !== "fail" && event.event !== "pending") continue;
      let node = root;
      for (const title of event.path) {
        if (!node.suites.has(title)) node.suites.set(title, tree());
        node = node.suites.get(title)!;
      }
      node.tests.push(event);
    }
    register(root);
    it("host-side checks of device tests passed", () => {
      if (run.hostProblems.length) throw new Error(run.hostProblems.join("\n"));
    });
    it("ran the whole suite on the device", () => {
      if (run.problem) {
        const tail = run.output.trim().split("\n").slice(-15).join("\n");
        throw new Error(`${run.problem}\n--- last console lines ---\n${tail}`);
      }
    });
  });
}
