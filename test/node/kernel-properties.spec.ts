/**
 * Property tests (Node only, fast-check): every syscall answers arguments of the wrong kind with a status code,
 * never an exception, and a rejected call changes no kernel state.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import * as k from "../../kernel/index.ts";

/**
 * An object whose traps throw: the kernel must not let that escape as an exception (kernel/user_copy.ts). Symbol
 * keys are let through, because fast-check itself asks each value for its clone method; the kernel asks none.
 */
function throwingProxy(target: object): object {
  const no = () => {
    throw new Error("a trap ran");
  };
  return new Proxy(target, {
    get: (t, key) => (typeof key === "symbol" ? Reflect.get(t, key) : no()),
    has: (t, key) => (typeof key === "symbol" ? Reflect.has(t, key) : no()),
    set: no,
    getPrototypeOf: no,
    ownKeys: no,
    defineProperty: no,
    getOwnPropertyDescriptor: no,
  });
}

/** Values of every kind a caller might pass by mistake, and objects that refuse to be read or written. */
const junk = fc.oneof(
  fc.anything(),
  fc.constantFrom(NaN, -1, 1.5, 2 ** 32, 2 ** 53, -0, Infinity, -1n, 2n ** 64n, "1", true, [], {}, null, undefined),
  fc.constantFrom(Object.freeze({ value: 0 }), Object.freeze([0, 0]), Object.create(Uint8Array.prototype)),
  fc.constantFrom(() => throwingProxy({ value: 0 }), () => throwingProxy([1]), () => throwingProxy(new Uint8Array(64))).map((make) => make()),
  fc.integer(),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 64 }),
);

interface World {
  port: number;
  v1: number;
  c0: number;
  c1: number;
  event: number;
  timer: number;
}

function world(): World {
  const o = () => ({ value: 0 });
  const port = o(), v1 = o(), c0 = o(), c1 = o(), event = o(), timer = o();
  k.mx_port_create(k.MX_PORT_OPT_V2, port);
  k.mx_port_create(k.MX_PORT_OPT_V1, v1);
  k.mx_channel_create(0, c0, c1);
  k.mx_event_create(0, event);
  k.mx_timer_create(0, 0, timer);
  return { port: port.value, v1: v1.value, c0: c0.value, c1: c1.value, event: event.value, timer: timer.value };
}

function close(w: World): void {
  for (const h of Object.values(w)) k.mx_handle_close(h);
}

/** What a call could have changed: handle count, queued packets, channel messages, signal states. */
function snapshot(w: World): string {
  const s = (h: number) => {
    const o = { value: -1 };
    k.mx_object_wait_one(h, 0, 0n, o);
    return o.value;
  };
  return JSON.stringify([k.kernel_stats().handles, s(w.c0), s(w.c1), s(w.event), s(w.timer)]);
}

/** What a call may have written into an out-object (nothing, for the objects that refuse to be read). */
function written(a: unknown): unknown {
  try {
    return typeof a === "object" && a !== null ? (a as { value?: unknown }).value : undefined;
  } catch {
    return undefined;
  }
}

