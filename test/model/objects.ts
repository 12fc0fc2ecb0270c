/**
 * The reference model's records: kernel objects, handles, messages, packets, observers and blocked calls.
 *
 * They are plain data; every behaviour lives in core.ts and model.ts. Links between records are direct object
 * references and lists are plain arrays (FIFO: index 0 is the oldest, except `observers`, see below), so the state
 * can be read in a debugger as it is.
 */

export type Kind = "port" | "channel" | "event" | "eventpair" | "timer";

interface Base {
  /** Debug name ("channel#3"). */
  readonly name: string;
  /** The signal word (unsigned). Ports have none and never use it. */
  signals: number;
  /**
   * Async port observers and object waits on this object, NEWEST FIRST (index 0): Magenta pushes observers at the
   * front and visits them in list order, so packets from one state change reach a port in reverse registration
   * order.
   */
  observers: Observer[];
}

export interface PortObj extends Base {
  readonly kind: "port";
  v2: boolean;
  /** Queued packets, oldest first. */
  packets: Packet[];
  /** Blocked port waits, in arrival order. */
  waiters: PortWait[];
  /** No handles left: queue attempts fail with BAD_STATE. */
  dead: boolean;
}

export interface ChannelObj extends Base {
  readonly kind: "channel";
  peer: ChannelObj | null;
  /** Messages written by the peer, oldest first. */
  messages: Message[];
  /** Blocked channel_calls made on this endpoint, in arrival order. */
  callers: CallWait[];
}

export interface EventObj extends Base {
  readonly kind: "event";
}

export interface EventPairObj extends Base {
  readonly kind: "eventpair";
  peer: EventPairObj | null;
}

export interface TimerObj extends Base {
  readonly kind: "timer";
  period: bigint;
  /** The timer's entry in the deadline list while armed. */
  entry: Deadline | null;
}

export type Obj = PortObj | ChannelObj | EventObj | EventPairObj | TimerObj;

/** A handle: live in the caller's table, or travelling inside an unread message (`transit`). */
export interface Handle {
  value: number;
  readonly obj: Obj;
  rights: number;
  transit: boolean;
}

export interface Message {
  readonly bytes: Uint8Array;
  readonly handles: Handle[];
}

/** A port packet: the bytes a wait copies out (48 for V2, the queued size for V1). */
export interface Packet {
  readonly bytes: Uint8Array;
  /** User and V1 packets count against the port's packet limit; signal packets do not. */
  readonly counted: boolean;
  /** The async observer that queued it (signal packets). */
  readonly observer: AsyncObserver | null;
}

/** An mx_object_wait_async registration. */
export interface AsyncObserver {
  readonly kind: "async";
  readonly handle: number;
  readonly port: PortObj;
  readonly key: bigint;
  readonly trigger: number;
  readonly once: boolean;
  /** Its one packet while that sits in the port's queue (a REPEATING observer has at most one in flight). */
  inFlight: Packet | null;
}

/** One handle of an mx_object_wait_one / wait_many: it accumulates every state it sees. */
export interface WaitObserver {
  readonly kind: "wait";
  readonly obj: Obj;
  readonly handle: number;
  readonly waitfor: number;
  observed: number;
  readonly wait: Wait;
}

export type Observer = AsyncObserver | WaitObserver;

/** An entry of the kernel's deadline list: served in order of `at`, ties in order of arming (`seq`). */
export interface Deadline {
  readonly at: bigint;
  readonly seq: number;
  readonly fire: (now: bigint) => void;
}

/**
 * A blocked call, synchronous or awaitable. `finish` (core.ts) ends it exactly once: it leaves every list, then
 * `report` writes the call's out-parameters and may turn the status into INVALID_ARGS, then the promise resolves.
 */
export interface Wait {
  done: boolean;
  status: number;
  resolve: ((status: number) => void) | null;
  entry: Deadline | null;
  /** Status when the deadline passes. */
  readonly timeoutStatus: number;
  detach(): void;
  report(status: number): number;
}

export interface PortWait {
  readonly wait: Wait;
  readonly port: PortObj;
  readonly handle: number;
  readonly dst: unknown;
  /** The `size` argument (V1 buffer size). */
  readonly want: number;
}

export interface CallWait {
  readonly wait: Wait;
  readonly handle: number;
  readonly txid: number;
  readonly rdBytes: unknown;
  readonly rdHandles: unknown;
  readonly rdNumBytes: number;
  readonly rdNumHandles: number;
  /** The call's size out-parameters, written as its reply is taken. */
  readonly actualBytes: unknown;
  readonly actualHandles: unknown;
  readStatus: number;
}
