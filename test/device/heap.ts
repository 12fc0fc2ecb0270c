/**
 * The XS heap a device test holds: the bytes XS has taken from the C heap for chunks and slots. XS grows its heap
 * and never gives it back, so a test that runs twice and finds this unchanged the second time has leaked nothing.
 */
export function heapBytes(): number {
  const m = native.memory();
  return m.chunkBytes + m.slotBytes;
}
