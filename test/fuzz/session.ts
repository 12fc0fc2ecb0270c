/**
 * Runs a sequence of fuzzer steps against one subject (the kernel, on Node or on a board, or the reference model)
 * and describes what every step did as one canonical string, its observation.
 *
 * Two subjects agree on a sequence exactly when they produce the same observations, so this one piece of code is
 * all the fuzzer needs on both sides: on Node the kernel's and the model's observations are compared step by step,
 * on a board the kernel's are compared with the model's recorded on the host. An observation holds the status, the
 * out-parameters and buffers the call wrote, the waits that ended during the step (in the order they started, with
 * what they wrote), the signal state of every handle value seen so far (read with `mx_object_wait_one(h, 0, 0)`,
 * which also tells a live handle from a dead one), the number of handles in the kernel, and anything the subject
 * finds inconsistent in itself (the kernel's invariant walker, after every step). Handle values appear as
 * `h<k>`, the k-th distinct value seen, so subjects that number their handles differently still compare equal.
 */
import { mx_port_packet_t } from "../../kernel/index.ts";
import type { Buffer, Bytes, Deadline, HandleRef, HandlesIn, HandlesOut, Junk, Kind, OutKind, Packet, PortSize, Scalar, Step } from "./steps.ts";

type Fn = (...args: any[]) => any;

/** The syscalls a subject offers, with the kernel's names and argument order (kernel/index.ts, js-api.md). */
export interface Syscalls {
  mx_port_create: Fn;
  mx_port_queue: Fn;
  mx_port_wait: Fn;
  mx_port_cancel: Fn;
  mx_object_wait_async: Fn;
  mx_object_wait_one: Fn;
  mx_object_wait_many: Fn;
  mx_object_signal: Fn;
  mx_object_signal_peer: Fn;
  mx_channel_create: Fn;
  mx_channel_write: Fn;
  mx_channel_read: Fn;
  mx_channel_call: Fn;
  mx_handle_close: Fn;
  mx_handle_duplicate: Fn;
  mx_handle_replace: Fn;
  mx_event_create: Fn;
  mx_eventpair_create: Fn;
  mx_timer_create: Fn;
  mx_timer_start: Fn;
  mx_timer_cancel: Fn;
  mx_time_get: Fn;
  mx_nanosleep: Fn;
  awaitable: {
    mx_port_wait: Fn;
    mx_object_wait_one: Fn;
    mx_object_wait_many: Fn;
    mx_channel_call: Fn;
    mx_nanosleep: Fn;
  };
}

export interface Subject {
  sys: Syscalls;
  /** Handles in existence, travelling ones included (kernel_stats().handles). */
  handleCount(): number;
  /** What the subject finds inconsistent in itself (kernel_check(); the model has nothing to report). */
  check(): string[];
  /**
   * Moves time to `t`, serving the deadlines on the way one at a time as a board does (its alarm fires at each),
   * then lets the promise jobs run.
   */
  advanceTo(t: bigint): Promise<void>;
}

const BAD_HANDLE = -11;
const INFINITE = 0xffff_ffff_ffff_ffffn;

function junk(j: Junk): unknown {
  switch (j) {
    case "zero":
      return 0;
    case "neg":
      return -1;
    case "frac":
      return 1.5;
    case "nan":
      return NaN;
    case "str":
      return "1";
    case "null":
      return null;
    case "undef":
      return undefined;
    case "bigint":
      return 1n;
    case "huge":
      return 2 ** 40;
  }
}

function fill(len: number, seed: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < len; i++) a.push((seed * 37 + i * 11 + 5) & 255);
  return a;
}

function hex(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] & 255).toString(16).padStart(2, "0");
  return s;
}

function outParam(kind: OutKind): unknown {
  switch (kind) {
    case "ok":
      return { value: 0 };
    case "null":
      return null;
    case "undef":
      return undefined;
    case "frozen":
      return Object.freeze({ value: 0 });
    case "num":
      return 5;
    case "empty":
      return {};
  }
}

/** A wait that ended: its start order and what it reported. */
interface Ended {
  id: number;
  status: unknown;
  read: () => unknown;
}

