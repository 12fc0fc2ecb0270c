/**
 * Caller memory on Node: the Hal's `byteLength` and `copyBytes` (hal.ts), from the engine's intrinsics.
 *
 * The answers come from the typed-array getters of %TypedArray%.prototype, captured when this module loads and
 * applied with Reflect.apply, so nothing the caller can change later is asked: not the object's `length`, `set`,
 * prototype or `constructor`, not a Proxy's traps (a Proxy has no typed-array slots, so the tag getter answers
 * undefined for it). The device does the same from XS's internal slots in C (hal/runtime/user_memory.c); Node has
 * no read-only buffers, so every genuine Uint8Array may be written here.
 */
const typedArrayPrototype: object = Object.getPrototypeOf(Uint8Array.prototype);
const intrinsicGetter = (key: string | symbol) => Object.getOwnPropertyDescriptor(typedArrayPrototype, key)!.get!;
const tagOf = intrinsicGetter(Symbol.toStringTag);
const byteLengthOf = intrinsicGetter("byteLength");
const byteOffsetOf = intrinsicGetter("byteOffset");
const bufferOf = intrinsicGetter("buffer");
const setElements = Uint8Array.prototype.set;
const apply = Reflect.apply;
const Bytes = Uint8Array;
const NONE: [] = [];

export function byteLength(v: unknown): number {
  return apply(tagOf, v, NONE) === "Uint8Array" ? apply(byteLengthOf, v, NONE) : -1;
}

const isCount = (n: unknown) => typeof n === "number" && n >= 0 && n <= 0x7fff_ffff && Math.trunc(n) === n;

export function copyBytes(dst: unknown, dstOffset: number, src: unknown, srcOffset: number, n: number): boolean {
  if (!isCount(dstOffset) || !isCount(srcOffset) || !isCount(n)) return false;
  const dstLength = byteLength(dst);
  const srcLength = byteLength(src);
  if (dstLength < 0 || srcLength < 0 || n > dstLength - dstOffset || n > srcLength - srcOffset) return false;
  if (n > 0) {
    const from = new Bytes(apply(bufferOf, src, NONE), apply(byteOffsetOf, src, NONE) + srcOffset, n);
    apply(setElements, dst, [from, dstOffset]);
  }
  return true;
}
