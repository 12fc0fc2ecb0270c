/**
 * fast-check arbitraries for fuzzer steps (host only: the board receives sequences as data).
 *
 * The weights lean towards calls that succeed and build state (objects, queued packets and messages, observers,
 * waits with deadlines), because errors are only interesting once there is state to corrupt; every argument still
 * takes a wrong kind, a stale or wrapped handle, or a value just past a limit some of the time.
 */
import fc from "fast-check";
import type { Buffer, Bytes, Deadline, HandleRef, HandlesIn, HandlesOut, Junk, Kind, Mode, OutKind, Packet, PortSize, Scalar, Step, WaitItem } from "./steps.ts";

const junk: fc.Arbitrary<Junk> = fc.constantFrom("zero", "neg", "frac", "nan", "str", "null", "undef", "bigint", "huge");

/** `common` about 19 times in 20: a call has several arguments, and most calls should pass every check. */
function rare<T>(common: fc.Arbitrary<T>, ...others: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 19 * others.length, arbitrary: common }, ...others.map((arbitrary) => ({ weight: 1, arbitrary })));
}

const k = fc.nat(15);

/** Mostly a live handle of the kind the call wants, else any live one; sometimes a dead value, a wrapped one or junk. */
function ref(...kinds: Kind[]): fc.Arbitrary<HandleRef> {
  return fc.oneof(
    { weight: 30, arbitrary: fc.record({ t: fc.constantFrom(...kinds), k }) },
    { weight: 6, arbitrary: k },
    { weight: 1, arbitrary: fc.record({ dead: k }) },
    { weight: 1, arbitrary: fc.record({ wrap: k }) },
    { weight: 1, arbitrary: junk },
  );
}
const waitable = ref("event", "eventpair", "channel", "timer");
const anyHandle = ref("event", "eventpair", "channel", "timer", "port", "port1");
const port = ref("port", "port", "port1");
const channel = ref("channel");
const timer = ref("timer");

const options: fc.Arbitrary<Scalar> = rare<Scalar>(fc.constant(0), fc.constantFrom(1, 2, -1), junk);

/**
 * Signal masks to wait for: the few bits that calls set (two user signals, SIGNALED, a channel's READABLE and
 * PEER_CLOSED, LAST_HANDLE), so that waits and observers meet the changes; bit 31 both ways; and wrong ones.
 */
const signals: fc.Arbitrary<Scalar> = rare<Scalar>(
  fc.constantFrom(1 << 24, 2 << 24, 3 << 24, 8, (1 << 24) | 8, 1, 4, 5, 0x400000),
  fc.constantFrom(0x80000000, 1 << 31, 0xff000008),
  fc.constantFrom(0, -1, 2 ** 32, 0x10),
  junk,
);

/** Masks to set and clear: mostly the same few bits the waits watch, so that changes meet waiters. */
const change: fc.Arbitrary<Scalar> = rare<Scalar>(
  fc.constantFrom(0, 0, 1 << 24, 2 << 24, 8, (1 << 24) | 8),
  fc.constantFrom(1 << 31, 0x80000000, 0xff000000),
  fc.constantFrom(1, 0x400000, -1, 2 ** 32),
  junk,
);

const rights: fc.Arbitrary<Scalar> = rare<Scalar>(fc.constantFrom(0x80000000, 0x0f, 0x0e, 0x0c, 0x0a, 0x06, 4, 8, 2, 0), fc.constantFrom(0x10, 0x1f, -1), junk);

const out: fc.Arbitrary<OutKind> = rare<OutKind>(fc.constant("ok"), fc.constantFrom("null", "undef", "frozen", "num", "empty"));

const deadlineSync: fc.Arbitrary<Deadline> = rare<Deadline>(
  fc.oneof(fc.record({ in: fc.integer({ min: 0, max: 3 }) }), fc.constant("zero" as const)),
  fc.record({ num: fc.integer({ min: 0, max: 3 }) }),
  fc.constantFrom("neg", "frac", "str", "over"),
);
const deadlineAsync: fc.Arbitrary<Deadline> = fc.oneof({ weight: 6, arbitrary: deadlineSync }, { weight: 1, arbitrary: fc.constant("inf" as const) });

const mode: fc.Arbitrary<Mode> = fc.constantFrom("sync", "async", "async");

