/**
 * The device's mocha runner (test/device/runtime/mocha.ts) on Node, with its output captured as protocol lines.
 *
 * Each scenario is a small spec suite written against the BDD functions. Its expected result (the sequence of
 * events, and where it matters the order in which hooks and tests ran) is written out by hand and checked twice:
 * against this runner, on a fake clock with a setTimeout-backed sleep, and against mocha 12 itself, run in-process on
 * the same scenario, so every expectation is also a statement about real mocha's behaviour.
 */
import assert from "node:assert/strict";
import Mocha from "mocha";
import { createRunner, install, type Context, type Runner, type RunnerOptions } from "../device/runtime/mocha.ts";
import { PREFIX, errorInfo, parseProtocolLine, type ProtocolEvent } from "../device/runtime/protocol.ts";

type Bdd = Omit<Runner, "run">;
/** A spec suite: defines tests with `bdd`, records what ran with `log`, and may advance the fake clock. */
type Scenario = (bdd: Bdd, log: (entry: string) => void, tick: (ms: number) => void) => void;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function runOurs(scenario: Scenario, options: RunnerOptions = { timeout: 40 }, sleep = realSleep) {
  const lines: string[] = [];
  const log: string[] = [];
  let now = 1000;
  const runner = createRunner({ write: (line) => lines.push(line), now: () => now, sleep }, options);
  scenario(runner, (entry) => log.push(entry), (ms) => (now += ms));
  const summary = await runner.run();
  for (const line of lines) {
    assert.ok(line.startsWith(PREFIX) && !line.includes("\n"), `not a protocol line: ${line}`);
  }
  const events = lines.map((line) => parseProtocolLine(line)!);
  assert.ok(events.every(Boolean), "every line parses");
  return { events, log, summary };
}

async function runMocha(scenario: Scenario, timeout = 40) {
  const events: ProtocolEvent[] = [];
  const log: string[] = [];
  const where = (runnable: Mocha.Runnable) => ({ path: runnable.parent!.titlePath(), title: runnable.title });
  function Reporter(runner: Mocha.Runner) {
    runner.on("start", () => events.push({ event: "start", total: runner.total }));
    runner.on("pass", (test) => events.push({ event: "pass", ...where(test), duration: 0 }));
    runner.on("fail", (test, error) => events.push({ event: "fail", ...where(test), duration: 0, error: errorInfo(error) }));
    runner.on("pending", (test) => events.push({ event: "pending", ...where(test) }));
    runner.on("end", () => {
      const count = (kind: string) => events.filter((event) => event.event === kind).length;
      events.push({ event: "end", passes: count("pass"), failures: count("fail"), pending: count("pending"), duration: 0 });
    });
  }
  const mocha = new Mocha({ reporter: Reporter as unknown as string, timeout });
  const bdd: Record<string, unknown> = {};
  mocha.suite.emit("pre-require", bdd, undefined, mocha);
  scenario(bdd as unknown as Bdd, (entry) => log.push(entry), () => {});
  await new Promise<void>((resolve) => mocha.run(() => resolve()));
  mocha.dispose();
  return { events, log };
}

/** One line per event: what a reader of the host's report would see, without timings. */
function brief(event: ProtocolEvent): string {
  switch (event.event) {
    case "start":
      return "start";
    case "end":
      return `end ${event.passes}/${event.failures}/${event.pending}`;
    case "fail":
      return `fail ${[...event.path, event.title].join(" > ")} -> ${event.error.name}: ${event.error.message?.split("\n")[0]}`;
    default:
      return `${event.event} ${[...event.path, event.title].join(" > ")}`;
  }
}

