/**
 * The fuzzer's steps: one syscall each (or time moving on), written as plain JSON so that a sequence made on the
 * host can be printed as a replayable test and shipped to a board as data.
 *
 * Arguments are symbolic, because the kernel and the model choose different handle values and a board's clock
 * starts at another time: a handle argument is a reference to the k-th handle value the sequence has seen (live,
 * closed or moved: stale values are the point), or a value of the wrong kind; a deadline is a number of ticks from
 * the current tick. `materialise.ts` turns them into JavaScript values for one subject.
 */

/** A value of the wrong kind, named so it survives JSON. */
export type Junk = "zero" | "neg" | "frac" | "nan" | "str" | "null" | "undef" | "bigint" | "huge";

/** What made a handle, as far as the sequence knows (handles received from a channel are "any"). */
export type Kind = "port" | "port1" | "channel" | "event" | "eventpair" | "timer";

/**
 * A handle argument: the k-th live handle (modulo how many are live), the k-th live handle of a kind (any live one
 * if there is none of that kind), the k-th dead value (closed or moved), a live value plus 2^32, or junk. Live and
 * dead are as the last observation showed, so every subject resolves a reference to the same handle.
 */
export type HandleRef = number | { t: Kind; k: number } | { peer: "written" } | { dead: number } | { wrap: number } | Junk;

/** A 32-bit argument (options, masks, rights, sizes, counts): any number as given, or junk. */
export type Scalar = number | Junk;

/**
 * A deadline: `{ in: k }` is the start of the tick k ticks after the current one (0: the current tick, already
 * begun, so a poll); `{ num: k }` the same as a number; otherwise 0, infinite, or junk.
 */
export type Deadline = { in: number } | { num: number } | "zero" | "inf" | "neg" | "frac" | "str" | "over";

/** An out-parameter `{ value }` as the caller passes it. */
export type OutKind = "ok" | "null" | "undef" | "frozen" | "num" | "empty";

/** Bytes the caller writes: a buffer of `len` bytes filled from `seed`. */
export interface Bytes {
  kind: "u8" | "array" | "u16" | "null";
  len: number;
  seed: number;
}

/** A buffer the kernel writes into. */
export interface Buffer {
  kind: "pkt" | "u8" | "array" | "u16" | "null";
  len: number;
}

/** A V2 packet to queue (an mx_port_packet_t), or a raw buffer (V1 packets, wrong kinds). */
export type Packet = { kind: "pkt"; key: number; status: number; seed: number } | Bytes;

/** Handles the caller passes (by reference) or receives into. */
export interface HandlesIn {
  kind: "array" | "u32" | "null";
  refs: HandleRef[];
}
export interface HandlesOut {
  kind: "array" | "u32" | "null";
  len: number;
}

export interface WaitItem {
  h: HandleRef;
  waitfor: Scalar;
  frozen: boolean;
}

export type Mode = "sync" | "async";

/**
 * A port call's size: as given, or "fit": the size the port wants, as far as the sequence knows its kind (0 for a
 * V2 port, the packet's or buffer's length for a V1 port), so that V1 ports see packets go through as often as V2.
 */
export type PortSize = Scalar | "fit";

export type Step =
  | { op: "port_create"; options: Scalar; out: OutKind }
  | { op: "channel_create"; options: Scalar; out: OutKind }
  | { op: "event_create"; options: Scalar; out: OutKind }
  | { op: "eventpair_create"; options: Scalar; out: OutKind }
  | { op: "timer_create"; options: Scalar; clock: Scalar; out: OutKind }
  | { op: "port_queue"; h: HandleRef; packet: Packet; size: PortSize }
  | { op: "port_wait"; mode: Mode; h: HandleRef; deadline: Deadline; buf: Buffer; size: PortSize }
  | { op: "port_cancel"; h: HandleRef; source: HandleRef; key: number }
  | { op: "wait_async"; h: HandleRef; port: HandleRef; key: number; signals: Scalar; options: Scalar }
  | { op: "wait_one"; mode: Mode; h: HandleRef; signals: Scalar; deadline: Deadline; out: OutKind }
  | { op: "wait_many"; mode: Mode; items: WaitItem[] | null; count: Scalar; deadline: Deadline }
  | { op: "signal"; h: HandleRef; clear: Scalar; set: Scalar }
  | { op: "signal_peer"; h: HandleRef; clear: Scalar; set: Scalar }
  | { op: "channel_write"; h: HandleRef; options: Scalar; bytes: Bytes; numBytes: Scalar; handles: HandlesIn; numHandles: Scalar }
  | {
      op: "channel_read";
      h: HandleRef;
      options: Scalar;
      bytes: Buffer;
      handles: HandlesOut;
      numBytes: Scalar;
      numHandles: Scalar;
      actualBytes: OutKind;
      actualHandles: OutKind;
    }
  | {
      op: "channel_call";
      mode: Mode;
      h: HandleRef;
      options: Scalar;
      deadline: Deadline;
      wrBytes: Bytes;
      wrHandles: HandlesIn;
      rdBytes: Buffer;
      rdHandles: HandlesOut;
      wrNumBytes: Scalar;
      wrNumHandles: Scalar;
      rdNumBytes: Scalar;
      rdNumHandles: Scalar;
      readStatus: OutKind;
    }
  | { op: "close"; h: HandleRef }
  | { op: "duplicate"; h: HandleRef; rights: Scalar; out: OutKind }
  | { op: "replace"; h: HandleRef; rights: Scalar; out: OutKind }
  | { op: "timer_start"; h: HandleRef; deadline: Deadline; period: number | Junk; slack: number | Junk }
  | { op: "timer_cancel"; h: HandleRef }
  | { op: "nanosleep"; mode: Mode; deadline: Deadline }
  | { op: "advance"; ticks: number };

/** The blocking steps: in async mode they start a wait whose end is observed in a later step. */
export function isBlocking(step: Step): step is Extract<Step, { mode: Mode }> {
  return "mode" in step;
}
