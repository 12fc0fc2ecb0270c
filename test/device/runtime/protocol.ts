/**
 * The line protocol between the device test runtime (mocha.ts) and the host that reads the guest's console.
 *
 * Each event is one line, `@@mocha ` followed by one JSON object, because the console is shared: kernel and spec
 * output may fall between events, and a line is the only unit that survives that interleaving. Both the encoder
 * (used on the device) and the parser (used by the host) live here so the two sides cannot drift; the module has no
 * imports so the host can load it without the device runtime.
 *
 * Values from failed assertions (`actual`, `expected`) can be anything, including bigints, cycles or megabytes of
 * typed array, and the device has little RAM, so `toJson` turns them into plain JSON under a fixed budget instead of
 * trusting JSON.stringify.
 */

export const PREFIX = "@@mocha ";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What the host learns about a failure. Fields the error does not have are absent. */
export interface ErrorInfo {
  name?: string;
  message?: string;
  stack?: string;
  code?: string;
  actual?: Json;
  expected?: Json;
  operator?: string;
}

/** `total` counts the tests that will run: selected by only/grep and not pending. */
export type ProtocolEvent =
  | { event: "start"; total: number }
  | { event: "pass"; path: string[]; title: string; duration: number }
  | { event: "fail"; path: string[]; title: string; duration: number; error: ErrorInfo }
  | { event: "pending"; path: string[]; title: string }
  | { event: "end"; passes: number; failures: number; pending: number; duration: number };

/** Bound on the characters one serialized value (or one string field) may take. */
const LIMIT = 2048;

const clip = (text: string, max = LIMIT): string => (text.length > max ? `${text.slice(0, Math.max(max, 0))}…` : text);

export function encodeEvent(event: ProtocolEvent): string {
  return PREFIX + JSON.stringify(event);
}

/** Converts any value to JSON that keeps its meaning: bigints as "12n", typed arrays as arrays, cycles cut. */
export function toJson(value: unknown): Json | undefined {
  let budget = LIMIT;
  const stack: object[] = [];
  const list = (items: Iterable<unknown>, each: (item: any) => Json | undefined = walk): Json[] => {
    const out: Json[] = [];
    for (const item of items) {
      if (budget <= 0) {
        out.push("…");
        break;
      }
      out.push(each(item) ?? null);
    }
    return out;
  };
  const fields = (object: any): Json => {
    const out: Record<string, Json> = {};
    const keys = object instanceof Error ? ["name", "message", ...Object.keys(object)] : Object.keys(object);
    for (const key of keys) {
      if (budget <= 0) {
        out["…"] = "…";
        break;
      }
      budget -= key.length;
      const item = walk(object[key]);
      if (item !== undefined) out[key] = item;
    }
    return out;
  };
  function walk(v: unknown): Json | undefined {
    if (budget <= 0) return "…";
    if (typeof v === "string") {
      const text = clip(v, budget);
      budget -= text.length;
      return text;
    }
    budget -= 8;
    switch (typeof v) {
      case "number":
        return Object.is(v, -0) ? "-0" : Number.isFinite(v) ? v : String(v);
      case "bigint":
        return `${v}n`;
      case "boolean":
        return v;
      case "undefined":
        return undefined;
      case "symbol":
        return String(v);
      case "function":
        return `[Function: ${v.name || "(anonymous)"}]`;
    }
    if (v === null) return null;
    if (stack.includes(v as object)) return "[Circular]";
    stack.push(v as object);
    try {
      if (v instanceof Map) return list(v, ([key, item]) => [walk(key) ?? null, walk(item) ?? null]);
      if (v instanceof Set || Array.isArray(v)) return list(v);
      if (v instanceof ArrayBuffer) return list(new Uint8Array(v));
      if (v instanceof DataView) return list(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      if (ArrayBuffer.isView(v)) return list(v as unknown as Iterable<unknown>);
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
      if (v instanceof RegExp) return String(v);
      if (/^\[object (Number|String|Boolean|BigInt|Symbol)\]$/.test(Object.prototype.toString.call(v))) {
        return walk((v as { valueOf(): unknown }).valueOf());
      }
      return fields(v);
    } finally {
      stack.pop();
    }
  }
  try {
    return walk(value);
  } catch {
    // A throwing getter or proxy must not cost the report; the host still gets the rest of the error.
    return "[unserializable]";
  }
}

/** The reportable part of a thrown value. */
export function errorInfo(error: unknown): ErrorInfo {
  const info: ErrorInfo = {};
  if ((typeof error !== "object" && typeof error !== "function") || error === null) {
    info.message = clip(String(error));
    return info;
  }
  const source = error as Record<string, unknown>;
  for (const key of ["name", "message", "stack", "code", "operator"] as const) {
    try {
      const text = source[key];
      if (text !== undefined && text !== null && text !== "") info[key] = clip(String(text));
    } catch {
      // Same reason as in toJson: report what can be read.
    }
  }
  for (const key of ["actual", "expected"] as const) {
    if (key in source) {
      const json = toJson(source[key]);
      if (json !== undefined) info[key] = json;
    }
  }
  return info;
}

const FIELDS: Record<string, Record<string, string>> = {
  start: { total: "number" },
  pass: { path: "object", title: "string", duration: "number" },
  fail: { path: "object", title: "string", duration: "number", error: "object" },
  pending: { path: "object", title: "string" },
  end: { passes: "number", failures: "number", pending: "number", duration: "number" },
};

/** The event on a console line, or undefined for any other output. The marker may follow other text on the line. */
export function parseProtocolLine(line: string): ProtocolEvent | undefined {
  const at = line.indexOf(PREFIX);
  if (at < 0) return undefined;
  let value: any;
  try {
    value = JSON.parse(line.slice(at + PREFIX.length));
  } catch {
    return undefined;
  }
  const fields = value !== null && typeof value === "object" && Object.hasOwn(FIELDS, value.event) ? FIELDS[value.event] : undefined;
  const valid =
    fields !== undefined &&
    Object.entries(fields).every(([key, type]) => typeof value[key] === type && value[key] !== null) &&
    (fields.path === undefined || (Array.isArray(value.path) && value.path.every((part: unknown) => typeof part === "string")));
  return valid ? (value as ProtocolEvent) : undefined;
}
