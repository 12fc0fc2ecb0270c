/**
 * mocha's BDD interface for spec files running on the device, where mocha itself cannot run.
 *
 * Specs written for mocha on Node call describe/it/hooks as globals; `install` puts this runner's functions there and
 * `run` executes them in mocha's order with mocha's hook semantics (the control flow mirrors mocha 12's
 * lib/runner.js, so a spec behaves the same on both sides, failures included), writing each result as one protocol
 * line (protocol.ts) for the host to read off the console.
 *
 * The runtime owns no timer: time comes from the injected `now` and `sleep`, so the same code runs on the kernel's
 * clock on the device and on a fake clock in the Node tests. A timeout is a race between the runnable and `sleep`;
 * the losing sleep is never awaited, so a clock that cannot cancel a sleep costs one pending promise, not a stall.
 * `options` is read when `run` starts, so the device entry may fill it in after the specs have registered.
 *
 * Not supported: retries, bail, `this.retries()`, chaining on what `it()` returns, and exceptions thrown outside the
 * runnable's own call chain and promise (XS offers no hook for uncaught errors; such a test times out instead).
 */
import { encodeEvent, errorInfo, toJson, type ProtocolEvent } from "./protocol.ts";

export interface RunnerIo {
  /** Writes one protocol line; the writer adds the line break. */
  write(line: string): void;
  /** Monotonic time in milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

export interface RunnerOptions {
  /** Default per-runnable timeout in ms (mocha's 2000 when absent); 0 disables it. */
  timeout?: number;
  /** Runs only tests whose full title matches, as mocha's --grep ("/re/flags" or a regular expression source). */
  grep?: string;
}

export interface Summary {
  total: number;
  passes: number;
  failures: number;
  pending: number;
  duration: number;
}

/** `this` in tests, hooks and describe callbacks. Specs may also store their own fields on it, as in mocha. */
export interface Context {
  timeout(): number;
  timeout(ms: number): Context;
  skip(): never;
  slow(ms?: number): Context;
  /** The runnable now running (or the suite, while its callback runs). */
  test?: { readonly title: string };
  /** In hooks: the test the hook runs for, as mocha sets it. */
  currentTest?: { readonly title: string; readonly state?: "passed" | "failed" | "pending" };
  [field: string]: unknown;
}

export type Done = (error?: unknown) => void;
export type Func = (this: Context, done: Done) => unknown;
export type SuiteFunc = (this: Context) => void;

export interface Runner {
  describe: { (title: string, fn?: SuiteFunc): void; only(title: string, fn?: SuiteFunc): void; skip(title: string, fn?: SuiteFunc): void };
  it: { (title: string, fn?: Func): void; only(title: string, fn?: Func): void; skip(title: string, fn?: Func): void };
  before: Hook;
  after: Hook;
  beforeEach: Hook;
  afterEach: Hook;
  run(): Promise<Summary>;
}

export interface Hook {
  (fn: Func): void;
  (title: string, fn: Func): void;
}

type HookType = "beforeAll" | "afterAll" | "beforeEach" | "afterEach";
const HOOK_LABELS: Record<HookType, string> = {
  beforeAll: "before all",
  afterAll: "after all",
  beforeEach: "before each",
  afterEach: "after each",
};

/** A test or a hook. */
interface Runnable {
  title: string;
  fn: Func | undefined;
  parent: Suite;
  pending: boolean;
  hook?: HookType;
  timeout?: number;
  state?: "passed" | "failed" | "pending";
  duration?: number;
  /** While running: restarts the timer, for `this.timeout(ms)`. */
  rearm?(): void;
  /** While running: ends the runnable, for `this.skip()`. */
  finish?(error?: unknown): void;
}

class Suite {
  suites: Suite[] = [];
  tests: Runnable[] = [];
  readonly hooks: Record<HookType, Runnable[]> = { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
  readonly onlyTests: Runnable[] = [];
  readonly onlySuites: Suite[] = [];
  timeout?: number;
  constructor(
    readonly title: string,
    readonly parent: Suite | undefined,
    public pending: boolean,
    readonly ctx: Context,
  ) {}
}

const pathOf = (suite: Suite): string[] => (suite.parent ? [...pathOf(suite.parent), suite.title] : []);
const pendingOf = (node: Suite | Runnable): boolean => node.pending || (node.parent !== undefined && pendingOf(node.parent));
const hasOnly = (suite: Suite): boolean => suite.onlyTests.length > 0 || suite.onlySuites.length > 0 || suite.suites.some(hasOnly);

/** mocha's Suite#filterOnly: `only` tests win over nested suites; an `only` suite runs whole unless it has its own. */
function filterOnly(suite: Suite): boolean {
  if (suite.onlyTests.length) {
    suite.tests = suite.onlyTests;
    suite.suites = [];
  } else {
    suite.tests = [];
    for (const only of suite.onlySuites) if (hasOnly(only)) filterOnly(only);
    suite.suites = suite.suites.filter((child) => suite.onlySuites.includes(child) || filterOnly(child));
  }
  return suite.tests.length > 0 || suite.suites.length > 0;
}

const mochaError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
const tagOf = (value: unknown): string => Object.prototype.toString.call(value);
const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null)?.then === "function";