export class Session {
  /** Every distinct handle value seen, in order of first appearance. */
  readonly values: number[] = [];
  /** Indexes of values once found dead: handle values are not reused soon, so they are not asked again. */
  private readonly dead = new Set<number>();
  /** What made each value, by index, when the sequence knows. */
  private readonly kinds = new Map<number, Kind>();
  /** The two ends of each channel and event pair made in the sequence, by index. */
  private readonly peers = new Map<number, number>();
  /** The peer of the channel end last written to successfully: where that message waits. */
  private written: number | undefined;
  private waits = 0;
  private endedTotal = 0;
  private ended: Ended[] = [];
  private latest: bigint;

  constructor(
    private readonly subject: Subject,
    /** The time the sequence starts: tick 0 begins here. */
    private readonly epoch: bigint,
    private readonly tick: bigint,
  ) {
    this.latest = epoch;
  }

  private get sys(): Syscalls {
    return this.subject.sys;
  }

  private pick(indexes: number[], k: number): number {
    return indexes.length === 0 ? 0 : this.values[indexes[k % indexes.length]];
  }

  private handle(ref: HandleRef): unknown {
    if (typeof ref === "string") return junk(ref);
    const live: number[] = [];
    const dead: number[] = [];
    for (let i = 0; i < this.values.length; i++) (this.dead.has(i) ? dead : live).push(i);
    if (typeof ref === "number") return this.pick(live, ref);
    if ("dead" in ref) return this.pick(dead, ref.dead);
    if ("wrap" in ref) return this.pick(live, ref.wrap) + 2 ** 32;
    const t = "peer" in ref ? "channel" : ref.t;
    if ("peer" in ref && this.written !== undefined && !this.dead.has(this.written)) return this.values[this.written];
    const ofKind = live.filter((i) => this.kinds.get(i) === t);
    return this.pick(ofKind.length > 0 ? ofKind : live, "k" in ref ? ref.k : 0);
  }

  /** Records what made the handles a call returned (only when it succeeded: a failed call's values are dead). */
  private label(status: unknown, kind: Kind | undefined, ...outs: unknown[]): void {
    if (status !== 0 || kind === undefined) return;
    for (const o of outs) {
      const name = this.out(o, true);
      if (typeof name === "string" && name.startsWith("h")) this.kinds.set(Number(name.slice(1)), kind);
    }
  }

  private scalar(s: Scalar): unknown {
    return typeof s === "number" ? s : junk(s);
  }

  /** A port call's size; "fit" is 0 for a V2 port and `length` for a V1 port (its kind as the sequence knows it). */
  private portSize(s: PortSize, port: unknown, length: number): unknown {
    if (s !== "fit") return this.scalar(s);
    return typeof port === "number" && this.kinds.get(this.values.indexOf(port)) === "port1" ? length : 0;
  }

  /** The tick the subject's clock is in (reading it is a syscall, so it serves due deadlines on both sides alike). */
  private currentTick(): bigint {
    return ((this.sys.mx_time_get(0) as bigint) - this.epoch) / this.tick;
  }

  private deadline(d: Deadline): unknown {
    if (typeof d === "object") {
      const t = this.epoch + (this.currentTick() + BigInt("in" in d ? d.in : d.num)) * this.tick;
      if (t > this.latest) this.latest = t;
      return "in" in d ? t : Number(t);
    }
    switch (d) {
      case "zero":
        return 0n;
      case "inf":
        return INFINITE;
      case "neg":
        return -1n;
      case "frac":
        return 1.5;
      case "str":
        return "1";
      case "over":
        return INFINITE + 1n;
    }
  }

  private bytes(b: Bytes): unknown {
    const data = fill(b.len, b.seed);
    switch (b.kind) {
      case "u8":
        return Uint8Array.from(data);
      case "array":
        return data;
      case "u16":
        return Uint16Array.from(data);
      case "null":
        return null;
    }
  }

  private packet(p: Packet): unknown {
    if (p.kind !== "pkt") return this.bytes(p);
    const pkt = new mx_port_packet_t();
    pkt.bytes.set(fill(32, p.seed), 16);
    pkt.key = BigInt(p.key);
    pkt.status = p.status;
    return pkt;
  }