const seed = fc.nat(3);
const bytes = (maxLen: number): fc.Arbitrary<Bytes> =>
  rare<Bytes>(fc.record({ kind: fc.constant("u8" as const), len: fc.nat(maxLen), seed }), fc.record({ kind: fc.constantFrom("array", "u16", "null"), len: fc.nat(maxLen), seed }));

const buffer = (lens: fc.Arbitrary<number>): fc.Arbitrary<Buffer> =>
  rare<Buffer>(fc.record({ kind: fc.constant("u8" as const), len: lens }), fc.record({ kind: fc.constantFrom("array", "u16", "null"), len: lens }));

/** V2 packets, and byte buffers (what a V1 port takes: 16 to 48 bytes, sometimes too short for the header). */
const packet: fc.Arbitrary<Packet> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pkt" as const), key: fc.nat(3), status: fc.constantFrom(0, -1, 7), seed }) },
  { weight: 2, arbitrary: bytes(48).map((b) => ({ ...b, len: b.len < 12 ? 16 + (b.len % 3) * 16 : b.len < 16 ? b.len : 16 + (b.len % 3) * 16 })) },
);

/** A port call's size: mostly what the port wants ("fit"), else 0, one of `sizes`, or junk. */
function portSize(...sizes: number[]): fc.Arbitrary<PortSize> {
  return rare<PortSize>(fc.constant("fit" as const), fc.constant(0), fc.constantFrom(...sizes), junk);
}

const handlesIn: fc.Arbitrary<HandlesIn> = fc.record({
  kind: rare(fc.constant("array" as const), fc.constantFrom("u32", "null")),
  refs: fc.oneof({ weight: 3, arbitrary: fc.constant<HandleRef[]>([]) }, { weight: 2, arbitrary: fc.array(anyHandle, { minLength: 1, maxLength: 2 }) }),
});
const handlesOut: fc.Arbitrary<HandlesOut> = fc.record({ kind: rare(fc.constant("array" as const), fc.constantFrom("u32", "null")), len: fc.nat(3) });

/** A count: usually the buffer's own length, sometimes one more, a limit plus one, or junk. */
const countFor = (len: number, limit: number): fc.Arbitrary<Scalar> => rare<Scalar>(fc.constant(len), fc.constantFrom(len + 1, limit + 1, -1), junk);

const waitItem: fc.Arbitrary<WaitItem> = fc.record({ h: waitable, waitfor: signals, frozen: rare(fc.constant(false), fc.constant(true)) });