/** What mocha reports for a thrown value that is not an error: the value itself, described. */
function asError(thrown: unknown): unknown {
  if (thrown instanceof Error || typeof (thrown as { message?: unknown } | null)?.message === "string") return thrown;
  const type = Object.getPrototypeOf(thrown) === null ? "null-prototype" : tagOf(thrown).slice(8, -1).toLowerCase();
  return new Error(`the ${type} ${JSON.stringify(toJson(thrown))} was thrown, throw an Error :)`);
}

/** What a `done(value)` call means: mocha fails on anything truthy and on done combined with a returned promise. */
function doneError(value: unknown, returned: unknown): unknown {
  if (value instanceof Error || tagOf(value) === "[object Error]") return value;
  if (value) return new Error(`done() invoked with non-Error: ${tagOf(value) === "[object Object]" ? JSON.stringify(toJson(value)) : String(value)}`);
  if (isThenable(returned)) return new Error("Resolution method is overspecified. Specify a callback *or* return a Promise; not both.");
  return undefined;
}

export function createRunner(io: RunnerIo, options: RunnerOptions = {}): Runner {
  const limitOf = (node: Suite | Runnable): number => {
    const ms = node.timeout ?? (node.parent ? limitOf(node.parent) : (options.timeout ?? 2000));
    return ms > 0 && ms < 2 ** 31 - 1 ? ms : 0;
  };

  // mocha's ctx: one per suite, inheriting from the parent suite's, with `test` naming what runs now.
  const rootContext: Context = {
    timeout(ms?: number): any {
      const node = this.test as Runnable | Suite;
      if (ms === undefined) return limitOf(node);
      node.timeout = ms;
      (node as Runnable).rearm?.();
      return this;
    },
    skip(): never {
      const node = this.test as Runnable | Suite;
      node.pending = true;
      (node as Runnable).finish?.();
      throw new Error("sync skip; aborting execution");
    },
    slow() {
      return this;
    },
  };
  const root = new Suite("", undefined, false, rootContext);
  let current = root;
  let grep: RegExp | undefined;
  const stats = { passes: 0, failures: 0, pending: 0 };
  // Failures found after a runnable ended (a second done()) wait here until the next result is written, so they
  // follow the result they contradict instead of preceding it, as in mocha.
  const late: (() => void)[] = [];
  const flushLate = () => late.splice(0).forEach((report) => report());

  // ---- definition ----

  function addSuite(title: string, fn: SuiteFunc | undefined, pending: boolean, only: boolean): void {
    const parent = current;
    const suite = new Suite(title, parent, pending, Object.create(parent.ctx));
    parent.suites.push(suite);
    if (only) parent.onlySuites.push(suite);
    if (typeof fn !== "function") {
      if (pending) return;
      throw new Error(`Suite "${pathOf(suite).join(" ")}" was defined but no callback was supplied. Supply a callback or explicitly skip the suite.`);
    }
    current = suite;
    suite.ctx.test = suite;
    try {
      fn.call(suite.ctx);
    } finally {
      current = parent;
    }
  }

  function addTest(title: string, fn: Func | undefined, only: boolean): void {
    const body = pendingOf(current) ? undefined : fn;
    const test: Runnable = { title, fn: body, parent: current, pending: !body };
    current.tests.push(test);
    if (only) current.onlyTests.push(test);
  }

  const addHook = (type: HookType): Hook =>
    ((title: string | Func, fn?: Func): void => {
      if (typeof title === "function") [fn, title] = [title, title.name];
      if (pendingOf(current)) return;
      current.hooks[type].push({ title: `"${HOOK_LABELS[type]}" hook${title ? `: ${title}` : ""}`, fn, parent: current, pending: false, hook: type });
    }) as Hook;

  // ---- reporting ----

  const emit = (event: ProtocolEvent) => io.write(encodeEvent(event));
  const selected = (test: Runnable) => !grep || grep.test([...pathOf(test.parent), test.title].join(" "));
  const count = (suite: Suite, runnableOnly: boolean): number =>
    suite.tests.filter((test) => selected(test) && !(runnableOnly && pendingOf(test))).length +
    suite.suites.reduce((sum, child) => sum + count(child, runnableOnly), 0);

  function settle(test: Runnable, state: "passed" | "pending"): void {
    test.state = state;
    const where = { path: pathOf(test.parent), title: test.title };
    if (state === "passed") {
      stats.passes++;
      emit({ event: "pass", ...where, duration: test.duration ?? 0 });
    } else {
      stats.pending++;
      emit({ event: "pending", ...where });
    }
  }

  function fail(runnable: Runnable, title: string, error: unknown): void {
    stats.failures++;
    runnable.state = "failed";
    emit({ event: "fail", path: pathOf(runnable.parent), title, duration: runnable.duration ?? 0, error: errorInfo(asError(error)) });
  }

  // ---- execution ----

  /** Runs one test or hook to its end; resolves with its error, or undefined when it passed or was skipped. */
  function exec(runnable: Runnable, ctx: Context, title: string): Promise<unknown> {
    return new Promise((resolve) => {
      const start = io.now();
      let settled = false;
      let timedOut = false;
      let round = 0;
      let returned: unknown;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        runnable.finish = runnable.rearm = undefined;
        runnable.duration = io.now() - start;
        const limit = limitOf(runnable);
        // Like mocha, a synchronous runnable that overran its limit fails too, as it could not be interrupted.
        resolve(error || (limit && runnable.duration > limit ? timeoutError(limit) : undefined));
      };
      runnable.finish = finish;
      runnable.rearm = () => {
        const mine = ++round;
        const limit = limitOf(runnable);
        if (!limit) return;
        io.sleep(limit).then(() => {
          if (mine !== round || settled) return;
          timedOut = true;
          finish(timeoutError(limit));
        });
      };
      ctx.test = runnable;
      try {
        const fn = runnable.fn!;
        const takesDone = fn.length > 0;
        returned = fn.call(ctx, (value?: unknown) => {
          if (!settled) finish(doneError(value, returned));
          else if (!timedOut) late.push(() => fail(runnable, title, multipleDone(runnable, title, value)));
        });
        if (isThenable(returned)) {
          returned.then(
            () => {
              if (!takesDone) finish();
            },
            (reason) => finish(reason || mochaError("ERR_MOCHA_INVALID_EXCEPTION", "Promise rejected with no or falsy reason")),
          );
        } else if (!takesDone) {
          finish();
        }
      } catch (error) {
        finish(
          runnable.pending
            ? undefined
            : error || mochaError("ERR_MOCHA_INVALID_EXCEPTION", "Runnable failed with falsy or undefined exception. Please throw an Error instead."),
        );
      }
      if (!settled) runnable.rearm();
    });
  }

  const timeoutError = (ms: number) =>
    mochaError("ERR_MOCHA_TIMEOUT", `Timeout of ${ms}ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.`);

  function multipleDone(runnable: Runnable, title: string, value: unknown): Error {
    const where = `${runnable.hook ? "hook" : "test"} <${[...pathOf(runnable.parent), title].join(" ")}>${runnable.parent.parent ? "" : " (of root suite)"}`;
    return mochaError("ERR_MOCHA_MULTIPLE_DONE", `done() called multiple times in ${where}${value ? `; in addition, done() received error: ${value}` : ""}`);
  }

  /** Runs one suite's hooks of a type; false when one failed (or skipped a test) and the stage must stop. */
  async function runHooks(suite: Suite, type: HookType, test?: Runnable): Promise<boolean> {
    if (pendingOf(suite)) return true;
    for (const hook of suite.hooks[type]) {
      const subject = type === "beforeAll" ? suite.tests[0] : type === "afterAll" ? suite.tests[suite.tests.length - 1] : test;
      suite.ctx.currentTest = subject;
      const title = `${hook.title}${subject ? ` for "${subject.title}"` : ` in "${suite.title || (suite.parent ? "" : "{root}")}"`}`;
      const error = await exec(hook, suite.ctx, title);
      flushLate();
      if (hook.pending) {
        hook.pending = false;
        if (type === "beforeEach") {
          test!.pending = true;
          return false;
        }
        if (type === "beforeAll") {
          for (const each of suite.tests) each.pending = true;
          for (const child of suite.suites) child.pending = true;
          return true;
        }
        if (type === "afterAll") {
          fail(hook, title, mochaError("ERR_MOCHA_UNSUPPORTED", "`this.skip` forbidden"));
          return false;
        }
      } else if (error) {
        fail(hook, title, error);
        return false;
      }
    }
    return true;
  }

  /** beforeEach outermost suite first, afterEach innermost first; resolves with the suite whose hook failed. */
  async function eachHooks(type: "beforeEach" | "afterEach", from: Suite, test: Runnable): Promise<Suite | undefined> {
    const chain: Suite[] = [];
    for (let suite: Suite | undefined = from; suite; suite = suite.parent) chain.push(suite);
    if (type === "beforeEach") chain.reverse();
    for (const suite of chain) if (!(await runHooks(suite, type, test))) return suite;
    return undefined;
  }

  /** mocha's hookErr: after an each-hook failure, the afterEach hooks still owed run, then the failed suite stops. */
  async function hookFailed(failed: Suite, after: boolean, test: Runnable): Promise<Suite> {
    const from = after ? failed.parent : failed;
    const again = from && (await eachHooks("afterEach", from, test));
    return again ? hookFailed(again, true, test) : failed;
  }

  /** Runs a suite's own tests; resolves with the suite whose each-hook failed, which stops that suite. */
  async function runTests(suite: Suite): Promise<Suite | undefined> {
    for (const test of suite.tests) {
      if (!selected(test)) continue;
      if (pendingOf(test)) {
        settle(test, "pending");
        continue;
      }
      const failed = await eachHooks("beforeEach", suite, test);
      if (failed && !test.pending) return hookFailed(failed, false, test);
      const error = test.pending ? undefined : await exec(test, suite.ctx, test.title);
      if (test.pending) settle(test, "pending");
      else if (error) fail(test, test.title, error);
      else settle(test, "passed");
      flushLate();
      const again = await eachHooks("afterEach", failed ?? suite, test);
      if (again) return hookFailed(again, true, test);
    }
    return undefined;
  }

  /** Resolves with an outer suite that must stop too, as mocha's runSuite passes errSuite up. */
  async function runSuite(suite: Suite): Promise<Suite | undefined> {
    if (!count(suite, false)) return undefined;
    let failed: Suite | undefined;
    if (await runHooks(suite, "beforeAll")) {
      failed = await runTests(suite);
      for (const child of suite.suites) {
        if (failed) break;
        failed = await runSuite(child);
      }
    }
    await runHooks(suite, "afterAll");
    return failed === suite ? undefined : failed;
  }

  async function run(): Promise<Summary> {
    if (hasOnly(root)) filterOnly(root);
    const pattern = options.grep === undefined ? undefined : /^\/(.*)\/([gimy]{0,4})$|.*/.exec(options.grep)!;
    grep = pattern && new RegExp(pattern[1] || pattern[0], pattern[2]);
    Object.assign(stats, { passes: 0, failures: 0, pending: 0 });
    const start = io.now();
    const total = count(root, true);
    emit({ event: "start", total });
    await runSuite(root);
    flushLate();
    const duration = io.now() - start;
    emit({ event: "end", ...stats, duration });
    return { total, ...stats, duration };
  }

  const describe = Object.assign((title: string, fn?: SuiteFunc) => addSuite(title, fn, false, false), {
    only: (title: string, fn?: SuiteFunc) => addSuite(title, fn, false, true),
    skip: (title: string, fn?: SuiteFunc) => addSuite(title, fn, true, false),
  });
  const it = Object.assign((title: string, fn?: Func) => addTest(title, fn, false), {
    only: (title: string, fn?: Func) => addTest(title, fn, true),
    skip: (title: string, _fn?: Func) => addTest(title, undefined, false),
  });
  return {
    describe,
    it,
    before: addHook("beforeAll"),
    after: addHook("afterAll"),
    beforeEach: addHook("beforeEach"),
    afterEach: addHook("afterEach"),
    run,
  };
}

/** Puts the runner's BDD functions, and mocha's aliases for them, on a global object. */
export function install(target: object, runner: Runner): void {
  const { describe, it, before, after, beforeEach, afterEach } = runner;
  Object.assign(target, {
    describe,
    context: describe,
    xdescribe: describe.skip,
    xcontext: describe.skip,
    it,
    specify: it,
    xit: it.skip,
    xspecify: it.skip,
    before,
    after,
    beforeEach,
    afterEach,
  });
}