  private buffer(b: Buffer): unknown {
    switch (b.kind) {
      case "pkt":
        return new mx_port_packet_t();
      case "u8":
        return new Uint8Array(b.len);
      case "array":
        return new Array<number>(b.len).fill(0);
      case "u16":
        return new Uint16Array(b.len);
      case "null":
        return null;
    }
  }

  private handlesIn(h: HandlesIn): unknown {
    const values = h.refs.map((r) => this.handle(r));
    switch (h.kind) {
      case "array":
        return values;
      case "u32":
        return Uint32Array.from(values.map((v) => (typeof v === "number" ? v : 0)));
      case "null":
        return null;
    }
  }

  private handlesOut(h: HandlesOut): unknown {
    switch (h.kind) {
      case "array":
        return new Array<number>(h.len).fill(0);
      case "u32":
        return new Uint32Array(h.len);
      case "null":
        return null;
    }
  }

  /** A handle value as it appears in observations. */
  private name(v: unknown): unknown {
    if (typeof v !== "number" || v === 0 || !Number.isFinite(v)) return v === undefined ? "undef" : v;
    let i = this.values.indexOf(v);
    if (i < 0) i = this.values.push(v) - 1;
    return `h${i}`;
  }

  /** What a buffer holds now (bytes or handle names); reading a caller's buffer never runs caller code here. */
  private contents(b: unknown, handles = false): unknown {
    if (b === null || b === undefined) return null;
    if (b instanceof mx_port_packet_t) return hex(b.bytes);
    if (handles) return Array.from(b as ArrayLike<number>, (v) => this.name(v));
    if (b instanceof Uint16Array) return hex(new Uint8Array(b.buffer));
    return hex(b as ArrayLike<number>);
  }

  private out(o: unknown, handle = false): unknown {
    if (typeof o !== "object" || o === null) return null;
    const v = (o as { value?: unknown }).value;
    return handle ? this.name(v) : v === undefined ? "undef" : v;
  }

  private call(f: () => unknown): unknown {
    try {
      return f();
    } catch (e) {
      return `threw ${(e as Error)?.name ?? typeof e}`;
    }
  }

  /** Starts an awaitable wait; what it reports is read when it ends, into the observation of that step. */
  private start(run: () => unknown, read: () => unknown): string {
    const id = this.waits++;
    const record = (status: unknown) => {
      this.endedTotal++;
      this.ended.push({ id, status, read });
    };
    try {
      (run() as Promise<unknown>).then(record, (e: unknown) => record(`rejected ${(e as Error)?.name ?? typeof e}`));
    } catch (e) {
      record(`threw ${(e as Error)?.name ?? typeof e}`);
    }
    return `w${id}`;
  }

