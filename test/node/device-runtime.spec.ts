/**
 * The device test runtime's wire format (protocol.ts) and its device entry (globals.ts).
 *
 * The host trusts nothing but `parseProtocolLine`, so the tests feed it the console noise it will meet; the encoder
 * must turn any thrown value into bounded, valid JSON, so the tests feed it the values specs really compare. The
 * device entry installs globals, so it runs in a child Node process rather than inside this mocha.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { AssertionError } from "../device/runtime/assert.ts";
import { PREFIX, encodeEvent, errorInfo, parseProtocolLine, toJson, type ProtocolEvent } from "../device/runtime/protocol.ts";

const fail: ProtocolEvent = {
  event: "fail",
  path: ["suite", "inner"],
  title: '"before all" hook for "x"',
  duration: 3,
  error: { name: "Error", message: "two\nlines", stack: "Error: two\nlines\n    at here" },
};

describe("device runtime protocol", () => {
  describe("parseProtocolLine", () => {
    it("reads back every event kind the encoder writes, each on one line", () => {
      const events: ProtocolEvent[] = [
        { event: "start", total: 3 },
        { event: "pass", path: [], title: "root test", duration: 0 },
        fail,
        { event: "pending", path: ["a"], title: "later" },
        { event: "end", passes: 1, failures: 1, pending: 1, duration: 12 },
      ];
      for (const event of events) {
        const line = encodeEvent(event);
        assert.ok(line.startsWith(PREFIX));
        assert.ok(!line.includes("\n"), line);
        assert.deepEqual(parseProtocolLine(line), event);
      }
    });

    it("finds the marker after other output on the same line and tolerates a trailing carriage return", () => {
      const line = `[kernel] boot ok ${encodeEvent({ event: "start", total: 1 })}\r`;
      assert.deepEqual(parseProtocolLine(line), { event: "start", total: 1 });
    });

    it("ignores everything that is not a well-formed event", () => {
      const lines = [
        "",
        "plain console output",
        "@@mocha",
        "@@mocha not json",
        '@@mocha {"event":"start","total":1',
        "@@mocha null",
        "@@mocha []",
        '@@mocha {"event":"unknown"}',
        '@@mocha {"event":"constructor"}',
        '@@mocha {"event":"start"}',
        '@@mocha {"event":"start","total":"3"}',
        '@@mocha {"event":"pass","path":"a","title":"t","duration":1}',
        '@@mocha {"event":"pass","path":[1],"title":"t","duration":1}',
        '@@mocha {"event":"fail","path":[],"title":"t","duration":1,"error":null}',
        '@@mochastart {"event":"start","total":1}',
      ];
      for (const line of lines) assert.equal(parseProtocolLine(line), undefined, line);
    });
  });

  describe("toJson", () => {
    it("keeps what JSON cannot say as strings", () => {
      const fn = function named() {};
      assert.deepEqual(
        toJson({ big: 2n ** 64n, neg: -0, nan: NaN, inf: -Infinity, sym: Symbol("s"), fn, arrow: (() => () => {})(), missing: undefined }),
        { big: "18446744073709551616n", neg: "-0", nan: "NaN", inf: "-Infinity", sym: "Symbol(s)", fn: "[Function: named]", arrow: "[Function: (anonymous)]" },
      );
      assert.equal(toJson(undefined), undefined);
      assert.equal(toJson(null), null);
    });

    it("turns binary data, collections and other built-ins into plain JSON", () => {
      const bytes = new Uint8Array([1, 2, 3, 4]);
      assert.deepEqual(
        toJson({
          u8: new Uint8Array([1, 255]),
          f32: new Float32Array([0.5]),
          u64: new BigUint64Array([1n, 2n ** 64n - 1n]),
          i64: new BigInt64Array([-5n]),
          view: new DataView(bytes.buffer, 1, 2),
          buffer: bytes.buffer,
          map: new Map<unknown, unknown>([["k", 1], [{ o: 1 }, [2]]]),
          set: new Set([1, "two"]),
          date: new Date(0),
          bad: new Date(NaN),
          re: /x+/gi,
          boxed: [new Number(3), new String("s"), Object(4n)],
          sparse: [1, , 3],
          error: Object.assign(new TypeError("bad"), { code: "E_BAD" }),
          nullProto: Object.assign(Object.create(null), { a: 1 }),
        }),
        {
          u8: [1, 255],
          f32: [0.5],
          u64: ["1n", "18446744073709551615n"],
          i64: ["-5n"],
          view: [2, 3],
          buffer: [1, 2, 3, 4],
          map: [["k", 1], [{ o: 1 }, [2]]],
          set: [1, "two"],
          date: "1970-01-01T00:00:00.000Z",
          bad: "Invalid Date",
          re: "/x+/gi",
          boxed: [3, "s", "4n"],
          sparse: [1, null, 3],
          error: { name: "TypeError", message: "bad", code: "E_BAD" },
          nullProto: { a: 1 },
        },
      );
    });

    it("cuts cycles but keeps values that are merely shared", () => {
      const shared = { v: 1 };
      const node: Record<string, unknown> = { shared, again: shared, list: [] as unknown[] };
      node.self = node;
      (node.list as unknown[]).push(node);
      assert.deepEqual(toJson(node), { shared: { v: 1 }, again: { v: 1 }, list: ["[Circular]"], self: "[Circular]" });
    });

    it("stays near 2 KB however large the value", () => {
      for (const value of [
        "x".repeat(100_000),
        new Uint8Array(1_000_000),
        Array.from({ length: 10_000 }, (_, i) => ({ i, name: `item ${i}` })),
        Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`key${i}`, i])),
        new Map(Array.from({ length: 5_000 }, (_, i) => [i, "v".repeat(10)])),
      ]) {
        const json = JSON.stringify(toJson(value));
        assert.ok(json.length < 3000, `${json.length} characters`);
        assert.ok(json.includes("…"), "marks the cut");
      }
    });

    it("reports a value it cannot read instead of throwing", () => {
      const hostile = {
        get boom() {
          throw new Error("getter");
        },
      };
      assert.equal(toJson({ hostile }), "[unserializable]");
    });
  });

  describe("errorInfo", () => {
    it("carries an AssertionError's fields, actual and expected JSON-safe", () => {
      const error = new AssertionError({ actual: [1n, new Uint8Array([7])], expected: undefined, operator: "deepStrictEqual" });
      const info = errorInfo(error);
      assert.equal(info.name, "AssertionError");
      assert.equal(info.code, "ERR_ASSERTION");
      assert.equal(info.operator, "deepStrictEqual");
      assert.equal(info.message, error.message);
      assert.deepEqual(info.actual, ["1n", [7]]);
      assert.ok(!("expected" in info), "undefined is absent, not null");
      assert.equal(typeof info.stack, "string");
    });

    it("omits what an error does not have and stringifies codes", () => {
      const error = Object.assign(new RangeError("r"), { code: 42 });
      error.stack = "";
      assert.deepEqual(errorInfo(error), { name: "RangeError", message: "r", code: "42" });
      assert.deepEqual(errorInfo("just text"), { message: "just text" });
      assert.deepEqual(errorInfo(null), { message: "null" });
    });

    it("clips long messages and stacks", () => {
      const info = errorInfo(new Error("m".repeat(10_000)));
      assert.ok(info.message!.length <= 2049);
      assert.ok(info.message!.endsWith("…"));
    });
  });
});

describe("device runtime globals (device entry, in a child process)", () => {
  const root = new URL("../../", import.meta.url);
  const loader = fileURLToPath(new URL("tools/ts-loader.mjs", root));
  const globals = pathToFileURL(fileURLToPath(new URL("test/device/runtime/globals.ts", root))).href;

  it("installs the BDD globals, refuses to run unconfigured, then runs on the configured clock", async function () {
    this.timeout(20_000);
    const script = `
      const { configureDeviceRuntime, runAll } = await import(${JSON.stringify(globals)});
      console.log("installed " + ["describe", "it", "before", "after", "beforeEach", "afterEach", "context", "specify", "xit", "xdescribe"]
        .filter((name) => typeof globalThis[name] === "function").length);
      describe("device", () => {
        before(() => console.log("noise between events"));
        it("passes", () => {});
        it("hangs", () => new Promise(() => {}));
        xit("later");
      });
      await runAll().then(() => console.log("ran unconfigured"), (error) => console.log("refused: " + error.message));
      configureDeviceRuntime({ now: () => performance.now(), sleep: (ms) => new Promise((wake) => setTimeout(wake, ms)), timeout: 30 });
      const summary = await runAll();
      console.log("summary " + JSON.stringify(summary));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", loader, "--input-type=module", "-e", script]);
    const lines = stdout.split("\n").filter(Boolean);
    const events = lines.map(parseProtocolLine).filter((event) => event !== undefined);
    const other = lines.filter((line) => !parseProtocolLine(line));
    assert.deepEqual(other.slice(0, 3), ["installed 10", "refused: configureDeviceRuntime() must be called before runAll()", "noise between events"]);
    assert.deepEqual(
      events.map((event) => (event.event === "fail" ? `${event.event} ${event.title}: ${event.error.message}` : event.event === "pass" || event.event === "pending" ? `${event.event} ${event.title}` : event.event)),
      [
        "start",
        "pass passes",
        'fail hangs: Timeout of 30ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.',
        "pending later",
        "end",
      ],
    );
    const summary = JSON.parse(other[3].slice("summary ".length));
    assert.deepEqual({ ...summary, duration: 0 }, { total: 2, passes: 1, failures: 1, pending: 1, duration: 0 });
    assert.ok(summary.duration >= 30, `ran for ${summary.duration} ms`);
  });
});