/** Each syscall with its arguments drawn from real handles and junk; all must return a status. */
type Call = (w: World, a: unknown[]) => unknown;
const calls: Record<string, [number, Call]> = {
  mx_port_create: [2, (_w, a) => k.mx_port_create(a[0] as number, a[1] as never)],
  mx_port_queue: [3, (w, a) => k.mx_port_queue(pick(w, a[0]), a[1], a[2] as number)],
  mx_port_wait: [4, (w, a) => k.mx_port_wait(pick(w, a[0]), 0n, a[2], a[3] as number)],
  mx_port_cancel: [3, (w, a) => k.mx_port_cancel(pick(w, a[0]), pick(w, a[1]), a[2] as bigint)],
  mx_object_wait_async: [5, (w, a) => k.mx_object_wait_async(pick(w, a[0]), pick(w, a[1]), a[2] as bigint, a[3] as number, a[4] as number)],
  mx_object_wait_one: [4, (w, a) => k.mx_object_wait_one(pick(w, a[0]), a[1] as number, 0n, a[3] as never)],
  mx_object_wait_many: [3, (_w, a) => k.mx_object_wait_many(a[0] as never, a[1] as number, 0n)],
  mx_object_signal: [3, (w, a) => k.mx_object_signal(pick(w, a[0]), a[1] as number, a[2] as number)],
  mx_object_signal_peer: [3, (w, a) => k.mx_object_signal_peer(pick(w, a[0]), a[1] as number, a[2] as number)],
  mx_channel_create: [3, (_w, a) => k.mx_channel_create(a[0] as number, a[1] as never, a[2] as never)],
  mx_channel_write: [6, (w, a) => k.mx_channel_write(pick(w, a[0]), a[1] as number, a[2] as never, a[3] as number, a[4] as never, a[5] as number)],
  mx_channel_read: [8, (w, a) => k.mx_channel_read(pick(w, a[0]), a[1] as number, a[2] as never, a[3] as never, a[4] as number, a[5] as number, a[6] as never, a[7] as never)],
  mx_channel_call: [7, (w, a) => k.mx_channel_call(pick(w, a[0]), a[1] as number, 0n, a[3] as never, a[4] as never, a[5] as never, a[6] as never)],
  mx_handle_close: [1, (_w, a) => k.mx_handle_close(a[0] as number)],
  mx_handle_duplicate: [3, (w, a) => k.mx_handle_duplicate(pick(w, a[0]), a[1] as number, a[2] as never)],
  mx_handle_replace: [3, (_w, a) => k.mx_handle_replace(a[0] as number, a[1] as number, a[2] as never)],
  mx_event_create: [2, (_w, a) => k.mx_event_create(a[0] as number, a[1] as never)],
  mx_eventpair_create: [3, (_w, a) => k.mx_eventpair_create(a[0] as number, a[1] as never, a[2] as never)],
  mx_timer_create: [3, (_w, a) => k.mx_timer_create(a[0] as number, a[1] as number, a[2] as never)],
  mx_timer_start: [4, (w, a) => k.mx_timer_start(pick(w, a[0]), a[1] as bigint, a[2] as bigint, a[3] as bigint)],
  mx_timer_cancel: [1, (_w, a) => k.mx_timer_cancel(a[0] as number)],
  mx_nanosleep: [1, (_w, a) => k.mx_nanosleep(typeof a[0] === "bigint" || (typeof a[0] === "number" && a[0] > 1e6) ? 0n : (a[0] as number))],
  mx_interrupt_create: [3, (_w, a) => k.mx_interrupt_create(a[0] as number, a[1] as number, a[2] as never)],
  mx_interrupt_bind: [4, (w, a) => k.mx_interrupt_bind(pick(w, a[0]), pick(w, a[1]), a[2] as bigint, a[3] as number)],
  mx_interrupt_ack: [1, (w, a) => k.mx_interrupt_ack(pick(w, a[0]))],
};

/** A junk value, or (for small integers) one of the world's real handles. */
function pick(w: World, v: unknown): number {
  const hs = Object.values(w);
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v < hs.length ? hs[v] : (v as number);
}

describe("wrong-kind arguments (fast-check)", () => {
  for (const [name, [arity, call]] of Object.entries(calls)) {
    it(`${name} returns a status for any junk and, when it fails, changes nothing`, () => {
      fc.assert(
        fc.property(fc.array(junk, { minLength: arity, maxLength: arity + 2 }), (args) => {
          const base = k.kernel_stats().handles;
          const w = world();
          const before = snapshot(w);
          let status: unknown;
          assert.doesNotThrow(() => {
            status = call(w, args);
          });
          assert.equal(typeof status, "number");
          assert.ok((status as number) <= 0, `${name} returned ${String(status)}`);
          // channel_read/port_wait may legitimately consume; nothing is queued in a fresh world, so nothing changes.
          // A successful create/duplicate adds handles; otherwise the state must be exactly as before.
          if (status !== k.MX_OK) assert.equal(snapshot(w), before);
          close(w);
          // a successful create or duplicate wrote its handles into junk out-objects: close them too
          for (const a of args) {
            const value = written(a);
            if (typeof value === "number") k.mx_handle_close(value);
          }
          assert.equal(k.kernel_stats().handles, base);
        }),
        { numRuns: 150 },
      );
    });
  }

  it("every syscall of js-api.md is exported as a function", () => {
    for (const name of Object.keys(calls)) assert.equal(typeof (k as Record<string, unknown>)[name], "function", name);
    for (const name of ["mx_time_get", "mx_deadline_after"]) assert.equal(typeof (k as Record<string, unknown>)[name], "function");
    for (const name of ["mx_port_wait", "mx_object_wait_one", "mx_object_wait_many", "mx_channel_call", "mx_nanosleep"]) {
      assert.equal(typeof (k.awaitable as Record<string, unknown>)[name], "function");
    }
  });

  it("mx_time_get and mx_deadline_after never throw", () => {
    fc.assert(
      fc.property(junk, (v) => {
        assert.equal(typeof k.mx_time_get(v as number), "bigint");
        assert.equal(typeof k.mx_deadline_after(v as bigint), "bigint");
      }),
    );
  });
});