  /** Runs one step and returns its observation. */
  async exec(step: Step): Promise<string> {
    const sys = this.sys;
    const result: Record<string, unknown> = { op: step.op };
    switch (step.op) {
      case "port_create":
      case "event_create": {
        const out = outParam(step.out);
        const f = step.op === "port_create" ? sys.mx_port_create : sys.mx_event_create;
        result.s = this.call(() => f(this.scalar(step.options), out));
        result.o = this.out(out, true);
        this.label(result.s, step.op === "event_create" ? "event" : step.options === 0 ? "port1" : "port", out);
        break;
      }
      case "channel_create":
      case "eventpair_create": {
        const out0 = outParam(step.out);
        const out1 = outParam(step.out === "frozen" ? "ok" : step.out);
        const f = step.op === "channel_create" ? sys.mx_channel_create : sys.mx_eventpair_create;
        result.s = this.call(() => f(this.scalar(step.options), out0, out1));
        result.o = [this.out(out0, true), this.out(out1, true)];
        this.label(result.s, step.op === "channel_create" ? "channel" : "eventpair", out0, out1);
        if (result.s === 0) {
          const [a, b] = (result.o as string[]).map((n) => Number(n.slice(1)));
          this.peers.set(a, b).set(b, a);
        }
        break;
      }
      case "timer_create": {
        const out = outParam(step.out);
        result.s = this.call(() => sys.mx_timer_create(this.scalar(step.options), this.scalar(step.clock), out));
        result.o = this.out(out, true);
        this.label(result.s, "timer", out);
        break;
      }
      case "port_queue": {
        const packet = this.packet(step.packet);
        const h = this.handle(step.h);
        const length = step.packet.kind === "pkt" ? 48 : step.packet.len;
        result.s = this.call(() => sys.mx_port_queue(h, packet, this.portSize(step.size, h, length)));
        break;
      }
      case "port_wait": {
        const buf = this.buffer(step.buf);
        const h = this.handle(step.h);
        const args = [h, this.deadline(step.deadline), buf, this.portSize(step.size, h, step.buf.len)];
        if (step.mode === "sync") {
          result.s = this.call(() => sys.mx_port_wait(...args));
          result.o = this.contents(buf);
        } else result.s = this.start(() => sys.awaitable.mx_port_wait(...args), () => this.contents(buf));
        break;
      }
      case "port_cancel":
        result.s = this.call(() => sys.mx_port_cancel(this.handle(step.h), this.handle(step.source), BigInt(step.key)));
        break;
      case "wait_async":
        result.s = this.call(() =>
          sys.mx_object_wait_async(this.handle(step.h), this.handle(step.port), BigInt(step.key), this.scalar(step.signals), this.scalar(step.options)),
        );
        break;
      case "wait_one": {
        const out = outParam(step.out);
        const args = [this.handle(step.h), this.scalar(step.signals), this.deadline(step.deadline), out];
        if (step.mode === "sync") {
          result.s = this.call(() => sys.mx_object_wait_one(...args));
          result.o = this.out(out);
        } else result.s = this.start(() => sys.awaitable.mx_object_wait_one(...args), () => this.out(out));
        break;
      }
      case "wait_many": {
        const items =
          step.items === null
            ? null
            : step.items.map((i) => {
                const item = { handle: this.handle(i.h), waitfor: this.scalar(i.waitfor), pending: 0 };
                return i.frozen ? Object.freeze(item) : item;
              });
        const read = () => (items === null ? null : items.map((i) => i.pending));
        const args = [items, this.scalar(step.count), this.deadline(step.deadline)];
        if (step.mode === "sync") {
          result.s = this.call(() => sys.mx_object_wait_many(...args));
          result.o = read();
        } else result.s = this.start(() => sys.awaitable.mx_object_wait_many(...args), read);
        break;
      }
      case "signal":
      case "signal_peer": {
        const f = step.op === "signal" ? sys.mx_object_signal : sys.mx_object_signal_peer;
        result.s = this.call(() => f(this.handle(step.h), this.scalar(step.clear), this.scalar(step.set)));
        break;
      }
      case "channel_write": {
        const bytes = this.bytes(step.bytes);
        const handles = this.handlesIn(step.handles);
        const h = this.handle(step.h);
        result.s = this.call(() => sys.mx_channel_write(h, this.scalar(step.options), bytes, this.scalar(step.numBytes), handles, this.scalar(step.numHandles)));
        if (result.s === 0) this.written = this.peers.get(this.values.indexOf(h as number));
        break;
      }
      case "channel_read": {
        const bytes = this.buffer(step.bytes);
        const handles = this.handlesOut(step.handles);
        const ab = outParam(step.actualBytes);
        const ah = outParam(step.actualHandles);
        result.s = this.call(() =>
          sys.mx_channel_read(this.handle(step.h), this.scalar(step.options), bytes, handles, this.scalar(step.numBytes), this.scalar(step.numHandles), ab, ah),
        );
        result.o = [this.contents(bytes), this.contents(handles, true), this.out(ab), this.out(ah)];
        break;
      }
      case "channel_call": {
        const args = {
          wr_bytes: this.bytes(step.wrBytes),
          wr_handles: this.handlesIn(step.wrHandles),
          rd_bytes: this.buffer(step.rdBytes),
          rd_handles: this.handlesOut(step.rdHandles),
          wr_num_bytes: this.scalar(step.wrNumBytes),
          wr_num_handles: this.scalar(step.wrNumHandles),
          rd_num_bytes: this.scalar(step.rdNumBytes),
          rd_num_handles: this.scalar(step.rdNumHandles),
        };
        const ab = { value: 0 };
        const ah = { value: 0 };
        const rs = outParam(step.readStatus);
        const read = () => [this.contents(args.rd_bytes), this.contents(args.rd_handles, true), ab.value, ah.value, this.out(rs)];
        const call = [this.handle(step.h), this.scalar(step.options), this.deadline(step.deadline), args, ab, ah, rs];
        if (step.mode === "sync") {
          result.s = this.call(() => sys.mx_channel_call(...call));
          result.o = read();
        } else result.s = this.start(() => sys.awaitable.mx_channel_call(...call), read);
        break;
      }
      case "close":
        result.s = this.call(() => sys.mx_handle_close(this.handle(step.h)));
        break;
      case "duplicate":
      case "replace": {
        const out = outParam(step.out);
        const f = step.op === "duplicate" ? sys.mx_handle_duplicate : sys.mx_handle_replace;
        const h = this.handle(step.h);
        result.s = this.call(() => f(h, this.scalar(step.rights), out));
        result.o = this.out(out, true);
        this.label(result.s, typeof h === "number" ? this.kinds.get(this.values.indexOf(h)) : undefined, out);
        break;
      }
      case "timer_start": {
        const period = typeof step.period === "number" ? BigInt(step.period) * this.tick : junk(step.period);
        const slack = typeof step.slack === "number" ? BigInt(step.slack) : junk(step.slack);
        result.s = this.call(() => sys.mx_timer_start(this.handle(step.h), this.deadline(step.deadline), period, slack));
        break;
      }
      case "timer_cancel":
        result.s = this.call(() => sys.mx_timer_cancel(this.handle(step.h)));
        break;
      case "nanosleep": {
        const deadline = this.deadline(step.deadline);
        if (step.mode === "sync") result.s = this.call(() => sys.mx_nanosleep(deadline));
        else result.s = this.start(() => sys.awaitable.mx_nanosleep(deadline), () => null);
        break;
      }
      case "advance": {
        const t = this.epoch + (this.currentTick() + BigInt(step.ticks)) * this.tick;
        await this.subject.advanceTo(t);
        break;
      }
    }
    await settle();
    result.d = this.takeEnded();
    result.g = this.states();
    result.n = this.subject.handleCount();
    const problems = this.subject.check();
    if (problems.length > 0) result.problems = problems;
    return JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
  }

