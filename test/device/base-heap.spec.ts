/**
 * The machine these tests run in is a clone of the base heap in flash (hal/runtime/base.c), with the kernel
 * preloaded into it and the flash read-only (MPU): a change to a shared object must be copied into RAM, and a write
 * that reached flash would fault the whole run. These are the changes a program makes to what it did not create:
 * the global object itself and preloaded module state; the intrinsics are locked down (lockdown() when the base heap
 * is built), so changing them is refused.
 */
import assert from "node:assert/strict";

import { kernel_configure, kernel_limits, MX_OK, MX_TIME_INFINITE } from "../../kernel/index.ts";

declare global {
  interface Array<T> {
    second?: () => T;
  }
}

describe("base heap: copy on write", () => {
  it("holds the intrinsics locked down (processes share them): built-in prototypes and methods cannot change", () => {
    assert.ok(Object.isFrozen(Array.prototype) && Object.isFrozen(Math) && Object.isFrozen(Object.prototype));
    assert.throws(() => {
      Array.prototype.second = function () {
        return this[1];
      };
    }, TypeError);
    assert.throws(() => {
      Math.max = () => 42;
    }, TypeError);
    assert.equal(Math.max(1, 2), 2);
    assert.equal(([] as number[]).second, undefined);
    const g = globalThis as Record<string, unknown>;
    assert.equal(typeof g.harden, "undefined", "harden was for the build: at run time it would write into flash");
    assert.equal(typeof g.lockdown, "undefined");
  });

  it("adds globals, and changes the shared global object behind globalThis without losing the intrinsics", () => {
    const g = globalThis as Record<string, unknown>;
    g.baseHeapProbe = 1;
    assert.equal(g.baseHeapProbe, 1);
    delete g.baseHeapProbe;
    const shared = Object.getPrototypeOf(globalThis) as Record<string, unknown>;
    shared.sharedProbe = 2;
    try {
      assert.equal(g.sharedProbe, 2);
      assert.ok(Array.isArray([]) && new Map([[1, 2]]).get(1) === 2 && JSON.stringify({ a: 1 }) === '{"a":1}');
    } finally {
      delete shared.sharedProbe;
    }
    assert.equal(g.sharedProbe, undefined);
  });

  it("changes preloaded module state (the kernel's limits) and changes it back", () => {
    const limits = kernel_limits();
    assert.equal(kernel_configure({ maxHandles: 7 }), MX_OK);
    try {
      assert.equal(kernel_limits().maxHandles, 7);
    } finally {
      kernel_configure(limits);
    }
    assert.deepEqual(kernel_limits(), limits);
  });
});

describe("base heap: values in flash compare like the same values made at run time", () => {
  // MX_TIME_INFINITE was made when the kernel was preloaded: it lives in flash, a bigint of another slot kind.
  const computed = (1n << 64n) - 1n;

  it("bigints: ===, !==, == and != in both operand orders", () => {
    assert.ok(computed === MX_TIME_INFINITE);
    assert.ok(MX_TIME_INFINITE === computed);
    assert.ok(!(computed !== MX_TIME_INFINITE));
    assert.ok(!(MX_TIME_INFINITE !== computed));
    assert.ok(computed == MX_TIME_INFINITE);
    assert.ok(!(MX_TIME_INFINITE != computed));
    assert.ok(!(computed - 1n === MX_TIME_INFINITE), "a different value is still different");
    assert.ok(computed - 1n !== MX_TIME_INFINITE);
  });

  it("bigints: switch, includes and Map keys", () => {
    let matched = false;
    switch (computed) {
      case MX_TIME_INFINITE:
        matched = true;
    }
    assert.ok(matched, "switch compares with ===");
    assert.ok([MX_TIME_INFINITE].includes(computed));
    assert.equal(new Map([[MX_TIME_INFINITE, "infinite"]]).get(computed), "infinite");
  });
});
