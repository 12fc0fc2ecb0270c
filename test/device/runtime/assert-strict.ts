/**
 * `node:assert/strict` for the device bundle, which maps that specifier here.
 *
 * It has to be a module of its own: `import { equal } from "node:assert/strict"` must bind strictEqual, while the
 * same name in "node:assert" (assert.ts) is the loose comparison, and one module cannot export both.
 */
export {
  strict as default,
  strict,
  strictEqual as equal,
  notStrictEqual as notEqual,
  deepStrictEqual as deepEqual,
  notDeepStrictEqual as notDeepEqual,
  ok,
  fail,
  strictEqual,
  notStrictEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
  match,
  doesNotMatch,
  ifError,
  AssertionError,
} from "./assert.ts";