  private takeEnded(): unknown[] {
    const ended = this.ended.sort((a, b) => a.id - b.id);
    this.ended = [];
    return ended.map((e) => [`w${e.id}`, e.status, e.read()]);
  }

  /** Every seen value's signal state: [status, observed] from a zero-deadline wait_one, or BAD_HANDLE once dead. */
  private states(): unknown[] {
    const states: unknown[] = [];
    for (let i = 0; i < this.values.length; i++) {
      if (this.dead.has(i)) continue;
      const o = { value: 0 };
      const s = this.sys.mx_object_wait_one(this.values[i], 0, 0n, o) as number;
      if (s === BAD_HANDLE) this.dead.add(i);
      states.push([i, s, o.value]);
    }
    return states;
  }

  /**
   * Ends the sequence: closes every handle still alive, then lets time pass every deadline the sequence set, so the
   * next sequence starts from an empty kernel. Returns the final observation (every wait must have ended).
   */
  async finish(): Promise<string> {
    for (let i = 0; i < this.values.length; i++) if (!this.dead.has(i)) this.sys.mx_handle_close(this.values[i]);
    await this.subject.advanceTo(this.latest + this.tick);
    await settle();
    return JSON.stringify({
      d: this.takeEnded().map((e) => (e as unknown[]).slice(0, 2)),
      pending: this.waits - this.endedTotal,
      n: this.subject.handleCount(),
      problems: this.subject.check(),
    });
  }
}

/** Lets every promise job queued so far run (an ended wait's `then` runs one job after its promise resolves). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 6; i++) await Promise.resolve();
}
