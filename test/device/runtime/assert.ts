/**
 * `node:assert` for spec files running on the device, where Node's module does not exist.
 *
 * The device bundle maps "node:assert" here and "node:assert/strict" to assert-strict.ts, so a spec written for Node
 * runs unchanged. What passes and what throws follows Node 20 exactly (the algorithms mirror lib/assert.js and
 * lib/internal/util/comparisons.js), because a spec must not pass on one side and fail on the other. Messages keep
 * Node's wording and diff layout but come from the small inspector below rather than util.inspect, which is far too
 * big for flash, so long diffs may differ in detail. The device has no source text, so a falsy `assert(x)` says
 * `x == true`, as Node does in a REPL, instead of quoting the call.
 *
 * One deliberate difference: own properties added to a typed array or DataView are not compared. Node finds them
 * natively; in JavaScript the only way is to list every key, indices included, which for a 64 KiB buffer is about
 * 2 MB of strings on XS.
 */

export type Message = string | Error;

export interface AssertionErrorOptions {
  message?: Message;
  actual?: unknown;
  expected?: unknown;
  operator?: string;
}

const HEADERS: Record<string, string> = {
  deepStrictEqual: "Expected values to be strictly deep-equal:",
  strictEqual: "Expected values to be strictly equal:",
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: "Expected values to be loosely deep-equal:",
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: "Values have same structure but are not reference-equal:",
  notDeepEqualUnequal: "Expected values not to be loosely deep-equal:",
};

export class AssertionError extends Error {
  generatedMessage: boolean;
  code = "ERR_ASSERTION";
  actual: unknown;
  expected: unknown;
  operator: string | undefined;

  constructor({ message, actual, expected, operator }: AssertionErrorOptions) {
    super(
      operator === "strictEqual" || operator === "deepStrictEqual"
        ? diff(actual, expected, operator, message)
        : message != null
          ? String(message)
          : defaultMessage(actual, expected, operator),
    );
    this.generatedMessage = !message;
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}
// Defined, not assigned: the intrinsics are locked down, and assigning a property a frozen prototype has throws.
Object.defineProperty(AssertionError.prototype, "name", { value: "AssertionError", writable: true, enumerable: false, configurable: true });

// ---- inspection, for messages only ----

/** Bounds what a message shows of one collection, so a huge failing buffer cannot exhaust the device's RAM. */
const MAX_ITEMS = 100;
const ESCAPES: Record<string, string> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };
const tagOf = (value: unknown): string => Object.prototype.toString.call(value);
const isObject = (value: unknown): value is Record<PropertyKey, any> => typeof value === "object" && value !== null;
const isIndex = (key: string): boolean => /^(0|[1-9]\d*)$/.test(key) && +key < 2 ** 32 - 1;
const isBoxed = (value: object): boolean =>
  value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt || value instanceof Symbol;
const isEnumerable = (object: object, key: PropertyKey): boolean => Object.prototype.propertyIsEnumerable.call(object, key);
const enumerableSymbols = (object: object): symbol[] =>
  Object.getOwnPropertySymbols(object).filter((key) => isEnumerable(object, key));
/** Own enumerable keys that are not array indices: what arrays and typed arrays carry besides their elements. */
const extraKeys = (object: object, withSymbols: boolean): PropertyKey[] => [
  ...Object.keys(object).filter((key) => !isIndex(key)),
  ...(withSymbols ? enumerableSymbols(object) : []),
];

