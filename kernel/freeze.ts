/**
 * Freezing what the kernel shares with every process: a class or object that two processes both reach (the packet
 * classes, the vdso's prototypes) could otherwise carry a change from one to the other, or change what the kernel
 * runs. On the device the intrinsics are locked down when the base heap is built (hal/runtime/base.c), and this runs
 * while the kernel is preloaded, so what it freezes is frozen in flash; on Node it only freezes the kernel's own.
 */

/** Freezes `value` and, through own properties (values and accessors, `prototype` included), what it reaches, as
 * far as objects that are not frozen yet: the intrinsics it stops at are locked down on the device. */
export function freezeDeep<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const v = pending.pop();
    if ((typeof v !== "object" && typeof v !== "function") || v === null || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key) as PropertyDescriptor;
      pending.push(d.value, d.get, d.set);
    }
  }
  return value;
}