const steps: { weight: number; arbitrary: fc.Arbitrary<Step> }[] = [
  { weight: 5, arbitrary: fc.record({ op: fc.constant("port_create"), options: rare<Scalar>(fc.constant(1), fc.constant(0), fc.constantFrom(2, -1), junk), out }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("channel_create"), options, out }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("event_create"), options, out }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("eventpair_create"), options, out }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("timer_create"), options, clock: rare<Scalar>(fc.constant(0), fc.constantFrom(1, 2), junk), out }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("port_queue"), h: port, packet, size: portSize(16, 32, 48, 128, 129) }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("port_wait"),
      mode,
      h: port,
      deadline: deadlineAsync,
      buf: rare<Buffer>(fc.constant({ kind: "pkt", len: 48 }), buffer(fc.constantFrom(16, 32, 47, 48, 64))),
      size: portSize(16, 32, 48, 64),
    }).map((s) => (s.mode === "sync" && s.deadline === "inf" ? { ...s, deadline: "zero" as const } : s)),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("port_cancel"), h: port, source: waitable, key: fc.nat(3) }) },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant("wait_async"), h: fc.oneof(waitable, fc.constant({ peer: "written" as const })), port, key: fc.nat(3), signals, options: rare<Scalar>(fc.constantFrom(0, 1), fc.constantFrom(2, -1), junk) }),
  },
  {
    weight: 4,
    arbitrary: fc
      .record({ op: fc.constant("wait_one"), mode, h: fc.oneof({ weight: 4, arbitrary: waitable }, { weight: 1, arbitrary: fc.constant({ peer: "written" as const }) }), signals, deadline: deadlineAsync, out })
      .map((s) => (s.mode === "sync" && s.deadline === "inf" ? { ...s, deadline: "zero" as const } : s)),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        op: fc.constant("wait_many"),
        mode,
        items: rare(fc.array(waitItem, { maxLength: 3 }), fc.constant(null)),
        count: fc.option(rare<Scalar>(fc.nat(3), fc.constantFrom(1025, -1), junk), { nil: undefined }),
        deadline: deadlineAsync,
      })
      .map((s) => ({
        op: "wait_many" as const,
        mode: s.mode,
        items: s.items,
        count: s.count ?? (s.items === null ? 0 : s.items.length),
        deadline: s.mode === "sync" && s.deadline === "inf" ? ("zero" as const) : s.deadline,
      })),
  },
  { weight: 5, arbitrary: fc.record({ op: fc.constantFrom("signal" as const, "signal_peer" as const), h: waitable, clear: change, set: change }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant("channel_write"), h: channel, options, bytes: bytes(8), handles: handlesIn }).chain((s) =>
      fc.record({ numBytes: countFor(s.bytes.len, 65536), numHandles: countFor(s.handles.refs.length, 64) }).map((c) => ({ ...s, ...c })),
    ),
  },
  {
    weight: 6,
    arbitrary: fc
      .record({
        op: fc.constant("channel_read"),
        h: fc.oneof(fc.constant({ peer: "written" as const }), channel),
        options: rare<Scalar>(fc.constant(0), fc.constant(1), fc.constant(2), junk),
        bytes: buffer(fc.nat(10)),
        handles: handlesOut,
        actualBytes: out,
        actualHandles: out,
      })
      .chain((s) => fc.record({ numBytes: countFor(s.bytes.len, 65536), numHandles: countFor(s.handles.len, 64) }).map((c) => ({ ...s, ...c }))),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        op: fc.constant("channel_call"),
        mode,
        h: channel,
        options,
        deadline: deadlineAsync,
        wrBytes: bytes(8),
        wrHandles: handlesIn,
        rdBytes: buffer(fc.nat(10)),
        rdHandles: handlesOut,
        readStatus: rare<OutKind>(fc.constant("ok"), fc.constantFrom("null", "frozen")),
      })
      .chain((s) =>
        fc
          .record({
            wrNumBytes: countFor(s.wrBytes.len, 65536),
            wrNumHandles: countFor(s.wrHandles.refs.length, 64),
            rdNumBytes: countFor(s.rdBytes.len, 65536),
            rdNumHandles: countFor(s.rdHandles.len, 64),
          })
          .map((c) => ({ ...s, ...c, deadline: s.mode === "sync" && s.deadline === "inf" ? ("zero" as const) : s.deadline })),
      ),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("close"), h: anyHandle }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("duplicate" as const, "replace" as const), h: anyHandle, rights, out }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("timer_start"),
      h: timer,
      deadline: deadlineSync,
      period: rare<number | Junk>(fc.constantFrom(0, 0, 1, 2), junk),
      slack: rare<number | Junk>(fc.constant(0), junk),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("timer_cancel"), h: timer }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("nanosleep"), mode, deadline: deadlineAsync }).map((s) => (s.mode === "sync" && s.deadline === "inf" ? { ...s, deadline: "zero" as const } : s)),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("advance"), ticks: fc.integer({ min: 1, max: 3 }) }) },
];

export const step: fc.Arbitrary<Step> = fc.oneof(...steps);

/**
 * The objects every sequence starts with (two V2 ports, a V1 port, two channels, an event, an event pair and a
 * timer), so that generated calls meet objects of every kind from the first step rather than after the few
 * creations that chance provides.
 */
export const FIXTURE: readonly Step[] = [
  { op: "port_create", options: 1, out: "ok" },
  { op: "port_create", options: 1, out: "ok" },
  { op: "port_create", options: 0, out: "ok" },
  { op: "channel_create", options: 0, out: "ok" },
  { op: "channel_create", options: 0, out: "ok" },
  { op: "event_create", options: 0, out: "ok" },
  { op: "eventpair_create", options: 0, out: "ok" },
  { op: "timer_create", options: 0, clock: 0, out: "ok" },
];

/** A sequence of steps after the fixture, as `fc.sample` draws them for a board (`fc.commands` for the live fuzzer). */
export function sequence(maxLength: number): fc.Arbitrary<Step[]> {
  return fc.array(step, { minLength: 1, maxLength, size: "max" }).map((steps) => [...FIXTURE, ...steps]);
}