function quote(text: string): string {
  const q = !text.includes("'") ? "'" : !text.includes('"') ? '"' : !text.includes("`") && !text.includes("${") ? "`" : "'";
  const escaped = text.replace(/[\x00-\x1f\x7f\\'"`]/g, (c) =>
    c === q || c === "\\" ? `\\${c}` : c > "\x1f" && c !== "\x7f" ? c : (ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`),
  );
  return q + escaped + q;
}

const formatKey = (key: PropertyKey): string =>
  typeof key === "symbol" ? `[${String(key)}]` : /^[a-zA-Z_][a-zA-Z_0-9]*$/.test(key as string) ? (key as string) : quote(key as string);

/** util.inspect with Node's assert settings (compact: false, sorted: true), reduced to what specs meet. */
function inspect(value: unknown, seen: object[] = [], cyclic = new Set<object>()): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "function":
      return value.name ? `[Function: ${value.name}]` : "[Function (anonymous)]";
  }
  if (!isObject(value)) return String(value);
  if (seen.includes(value)) {
    cyclic.add(value);
    return "[Circular *1]";
  }
  seen.push(value);
  try {
    const text = inspectObject(value, (item) => inspect(item, seen, cyclic));
    return cyclic.has(value) ? `<ref *1> ${text}` : text;
  } finally {
    seen.pop();
  }
}

function inspectObject(value: Record<PropertyKey, any>, show: (item: unknown) => string): string {
  const items = (list: Iterable<unknown>, each: (item: any) => string = show): string[] => {
    const out: string[] = [];
    let count = 0;
    for (const item of list) if (count++ < MAX_ITEMS) out.push(each(item));
    if (count > MAX_ITEMS) out.push(`... ${count - MAX_ITEMS} more item${count - MAX_ITEMS > 1 ? "s" : ""}`);
    return out;
  };
  const fields = (keys: PropertyKey[]) => keys.map((key) => `${formatKey(key)}: ${show(value[key])}`);
  let prefix = "";
  let brackets = "{}";
  let entries: string[];
  let sortAll = true;
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const list = value as ArrayLike<unknown>;
    const typed = !Array.isArray(value);
    if (typed) prefix = `${value.constructor.name}(${list.length}) `;
    brackets = "[]";
    sortAll = false;
    entries = [];
    for (let i = 0, holes = 0; i <= list.length && entries.length < MAX_ITEMS; i++) {
      if (i < list.length && !(i in list)) {
        holes++;
        continue;
      }
      if (holes) entries.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
      holes = 0;
      if (i < list.length) entries.push(show(list[i]));
    }
    if (list.length > MAX_ITEMS) entries.push(`... ${list.length - MAX_ITEMS} more items`);
    // Extra keys of short plain arrays only: listing keys lists every index too (see the module comment).
    else if (!typed) entries.push(...fields(extraKeys(value, true)).sort());
  } else if (value instanceof Map) {
    prefix = `Map(${value.size}) `;
    entries = items(value, ([key, item]) => `${show(key)} => ${show(item)}`);
  } else if (value instanceof Set) {
    prefix = `Set(${value.size}) `;
    entries = items(value);
  } else if (value instanceof ArrayBuffer) {
    prefix = "ArrayBuffer ";
    const bytes = items(new Uint8Array(value), (byte: number) => byte.toString(16).padStart(2, "0"));
    entries = [`[Uint8Contents]: <${bytes.join(" ")}>`, `byteLength: ${value.byteLength}`];
  } else if (value instanceof DataView) {
    prefix = "DataView ";
    entries = [`buffer: ${show(value.buffer)}`, `byteLength: ${value.byteLength}`, `byteOffset: ${value.byteOffset}`];
  } else {
    const base =
      value instanceof Date
        ? Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString()
        : value instanceof RegExp
          ? String(value)
          : value instanceof Error
            ? `[${value.name}: ${value.message}]`
            : isBoxed(value)
              ? `[${tagOf(value).slice(8, -1)}: ${show(value.valueOf())}]`
              : undefined;
    entries = fields([...(isBoxed(value) ? extraKeys(value, false) : Object.keys(value)), ...enumerableSymbols(value)]);
    if (base !== undefined) {
      if (!entries.length) return base;
      prefix = `${base} `;
    } else {
      const proto = Object.getPrototypeOf(value);
      const name = proto === null ? "[Object: null prototype]" : proto.constructor?.name;
      if (name && name !== "Object") prefix = `${name} `;
    }
  }
  if (sortAll) entries.sort();
  if (!entries.length) return prefix + brackets;
  return `${prefix}${brackets[0]}\n  ${entries.join(",\n").replace(/\n/g, "\n  ")}\n${brackets[1]}`;
}

// ---- messages ----

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

function defaultMessage(actual: unknown, expected: unknown, operator = "undefined"): string {
  if (operator === "notDeepStrictEqual" || operator === "notStrictEqual") {
    const shown = inspect(actual);
    const objectLike = isObject(actual) || typeof actual === "function";
    const header = HEADERS[operator === "notStrictEqual" && objectLike ? "notStrictEqualObject" : operator];
    return shown.includes("\n") ? `${header}\n\n${shown}\n` : `${header}${shown.length > 5 ? "\n\n" : " "}${shown}`;
  }
  const res = inspect(actual);
  const other = inspect(expected);
  if (operator === "notDeepEqual" && res === other) return clip(`${HEADERS.notDeepEqual}\n\n${res}`, 1024);
  const [a, b] = [clip(res, 512), clip(other, 512)];
  if (operator === "deepEqual") return `${HEADERS.deepEqual}\n\n${a}\n\nshould loosely deep-equal\n\n${b}`;
  if (operator === "notDeepEqual") return `${HEADERS.notDeepEqualUnequal}\n\n${a}\n\nshould not loosely deep-equal\n\n${b}`;
  return `${a} ${operator} ${b}`;
}

/** Node's "+ actual - expected" diff: lines compared by position, long runs of equal lines elided. */
function diff(actual: unknown, expected: unknown, operator: string, message?: Message): string {
  if (
    operator === "strictEqual" &&
    ((isObject(actual) && isObject(expected)) || (typeof actual === "function" && typeof expected === "function"))
  ) {
    operator = "strictEqualObject";
  }
  const header = message ? String(message) : HEADERS[operator];
  const a = inspect(actual).split("\n");
  const e = inspect(expected).split("\n");
  let indicator = "";
  if (a.length === 1 && e.length === 1 && a[0] !== e[0]) {
    const length = a[0].length + e[0].length;
    if (length <= 12) {
      if (!isObject(actual) && !isObject(expected) && (actual !== 0 || expected !== 0)) return `${header}\n\n${a[0]} !== ${e[0]}\n`;
    } else if (operator !== "strictEqualObject" && length < 80) {
      // Points at the first differing character of two short lines.
      let i = 0;
      while (a[0][i] === e[0][i]) i++;
      if (i > 2) indicator = `\n  ${" ".repeat(i)}^`;
    }
  }
  const tail: string[] = [];
  while (a.length && e.length && a[a.length - 1] === e[e.length - 1]) {
    tail.unshift(a.pop()!);
    e.pop();
  }
  if (!a.length && !e.length) return `${HEADERS.notIdentical}\n\n${tail.join("\n")}\n`;
  const rows: string[] = [];
  let minus: string[] = [];
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    const [x, y] = [a[i], e[i]];
    if (x !== undefined && y !== undefined && (x === y || x === `${y},` || `${x},` === y)) {
      rows.push(...minus, `  ${x.length >= y.length ? x : y}`);
      minus = [];
    } else {
      if (x !== undefined) rows.push(`+ ${x}`);
      if (y !== undefined) minus.push(`- ${y}`);
    }
  }
  rows.push(...minus);
  let skipped = false;
  const shown: string[] = [];
  for (let i = 0; i < rows.length; ) {
    let end = i;
    while (end < rows.length && rows[end].startsWith("  ")) end++;
    if (end - i > 5) {
      shown.push(rows[i], rows[i + 1], "...", rows[end - 2], rows[end - 1]);
      skipped = true;
    } else {
      shown.push(...rows.slice(i, end));
    }
    if (end < rows.length) shown.push(rows[end]);
    i = end + 1;
  }
  if (tail.length >= 5) {
    tail.splice(1, tail.length - 4, "...");
    skipped = true;
  }
  shown.push(...tail.map((line) => (line === "..." ? line : `  ${line}`)));
  return `${header}\n+ actual - expected${skipped ? " ... Lines skipped" : ""}\n\n${shown.join("\n")}${indicator}`;
}

// ---- deep equality, as lib/internal/util/comparisons.js ----

type Memo = Set<unknown>;
type Iterate = "none" | "array" | "set" | "map";

function kindOf(value: object): string {
  if (value instanceof Date) return "date";
  if (value instanceof RegExp) return "regexp";
  if (ArrayBuffer.isView(value)) return "view";
  if (value instanceof Set) return "set";
  if (value instanceof Map) return "map";
  if (value instanceof ArrayBuffer) return "buffer";
  if (value instanceof Error) return "error";
  return isBoxed(value) ? "boxed" : "";
}

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, i) => byte === b[i]);

function innerDeepEqual(a: any, b: any, strict: boolean, memo?: Memo): boolean {
  if (a === b) return a !== 0 || Object.is(a, b) || !strict;
  if (strict) {
    if (typeof a === "number") return Number.isNaN(a) && Number.isNaN(b);
    if (!isObject(a) || !isObject(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  } else {
    if (!isObject(a)) return !isObject(b) && (a == b || (Number.isNaN(a) && Number.isNaN(b)));
    if (!isObject(b)) return false;
  }
  const tag = tagOf(a);
  if (tag !== tagOf(b)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    const keys = extraKeys(a, strict);
    return keys.length === extraKeys(b, strict).length && keyCheck(a, b, strict, memo, "array", keys);
  }
  if (tag === "[object Object]") return keyCheck(a, b, strict, memo, "none");
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return false;
  switch (kind) {
    case "date":
      if (a.getTime() !== b.getTime()) return false;
      break;
    case "regexp":
      if (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
      break;
    case "view":
      // Contents and type only: see the module comment.
      return !strict && (a instanceof Float32Array || a instanceof Float64Array)
        ? a.byteLength === b.byteLength && a.every((x: number, i: number) => x === b[i])
        : sameBytes(bytesOf(a as ArrayBufferView), bytesOf(b as ArrayBufferView));
    case "set":
      return a.size === b.size && keyCheck(a, b, strict, memo, "set");
    case "map":
      return a.size === b.size && keyCheck(a, b, strict, memo, "map");
    case "buffer":
      if (!sameBytes(new Uint8Array(a as ArrayBuffer), new Uint8Array(b as ArrayBuffer))) return false;
      break;
    case "error":
      for (const key of ["message", "name", "cause", "errors"]) {
        const enumerable = isEnumerable(a, key);
        if (enumerable !== isEnumerable(b, key)) return false;
        if (enumerable) continue;
        if (key === "message" || key === "name" ? a[key] !== b[key] : !innerDeepEqual(a[key], b[key], strict, memo)) return false;
      }
      break;
    case "boxed":
      if (!Object.is(a.valueOf(), b.valueOf())) return false;
  }
  return keyCheck(a, b, strict, memo, "none");
}

function keyCheck(a: any, b: any, strict: boolean, memo: Memo | undefined, iterate: Iterate, extra?: PropertyKey[]): boolean {
  let keys: PropertyKey[] = extra ?? Object.keys(a);
  if (!keys.every((key) => isEnumerable(b, key))) return false;
  if (!extra) {
    if (keys.length !== Object.keys(b).length) return false;
    if (strict) {
      const symbols = enumerableSymbols(a);
      if (symbols.length !== enumerableSymbols(b).length || !symbols.every((key) => isEnumerable(b, key))) return false;
      keys = keys.concat(symbols);
    }
  }
  if (!keys.length && (iterate === "none" || (iterate === "array" ? a.length === 0 : a.size === 0))) return true;
  // Cycles: a pair met again while both sides are still being compared counts as equal, as in Node.
  if (!memo) return objEquiv(a, b, strict, keys, new Set([a, b]), iterate);
  const size = memo.size;
  memo.add(a).add(b);
  if (memo.size === size) return true;
  const equal = objEquiv(a, b, strict, keys, memo, iterate);
  memo.delete(a);
  memo.delete(b);
  return equal;
}

function objEquiv(a: any, b: any, strict: boolean, keys: PropertyKey[], memo: Memo, iterate: Iterate): boolean {
  if (!keys.every((key) => innerDeepEqual(a[key], b[key], strict, memo))) return false;
  if (iterate === "set") return setEquiv(a, b, strict, memo);
  if (iterate === "map") return mapEquiv(a, b, strict, memo);
  if (iterate === "array") {
    const own = (object: object, key: PropertyKey) => Object.prototype.hasOwnProperty.call(object, key);
    for (let i = 0; i < a.length; i++) {
      if (own(a, i)) {
        if (!own(b, i) || !innerDeepEqual(a[i], b[i], strict, memo)) return false;
      } else if (own(b, i)) {
        return false;
      } else {
        // Sparse: compare what is there instead of walking every hole.
        const rest = Object.keys(a).slice(i);
        return rest.every((key) => own(b, key) && innerDeepEqual(a[key], b[key], strict, memo)) && Object.keys(a).length === Object.keys(b).length;
      }
    }
  }
  return true;
}

/** Removes from `pool` the first element `matches` accepts; false when there is none. */
function take(pool: Set<unknown>, matches: (candidate: unknown) => boolean): boolean {
  for (const candidate of pool) {
    if (matches(candidate)) {
      pool.delete(candidate);
      return true;
    }
  }
  return false;
}

// Elements that `has` cannot find (objects, and in loose mode primitives equal only by ==) are matched pairwise.
function setEquiv(a: Set<unknown>, b: Set<unknown>, strict: boolean, memo: Memo): boolean {
  const pool = new Set<unknown>();
  for (const value of a) {
    if (b.has(value)) continue;
    if (strict && !isObject(value)) return false;
    pool.add(value);
  }
  if (!pool.size) return true;
  for (const value of b) {
    if ((isObject(value) || !strict) && !a.has(value) && !take(pool, (x) => innerDeepEqual(x, value, strict, memo))) {
      return false;
    }
  }
  return pool.size === 0;
}

function mapEquiv(a: Map<unknown, unknown>, b: Map<unknown, unknown>, strict: boolean, memo: Memo): boolean {
  const pool = new Set<unknown>();
  for (const [key, item] of a) {
    if (isObject(key)) {
      pool.add(key);
    } else {
      const other = b.get(key);
      if ((other !== undefined || b.has(key)) && innerDeepEqual(item, other, strict, memo)) continue;
      if (strict) return false;
      pool.add(key);
    }
  }
  if (!pool.size) return true;
  for (const [key, item] of b) {
    const matches = (x: unknown) => innerDeepEqual(x, key, strict, memo) && innerDeepEqual(a.get(x), item, strict, memo);
    if (isObject(key) ? !take(pool, matches) : !strict && !(a.has(key) && innerDeepEqual(a.get(key), item, strict, memo)) && !take(pool, matches)) {
      return false;
    }
  }
  return pool.size === 0;
}

export const isDeepEqual = (a: unknown, b: unknown): boolean => innerDeepEqual(a, b, false);
export const isDeepStrictEqual = (a: unknown, b: unknown): boolean => innerDeepEqual(a, b, true);

// ---- assertions ----

const argError = (code: string, message: string): TypeError => Object.assign(new TypeError(message), { code });

/** How Node's argument errors name a received value. */
const specificType = (value: unknown): string =>
  value == null
    ? String(value)
    : typeof value === "function"
      ? `function ${value.name}`
      : isObject(value)
        ? `an instance of ${value.constructor?.name ?? "Object"}`
        : `type ${typeof value} (${inspect(value)})`;

const invalidArg = (name: string, expected: string, value: unknown): TypeError =>
  argError("ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}. Received ${specificType(value)}`);

function innerFail(options: AssertionErrorOptions): never {
  if (options.message instanceof Error) throw options.message;
  throw new AssertionError(options);
}

function innerOk(argc: number, value: unknown, message?: Message): void {
  if (value) return;
  if (message instanceof Error) throw message;
  const error = new AssertionError({
    actual: value,
    expected: true,
    message: argc === 0 ? "No value argument passed to `assert.ok()`" : message,
    operator: "==",
  });
  error.generatedMessage = argc === 0 || message == null;
  throw error;
}

export function ok(value?: unknown, message?: Message): asserts value {
  innerOk(arguments.length, value, message);
}

export function fail(message?: Message): never;
export function fail(actual: unknown, expected: unknown, message?: Message, operator?: string): never;
export function fail(...args: unknown[]): never {
  let [actual, expected, message, operator] = args as [unknown, unknown, Message | undefined, string | undefined];
  const generated = actual == null && args.length <= 1;
  if (generated) message = "Failed";
  else if (args.length === 1) [message, actual] = [actual as Message, undefined];
  else if (args.length === 2) operator = "!=";
  if (message instanceof Error) throw message;
  const error = new AssertionError({ actual, expected, message, operator: operator ?? "fail" });
  if (generated) error.generatedMessage = true;
  throw error;
}

type Check = (actual: unknown, expected: unknown, message?: Message) => void;

const comparison = (operator: string, pass: (actual: unknown, expected: unknown) => boolean): Check =>
  function (actual: unknown, expected: unknown, message?: Message): void {
    if (arguments.length < 2) throw argError("ERR_MISSING_ARGS", 'The "actual" and "expected" arguments must be specified');
    if (!pass(actual, expected)) innerFail({ actual, expected, message, operator });
  };

const looselyEqual = (a: any, b: any): boolean => a == b || (Number.isNaN(a) && Number.isNaN(b));
export const equal = comparison("==", looselyEqual);
export const notEqual = comparison("!=", (a, b) => !looselyEqual(a, b));
export const strictEqual = comparison("strictEqual", Object.is);
export const notStrictEqual = comparison("notStrictEqual", (a, b) => !Object.is(a, b));
export const deepEqual = comparison("deepEqual", isDeepEqual);
export const notDeepEqual = comparison("notDeepEqual", (a, b) => !isDeepEqual(a, b));
export const deepStrictEqual = comparison("deepStrictEqual", isDeepStrictEqual);
export const notDeepStrictEqual = comparison("notDeepStrictEqual", (a, b) => !isDeepStrictEqual(a, b));

/** What throws/rejects accept as the expected error. */
export type ErrorMatcher = RegExp | Function | object;
type ErrorArgs = [error?: ErrorMatcher | string, message?: Message];

const NO_EXCEPTION = {};

function getActual(fn: unknown): unknown {
  if (typeof fn !== "function") throw invalidArg("fn", "of type function", fn);
  try {
    fn();
  } catch (error) {
    return error;
  }
  return NO_EXCEPTION;
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value instanceof Promise || (isObject(value) && typeof value.then === "function" && typeof value.catch === "function");

async function waitForActual(promiseFn: unknown): Promise<unknown> {
  const promise = typeof promiseFn === "function" ? promiseFn() : promiseFn;
  if (!isPromiseLike(promise)) {
    throw typeof promiseFn === "function"
      ? argError("ERR_INVALID_RETURN_VALUE", `Expected instance of Promise to be returned from the "promiseFn" function but got ${specificType(promise)}.`)
      : invalidArg("promiseFn", "of type function or an instance of Promise", promiseFn);
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return NO_EXCEPTION;
}

/** Builds the AssertionError of a mismatching error, keeping a caller's message and flagging a generated one. */
function mismatch(actual: unknown, expected: unknown, operator: string, message: Message | undefined, generated: string): never {
  const error = new AssertionError({ actual, expected, operator, message: message || generated });
  error.generatedMessage = !message;
  throw error;
}

/** Node's placeholder showing only the compared keys, so the diff stays readable. */
class Comparison {
  constructor(object: Record<string, unknown>, keys: string[], actual?: Record<string, unknown>) {
    for (const key of keys) {
      if (!(key in object)) continue;
      const value = object[key];
      const text = actual?.[key];
      (this as Record<string, unknown>)[key] = typeof text === "string" && value instanceof RegExp && value.exec(text) !== null ? text : value;
    }
  }
}

function expectedException(actual: any, expected: any, message: Message | undefined, operator: string): void {
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && actual instanceof expected) return;
    if (Error.isPrototypeOf(expected)) {
      let text = `The error is expected to be an instance of "${expected.name}". Received `;
      if (actual instanceof Error || tagOf(actual) === "[object Error]") {
        const name = actual.constructor?.name || actual.name;
        text += expected.name === name ? "an error with identical name but a different prototype." : `"${name}"`;
        if (actual.message) text += `\n\nError message:\n\n${actual.message}`;
      } else {
        text += `"${inspect(actual)}"`;
      }
      mismatch(actual, expected, operator, message, text);
    }
    const result = expected.call({}, actual);
    if (result === true) return;
    const caught = actual instanceof Error || tagOf(actual) === "[object Error]" ? `\n\nCaught error:\n\n${actual}` : "";
    const name = expected.name ? `"${expected.name}" ` : "";
    mismatch(actual, expected, operator, message, `The ${name}validation function is expected to return "true". Received ${inspect(result)}${caught}`);
  }
  if (expected instanceof RegExp) {
    const text = String(actual);
    if (expected.exec(text) !== null) return;
    mismatch(actual, expected, operator, message, `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(text)}\n`);
  }
  if (!isObject(actual)) {
    const error = new AssertionError({ actual, expected, message, operator: "deepStrictEqual" });
    error.operator = operator;
    throw error;
  }
  const keys = Object.keys(expected);
  if (expected instanceof Error) keys.push("name", "message");
  else if (!keys.length) throw argError("ERR_INVALID_ARG_VALUE", `The argument 'error' may not be an empty object. Received {}`);
  for (const key of keys) {
    const want = expected[key];
    if (typeof actual[key] === "string" && want instanceof RegExp && want.exec(actual[key]) !== null) continue;
    if (key in actual && isDeepStrictEqual(actual[key], want)) continue;
    if (message) innerFail({ actual, expected, message, operator });
    const error = new AssertionError({
      actual: new Comparison(actual, keys),
      expected: new Comparison(expected, keys, actual),
      operator: "deepStrictEqual",
    });
    Object.assign(error, { actual, expected, operator });
    throw error;
  }
}

function expectsError(operator: "throws" | "rejects", actual: unknown, args: ErrorArgs): void {
  let [error, message] = args;
  if (typeof error === "string") {
    if (args.length === 2) throw invalidArg("error", "of type function or an instance of Error, RegExp, or Object", error);
    const same = isObject(actual) ? actual.message === error : actual === error;
    if (same) {
      throw argError("ERR_AMBIGUOUS_ARGUMENT", `The "error/message" argument is ambiguous. The error${isObject(actual) ? " message" : ""} "${error}" is identical to the message.`);
    }
    [message, error] = [error, undefined];
  } else if (error != null && !isObject(error) && typeof error !== "function") {
    throw invalidArg("error", "of type function or an instance of Error, RegExp, or Object", error);
  }
  if (actual === NO_EXCEPTION) {
    const name = (error as { name?: unknown } | undefined)?.name;
    const details = `${name ? ` (${name})` : ""}${message ? `: ${message}` : "."}`;
    innerFail({ actual: undefined, expected: error, operator, message: `Missing expected ${operator === "rejects" ? "rejection" : "exception"}${details}` });
  }
  if (error) expectedException(actual, error, message, operator);
}

function hasMatchingError(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "function") {
    if (expected instanceof RegExp) return expected.exec(String(actual)) !== null;
    throw invalidArg("expected", "of type function or an instance of RegExp", expected);
  }
  if (expected.prototype !== undefined && actual instanceof expected) return true;
  return !Error.isPrototypeOf(expected) && expected.call({}, actual) === true;
}

function expectsNoError(operator: "doesNotThrow" | "doesNotReject", actual: any, args: ErrorArgs): void {
  if (actual === NO_EXCEPTION) return;
  let [error, message] = args;
  if (typeof error === "string") [message, error] = [error, undefined];
  if (!error || hasMatchingError(actual, error)) {
    const details = message ? `: ${message}` : ".";
    const kind = operator === "doesNotReject" ? "rejection" : "exception";
    innerFail({ actual, expected: error, operator, message: `Got unwanted ${kind}${details}\nActual message: "${actual && actual.message}"` });
  }
  throw actual;
}

export function throws(fn: () => unknown, ...args: ErrorArgs): void {
  expectsError("throws", getActual(fn), args);
}

export function doesNotThrow(fn: () => unknown, ...args: ErrorArgs): void {
  expectsNoError("doesNotThrow", getActual(fn), args);
}

export async function rejects(promiseFn: PromiseLike<unknown> | (() => PromiseLike<unknown>), ...args: ErrorArgs): Promise<void> {
  expectsError("rejects", await waitForActual(promiseFn), args);
}

export async function doesNotReject(promiseFn: PromiseLike<unknown> | (() => PromiseLike<unknown>), ...args: ErrorArgs): Promise<void> {
  expectsNoError("doesNotReject", await waitForActual(promiseFn), args);
}

function internalMatch(text: unknown, regexp: unknown, message: Message | undefined, operator: "match" | "doesNotMatch"): void {
  if (!(regexp instanceof RegExp)) throw invalidArg("regexp", "an instance of RegExp", regexp);
  const wanted = operator === "match";
  if (typeof text === "string" && (regexp.exec(text) !== null) === wanted) return;
  if (message instanceof Error) throw message;
  const generated =
    typeof text !== "string"
      ? `The "string" argument must be of type string. Received type ${typeof text} (${inspect(text)})`
      : `The input ${wanted ? "did not match" : "was expected to not match"} the regular expression ${inspect(regexp)}. Input:\n\n${inspect(text)}\n`;
  mismatch(text, regexp, operator, message, generated);
}

export function match(text: string, regexp: RegExp, message?: Message): void {
  internalMatch(text, regexp, message, "match");
}

export function doesNotMatch(text: string, regexp: RegExp, message?: Message): void {
  internalMatch(text, regexp, message, "doesNotMatch");
}

export function ifError(error: unknown): void {
  if (error === null || error === undefined) return;
  const source = error as { message?: unknown; constructor?: { name: string } };
  const detail =
    isObject(error) && typeof source.message === "string"
      ? source.message.length === 0 && source.constructor ? source.constructor.name : source.message
      : inspect(error);
  throw new AssertionError({ actual: error, expected: null, operator: "ifError", message: `ifError got unwanted exception: ${detail}` });
}

// ---- the module objects ----

const methods = {
  ok, fail, equal, notEqual, strictEqual, notStrictEqual, deepEqual, notDeepEqual, deepStrictEqual, notDeepStrictEqual,
  throws, doesNotThrow, rejects, doesNotReject, match, doesNotMatch, ifError, AssertionError,
};

/**
 * The shape of Node's assert: callable as `ok`, with the methods as properties. `ok` is declared here, not taken
 * from `typeof methods`: TypeScript accepts `assert.ok(x)` as an assertion only through explicitly typed names.
 */
export interface Assert extends Readonly<Omit<typeof methods, "ok">> {
  (value: unknown, message?: Message): asserts value;
  ok(value: unknown, message?: Message): asserts value;
  strict: Assert;
}

const callable = (properties: typeof methods): Assert =>
  Object.assign(function assert(value?: unknown, message?: Message) {
    innerOk(arguments.length, value, message);
  }, properties) as unknown as Assert;

/** `node:assert/strict`, also reachable as `assert.strict`: the loose names mean their strict counterparts. */
export const strict: Assert = callable({
  ...methods,
  equal: strictEqual,
  notEqual: notStrictEqual,
  deepEqual: deepStrictEqual,
  notDeepEqual: notDeepStrictEqual,
});
strict.strict = strict;

const assert: Assert = callable(methods);
assert.strict = strict;
export default assert;