/** Runs a scenario on both runners and checks both against the expected events and log. */
function scenario(title: string, define: Scenario, expected: { events: string[]; log?: string[]; total: number }) {
  describe(title, () => {
    it("device runner", async () => {
      const { events, log, summary } = await runOurs(define);
      assert.deepEqual(events.map(brief), expected.events);
      if (expected.log) assert.deepEqual(log, expected.log);
      assert.deepEqual(events[0], { event: "start", total: expected.total });
      assert.equal(summary.total, expected.total);
      const end = events.at(-1) as Extract<ProtocolEvent, { event: "end" }>;
      assert.deepEqual([summary.passes, summary.failures, summary.pending], [end.passes, end.failures, end.pending]);
    });
    it("mocha agrees", async () => {
      const { events, log } = await runMocha(define);
      assert.deepEqual(events.map(brief), expected.events);
      if (expected.log) assert.deepEqual(log, expected.log);
    });
  });
}

const TIMEOUT_40 = 'Timeout of 40ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.';

describe("device runtime mocha runner", () => {
  scenario(
    "runs hooks around nested suites in mocha's order",
    ({ describe, it, before, after, beforeEach, afterEach }, log) => {
      before(() => log("root before"));
      beforeEach(() => log("root beforeEach"));
      afterEach(() => log("root afterEach"));
      after(() => log("root after"));
      describe("outer", () => {
        before(() => log("outer before"));
        beforeEach(() => log("outer beforeEach"));
        afterEach(() => log("outer afterEach"));
        after(() => log("outer after"));
        it("first", () => log("outer first"));
        describe("inner", () => {
          before(() => log("inner before"));
          beforeEach(() => log("inner beforeEach"));
          afterEach(() => log("inner afterEach"));
          after(() => log("inner after"));
          it("deep", () => log("inner deep"));
        });
        it("second", () => log("outer second"));
      });
      it("top", () => log("top"));
    },
    {
      total: 4,
      events: ["start", "pass top", "pass outer > first", "pass outer > second", "pass outer > inner > deep", "end 4/0/0"],
      log: [
        "root before",
        "root beforeEach", "top", "root afterEach",
        "outer before",
        "root beforeEach", "outer beforeEach", "outer first", "outer afterEach", "root afterEach",
        "root beforeEach", "outer beforeEach", "outer second", "outer afterEach", "root afterEach",
        "inner before",
        "root beforeEach", "outer beforeEach", "inner beforeEach", "inner deep", "inner afterEach", "outer afterEach", "root afterEach",
        "inner after",
        "outer after",
        "root after",
      ],
    },
  );

  scenario(
    "a failing before hook skips its suite but runs its after hooks",
    ({ describe, it, before, after, beforeEach }, log) => {
      describe("broken", () => {
        before(function setup() {
          throw new Error("no setup");
        });
        before(() => log("second before"));
        beforeEach(() => log("never"));
        after(() => log("broken after"));
        it("first", () => log("first"));
        it("second", () => log("second"));
        describe("nested", () => it("deep", () => log("deep")));
      });
      describe("healthy", () => it("runs", () => log("healthy")));
    },
    {
      total: 4,
      events: ["start", 'fail broken > "before all" hook: setup for "first" -> Error: no setup', "pass healthy > runs", "end 1/1/0"],
      log: ["broken after", "healthy"],
    },
  );

  scenario(
    "a failing beforeEach stops its suite after the owed afterEach hooks",
    ({ describe, it, after, beforeEach, afterEach }, log) => {
      describe("suite", () => {
        afterEach(() => log("suite afterEach"));
        describe("group", () => {
          let runs = 0;
          beforeEach("counts", () => {
            if (++runs === 2) throw new Error("second time");
          });
          afterEach(() => log("group afterEach"));
          after(() => log("group after"));
          it("one", () => log("one"));
          it("two", () => log("two"));
          it("three", () => log("three"));
          describe("nested", () => it("four", () => log("four")));
        });
        describe("next group", () => it("still runs", () => log("next")));
        it("sibling test", () => log("sibling"));
      });
    },
    {
      total: 6,
      events: [
        "start",
        "pass suite > sibling test",
        "pass suite > group > one",
        'fail suite > group > "before each" hook: counts for "two" -> Error: second time',
        "pass suite > next group > still runs",
        "end 3/1/0",
      ],
      log: ["sibling", "suite afterEach", "one", "group afterEach", "suite afterEach", "group afterEach", "suite afterEach", "group after", "next", "suite afterEach"],
    },
  );

  scenario(
    "a failing afterEach stops the rest of its suite; failing after hooks are reported",
    ({ describe, it, after, afterEach }, log) => {
      describe("dirty", () => {
        afterEach(function cleanup(this: Context) {
          log(`cleanup ${this.currentTest!.title} ${this.currentTest!.state}`);
          throw new Error("could not clean");
        });
        it("a", () => log("a"));
        it("b", () => log("b"));
      });
      describe("teardown", () => {
        after(() => {
          throw new TypeError("teardown failed");
        });
        it("first", () => {});
        it("last", () => {});
      });
      describe("empty", () => {
        after(() => log("not run: no tests"));
      });
      describe("other", () => it("c", () => log("c")));
    },
    {
      total: 5,
      events: [
        "start",
        "pass dirty > a",
        'fail dirty > "after each" hook: cleanup for "a" -> Error: could not clean',
        "pass teardown > first",
        "pass teardown > last",
        'fail teardown > "after all" hook for "last" -> TypeError: teardown failed',
        "pass other > c",
        "end 4/2/0",
      ],
      log: ["a", "cleanup a passed", "c"],
    },
  );

  scenario(
    "only: it.only and describe.only select what runs",
    ({ describe, it }, log) => {
      describe("x", () => {
        it("not run", () => log("x not"));
        it.only("only test", () => log("x only"));
      });
      describe.only("y", () => {
        it("y1", () => log("y1"));
        it("y2", () => log("y2"));
      });
      describe("z", () => {
        describe.only("z inner", () => {
          it("z1", () => log("z1"));
          it.only("z2", () => log("z2"));
        });
        it("z not", () => log("z not"));
      });
      describe("w", () => it("not selected", () => log("w")));
    },
    {
      total: 4,
      events: ["start", "pass x > only test", "pass y > y1", "pass y > y2", "pass z > z inner > z2", "end 4/0/0"],
      log: ["x only", "y1", "y2", "z2"],
    },
  );

  scenario(
    "pending: skipped and unimplemented tests, describe.skip, this.skip() in tests and hooks",
    ({ describe, it, before, after, beforeEach, afterEach }, log) => {
      describe("static", () => {
        it("works", () => log("works"));
        it.skip("skipped", () => log("never"));
        it("unimplemented");
      });
      describe.skip("skipped suite", () => {
        before(() => log("never: hook of a skipped suite"));
        it("inside", () => log("never"));
      });
      describe("dynamic", () => {
        afterEach(function (this: Context) {
          log(`afterEach ${this.currentTest!.title}`);
        });
        it("sync skip", function (this: Context) {
          this.skip();
          log("never");
        });
        it("async skip", async function (this: Context) {
          await null;
          this.skip();
        });
        it("done skip", function (this: Context, done) {
          this.skip();
          done();
        });
      });
      describe("skipping beforeEach", () => {
        beforeEach(function (this: Context) {
          if (this.currentTest!.title === "second") this.skip();
        });
        afterEach(function (this: Context) {
          log(`afterEach ${this.currentTest!.title}`);
        });
        it("first", () => log("first"));
        it("second", () => log("never"));
        it("third", () => log("third"));
      });
      describe("skipping before", () => {
        before(function (this: Context) {
          this.skip();
        });
        after(() => log("after of skipped"));
        it("one", () => log("never"));
        describe("nested", () => {
          before(() => log("never: nested hook"));
          it("two", () => log("never"));
        });
      });
    },
    {
      total: 9,
      events: [
        "start",
        "pass static > works",
        "pending static > skipped",
        "pending static > unimplemented",
        "pending skipped suite > inside",
        "pending dynamic > sync skip",
        "pending dynamic > async skip",
        "pending dynamic > done skip",
        "pass skipping beforeEach > first",
        "pending skipping beforeEach > second",
        "pass skipping beforeEach > third",
        "pending skipping before > one",
        "pending skipping before > nested > two",
        "end 3/0/9",
      ],
      log: ["works", "afterEach sync skip", "afterEach async skip", "afterEach done skip", "first", "afterEach first", "afterEach second", "third", "afterEach third", "after of skipped"],
    },
  );

  scenario(
    "done callbacks",
    ({ describe, it, before }, log) => {
      describe("done", () => {
        before((done) => {
          setTimeout(() => {
            log("before done");
            done();
          }, 1);
        });
        it("later", (done) => {
          setTimeout(done, 1);
        });
        it("with an error", (done) => {
          setTimeout(() => done(new RangeError("out of range")), 1);
        });
        it("with a non-error", (done) => done("text"));
        it("with a plain object", (done) => done({ code: 7 }));
        it("twice", (done) => {
          done();
          done();
        });
        it("and a promise", async function (this: Context, done: () => void) {
          await null;
          done();
        } as never);
        it("never called", (_done) => {});
      });
    },
    {
      total: 7,
      events: [
        "start",
        "pass done > later",
        "fail done > with an error -> RangeError: out of range",
        "fail done > with a non-error -> Error: done() invoked with non-Error: text",
        'fail done > with a plain object -> Error: done() invoked with non-Error: {"code":7}',
        "pass done > twice",
        "fail done > twice -> Error: done() called multiple times in test <done twice>",
        "fail done > and a promise -> Error: Resolution method is overspecified. Specify a callback *or* return a Promise; not both.",
        `fail done > never called -> Error: ${TIMEOUT_40}`,
        "end 2/6/0",
      ],
      log: ["before done"],
    },
  );

  scenario(
    "async tests and thrown non-errors",
    ({ describe, it }) => {
      describe("async", () => {
        it("resolves", async () => {
          await realSleep(1);
        });
        it("rejects", async () => {
          await null;
          throw new TypeError("async failure");
        });
        it("rejects without a reason", () => Promise.reject());
        it("returns a never-settling promise", () => new Promise(() => {}));
      });
      describe("thrown", () => {
        it("a string", () => {
          throw "boom";
        });
        it("a number", async () => {
          throw 42;
        });
        it("undefined", () => {
          throw undefined;
        });
        it("an error-like object", () => {
          throw { message: "looks like an error" };
        });
      });
    },
    {
      total: 8,
      events: [
        "start",
        "pass async > resolves",
        "fail async > rejects -> TypeError: async failure",
        "fail async > rejects without a reason -> Error: Promise rejected with no or falsy reason",
        `fail async > returns a never-settling promise -> Error: ${TIMEOUT_40}`,
        'fail thrown > a string -> Error: the string "boom" was thrown, throw an Error :)',
        "fail thrown > a number -> Error: the number 42 was thrown, throw an Error :)",
        "fail thrown > undefined -> Error: Runnable failed with falsy or undefined exception. Please throw an Error instead.",
        "fail thrown > an error-like object -> undefined: looks like an error",
        "end 1/7/0",
      ],
    },
  );

  scenario(
    "timeouts: per test, per suite, disabled, and in hooks",
    ({ describe, it, before }, log) => {
      describe("overrides", function (this: Context) {
        this.timeout(15);
        it("suite timeout applies", () => realSleep(60));
        it("test raises its own", async function (this: Context) {
          this.timeout(200);
          await realSleep(30);
        });
        it("test disables it", async function (this: Context) {
          this.timeout(0);
          await realSleep(30);
        });
        it("test lowers it after starting", async function (this: Context) {
          await realSleep(1);
          this.timeout(5);
          await realSleep(60);
        });
      });
      describe("hook", () => {
        before(() => new Promise(() => {}));
        it("never runs", () => log("never"));
      });
    },
    {
      total: 5,
      events: [
        "start",
        "fail overrides > suite timeout applies -> Error: Timeout of 15ms exceeded. For async tests and hooks, ensure \"done()\" is called; if returning a Promise, ensure it resolves.",
        "pass overrides > test raises its own",
        "pass overrides > test disables it",
        "fail overrides > test lowers it after starting -> Error: Timeout of 5ms exceeded. For async tests and hooks, ensure \"done()\" is called; if returning a Promise, ensure it resolves.",
        `fail hook > "before all" hook for "never runs" -> Error: ${TIMEOUT_40}`,
        "end 2/3/0",
      ],
      log: [],
    },
  );

  scenario(
    "context: fields set in hooks reach tests; currentTest tracks state",
    ({ describe, it, before, beforeEach, afterEach }, log) => {
      describe("ctx", () => {
        before(function (this: Context) {
          this.shared = "from before";
        });
        beforeEach(function (this: Context) {
          this.fresh = `for ${this.currentTest!.title}`;
        });
        afterEach(function (this: Context) {
          log(`${this.currentTest!.title}: ${this.currentTest!.state}`);
        });
        it("reads them", function (this: Context) {
          log(`${this.shared}, ${this.fresh}, test ${this.test!.title}`);
        });
        it("fails", () => {
          throw new Error("x");
        });
        describe("child", () => {
          it("inherits", function (this: Context) {
            log(`${this.shared}, ${this.fresh}`);
          });
        });
      });
    },
    {
      total: 3,
      events: ["start", "pass ctx > reads them", "fail ctx > fails -> Error: x", "pass ctx > child > inherits", "end 2/1/0"],
      log: ["from before, for reads them, test reads them", "reads them: passed", "fails: failed", "from before, for inherits", "inherits: passed"],
    },
  );

  describe("protocol details", () => {
    it("writes exact events with durations from the injected clock", async () => {
      const { events } = await runOurs(({ describe, it }, _log, tick) => {
        describe("clock", () => {
          it("takes 5ms", () => tick(5));
          it("takes 7ms and fails", async () => {
            tick(7);
            throw new RangeError("late");
          });
          it.skip("skipped");
        });
      });
      const fail = events[2] as Extract<ProtocolEvent, { event: "fail" }>;
      assert.match(fail.error.stack ?? "", /RangeError: late/);
      delete fail.error.stack;
      assert.deepEqual(events, [
        { event: "start", total: 2 },
        { event: "pass", path: ["clock"], title: "takes 5ms", duration: 5 },
        { event: "fail", path: ["clock"], title: "takes 7ms and fails", duration: 7, error: { name: "RangeError", message: "late" } },
        { event: "pending", path: ["clock"], title: "skipped" },
        { event: "end", passes: 1, failures: 1, pending: 1, duration: 12 },
      ]);
    });

    it("reports assertion details, with bigints, typed arrays and cycles made JSON-safe", async () => {
      const { events } = await runOurs(({ it }) => {
        it("compares", () => {
          const cyclic: Record<string, unknown> = { n: 1n };
          cyclic.self = cyclic;
          assert.deepEqual({ cyclic, bytes: new BigUint64Array([2n ** 64n - 1n]) }, { cyclic: 1 });
        });
      });
      const { error } = events[1] as Extract<ProtocolEvent, { event: "fail" }>;
      assert.equal(error.name, "AssertionError");
      assert.equal(error.code, "ERR_ASSERTION");
      assert.equal(error.operator, "deepStrictEqual");
      assert.deepEqual(error.actual, { cyclic: { n: "1n", self: "[Circular]" }, bytes: ["18446744073709551615n"] });
      assert.deepEqual(error.expected, { cyclic: 1 });
    });

    it("fails a synchronous test that overran its timeout, as mocha does", async () => {
      const { events } = await runOurs(({ it }, _log, tick) => {
        it("busy", function (this: Context) {
          this.timeout(20);
          tick(25);
        });
      });
      assert.deepEqual(events.map(brief), ["start", 'fail busy -> Error: Timeout of 20ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.', "end 0/1/0"]);
    });

    it("never waits for a sleep that outlives its test", async () => {
      const asked: number[] = [];
      const neverWakes = (ms: number) => {
        asked.push(ms);
        return new Promise<void>(() => {});
      };
      const { events } = await runOurs(
        ({ it, before }) => {
          before(async () => {});
          it("async", async () => {});
          it("sync", () => {});
        },
        {},
        neverWakes,
      );
      assert.deepEqual(events.map(brief), ["start", "pass async", "pass sync", "end 2/0/0"]);
      assert.deepEqual(asked, [2000, 2000], "the hook and the async test armed the default timeout; the sync test none");
    });

    it("reads options when the run starts, so the device entry can configure after the specs registered", async () => {
      const options: RunnerOptions = {};
      const seen: number[] = [];
      const runner = createRunner({ write: () => {}, now: () => 0, sleep: realSleep }, options);
      runner.it("reports its timeout", function (this: Context) {
        seen.push(this.timeout());
      });
      runner.describe("slow", function (this: Context) {
        this.timeout(500);
        runner.it("inherits the suite's", function (this: Context) {
          seen.push(this.timeout());
        });
      });
      options.timeout = 123;
      await runner.run();
      assert.deepEqual(seen, [123, 500]);
    });

    it("grep selects by full title and skips suites with nothing selected, hooks included", async () => {
      const { events, log } = await runOurs(({ describe, it, before }, log) => {
        describe("alpha", () => {
          before(() => log("alpha before"));
          it("one", () => {});
          it.skip("two");
        });
        describe("beta", () => {
          before(() => log("beta before"));
          it("alpha in title", () => {});
        });
      }, { grep: "^alpha" });
      assert.deepEqual(events.map(brief), ["start", "pass alpha > one", "pending alpha > two", "end 1/0/1"]);
      assert.deepEqual(events[0], { event: "start", total: 1 });
      assert.deepEqual(log, ["alpha before"]);
    });

    it("refuses a describe without a callback unless it is skipped", () => {
      const runner = createRunner({ write: () => {}, now: () => 0, sleep: realSleep });
      assert.throws(() => runner.describe("empty"), /Suite "empty" was defined but no callback was supplied/);
      assert.doesNotThrow(() => runner.describe.skip("empty"));
    });
  });

  describe("install", () => {
    it("puts describe, it, hooks and mocha's aliases on a global object", async () => {
      const lines: string[] = [];
      const runner = createRunner({ write: (line) => lines.push(line), now: () => 0, sleep: realSleep });
      const globals: Record<string, any> = {};
      install(globals, runner);
      assert.deepEqual(Object.keys(globals).sort(), [
        "after", "afterEach", "before", "beforeEach", "context", "describe", "it", "specify", "xcontext", "xdescribe", "xit", "xspecify",
      ]);
      const order: string[] = [];
      globals.context("ctx", () => {
        globals.before(() => order.push("before"));
        globals.specify("spec", () => order.push("spec"));
        globals.xit("xit", () => order.push("never"));
        globals.xdescribe("xdescribe", () => globals.it("inner", () => order.push("never")));
      });
      await runner.run();
      assert.deepEqual(lines.map((line) => brief(parseProtocolLine(line)!)), ["start", "pass ctx > spec", "pending ctx > xit", "pending ctx > xdescribe > inner", "end 1/0/2"]);
      assert.deepEqual(order, ["before", "spec"]);
    });
  });
});
