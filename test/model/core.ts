/**
 * The reference model's machinery, below the syscalls: virtual time and the deadline list, blocked calls, the
 * handle table, signal words and their observers, port queues, channel message delivery and object destruction.
 *
 * It is written for obviousness, not speed: every list is a plain array scanned linearly, an object's handle count
 * is recounted from the table when it matters, and a walk over a list that its own callbacks may shorten iterates
 * over a copy and skips entries that have left. `ModelKernel` (model.ts) adds the syscalls on top.
 *
 * Where the spec leaves an order open, the order is the kernel's (documented at each place): observers newest
 * first; on destruction, queued messages are destroyed (their handles closed) before the peer learns it is alone;
 * objects whose last handle goes while another object is being destroyed are destroyed afterwards, in FIFO order
 * (Magenta's zero-handles work list, kernel/dispatcher.ts).
 */
import {
  ERR_BAD_STATE,
  ERR_BUFFER_TOO_SMALL,
  ERR_CALL_FAILED,
  ERR_CANCELED,
  ERR_INVALID_ARGS,
  ERR_PEER_CLOSED,
  HANDLE_CLOSED,
  LAST_HANDLE,
  OK,
  PEER_CLOSED,
  PKT_TYPE_SIGNAL_ONE,
  PKT_TYPE_SIGNAL_REP,
  READABLE,
  SIGNALED,
  WRITABLE,
  byteLength,
  get32,
  packetBytes,
  put,
  put32,
  put64,
  putOpt,
  ERR_BAD_HANDLE,
  ERR_ACCESS_DENIED,
  ERR_WRONG_TYPE,
  PACKET_SIZE,
} from "./kinds.ts";
import type {
  AsyncObserver,
  CallWait,
  ChannelObj,
  Deadline,
  Handle,
  Kind,
  Message,
  Obj,
  Observer,
  Packet,
  PortObj,
  PortWait,
  TimerObj,
  Wait,
} from "./objects.ts";

export interface ModelLimits {
  maxHandles: number;
  maxPacketsPerPort: number;
  maxMessagesPerChannel: number;
}

export const DEFAULT_LIMITS: ModelLimits = { maxHandles: 1024, maxPacketsPerPort: 4096, maxMessagesPerChannel: 1024 };

export class ModelCore {
  protected time: bigint;
  readonly limits: ModelLimits;
  /** Every handle in existence: live ones and those travelling inside unread messages. */
  protected handles: Handle[] = [];
  /** Handle values are a counter: positive int32, never 0, never reused. */
  private nextValue = 0x1001;
  protected deadlines: Deadline[] = [];
  private seq = 0;
  private objCount = 0;
  /** Objects whose last handle went while another object was being destroyed. */
  private zeroList: Obj[] = [];
  private draining = false;

  constructor(options: { start?: bigint; limits?: Partial<ModelLimits> } = {}) {
    this.time = options.start ?? 1_000_000n;
    this.limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  }

  // ---- Time ---------------------------------------------------------------------------------------------------

  protected arm(at: bigint, fire: (now: bigint) => void): Deadline {
    const d: Deadline = { at, seq: this.seq++, fire };
    this.deadlines.push(d);
    return d;
  }

  protected unlink(d: Deadline | null): void {
    if (d !== null) this.deadlines = this.deadlines.filter((x) => x !== d);
  }

  private earliest(): Deadline | null {
    let best: Deadline | null = null;
    for (const d of this.deadlines) if (best === null || d.at < best.at || (d.at === best.at && d.seq < best.seq)) best = d;
    return best;
  }

  /** The kernel's service routine: every deadline <= now fires, earliest first, ties in arming order. */
  protected serveDue(): void {
    const now = this.time;
    for (;;) {
      const d = this.earliest();
      if (d === null || d.at > now) return;
      this.unlink(d);
      d.fire(now);
    }
  }

  /**
   * A synchronous blocking call: nothing else in JavaScript runs, so time jumps from deadline to deadline (serving
   * each) until the call is done. With nothing left that could end it the kernel's VirtualHal throws; so does this.
   */
  protected sleepUntilDone(w: Wait): number {
    for (;;) {
      this.serveDue();
      if (w.done) return w.status;
      const d = this.earliest();
      if (d === null) throw new Error("ModelKernel: no deadline left, the synchronous wait would never end");
      if (d.at > this.time) this.time = d.at;
    }
  }

  /** The earliest armed deadline, or null (for a driver that wants to step from deadline to deadline). */
  nextDeadline(): bigint | null {
    const d = this.earliest();
    return d === null ? null : d.at;
  }

  // ---- Blocked calls ------------------------------------------------------------------------------------------

  protected newWait(timeoutStatus: number, detach: () => void, report: (status: number) => number): Wait {
    return { done: false, status: 0, resolve: null, entry: null, timeoutStatus, detach, report };
  }

  /** Arms a wait's deadline (an infinite one is never armed). */
  protected armWait(w: Wait, deadline: bigint): void {
    if (deadline !== 0xffff_ffff_ffff_ffffn) w.entry = this.arm(deadline, () => this.finish(w, w.timeoutStatus));
  }

  /** Ends a wait once: off every list, out-parameters written (which may change the status), promise resolved. */
  protected finish(w: Wait, status: number): void {
    if (w.done) return;
    w.done = true;
    this.unlink(w.entry);
    w.entry = null;
    w.detach();
    w.status = w.report(status);
    if (w.resolve !== null) w.resolve(w.status);
  }

  // ---- Objects and handles ------------------------------------------------------------------------------------

  protected newObj<K extends Kind>(kind: K, signals: number): Extract<Obj, { kind: K }> {
    const base = { kind, name: `${kind}#${++this.objCount}`, signals: (signals | LAST_HANDLE) >>> 0, observers: [] };
    const extra =
      kind === "port" ? { v2: true, packets: [], waiters: [], dead: false }
      : kind === "channel" ? { peer: null, messages: [], callers: [] }
      : kind === "eventpair" ? { peer: null }
      : kind === "timer" ? { period: 0n, entry: null }
      : {};
    return { ...base, ...extra } as unknown as Extract<Obj, { kind: K }>;
  }

  protected isWaitable(o: Obj): boolean {
    return o.kind !== "port";
  }

  /**
   * Looks a live handle up: it must exist (BAD_HANDLE), carry `need` rights (ACCESS_DENIED) and, if `kind` is
   * given, name an object of that kind (WRONG_TYPE). Anything that is not a positive int32 names no handle.
   */
  protected lookup(v: unknown, need: number, kind?: Kind, v2?: boolean): Handle | number {
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > 0x7fff_ffff) return ERR_BAD_HANDLE;
    const h = this.handles.find((x) => !x.transit && x.value === v);
    if (h === undefined) return ERR_BAD_HANDLE;
    if ((h.rights & need) !== need) return ERR_ACCESS_DENIED;
    if (kind !== undefined && h.obj.kind !== kind) return ERR_WRONG_TYPE;
    if (v2 !== undefined && (h.obj as PortObj).v2 !== v2) return ERR_WRONG_TYPE;
    return h;
  }

  protected refs(o: Obj): number {
    return this.handles.filter((h) => h.obj === o).length;
  }

  protected room(n: number): boolean {
    return this.handles.length + n <= this.limits.maxHandles;
  }

  /** A new live handle; null when the handle limit is reached. Two handles to an object clear LAST_HANDLE. */
  protected addHandle(obj: Obj, rights: number): Handle | null {
    if (!this.room(1)) return null;
    const h: Handle = { value: this.nextValue++, obj, rights, transit: false };
    this.handles.push(h);
    if (this.refs(obj) === 2 && this.isWaitable(obj)) this.update(obj, LAST_HANDLE, 0);
    return h;
  }

  /** Closes a live handle: what waits through it ends, then the handle goes (LAST_HANDLE / destruction). */
  protected closeHandle(h: Handle): void {
    this.cancelThrough(h.obj, h.value);
    this.removeHandle(h);
  }

  /** Destroys a travelling handle (its message was discarded): the same as a close. */
  protected destroyInTransit(h: Handle): void {
    this.closeHandle(h);
  }

  /** A new value (and rights) for the same handle: waits through the old value end, the handle count is unchanged. */
  protected revalue(h: Handle, rights: number): void {
    this.cancelThrough(h.obj, h.value);
    h.value = this.nextValue++;
    h.rights = rights;
  }

  /** The value the next revalue or new handle will get. */
  protected peekNextValue(): number {
    return this.nextValue;
  }

  private removeHandle(h: Handle): void {
    this.handles = this.handles.filter((x) => x !== h);
    const n = this.refs(h.obj);
    if (n === 1 && this.isWaitable(h.obj)) this.update(h.obj, 0, LAST_HANDLE);
    if (n !== 0) return;
    this.zeroList.push(h.obj);
    if (this.draining) return;
    this.draining = true;
    while (this.zeroList.length > 0) this.onZeroHandles(this.zeroList.shift() as Obj);
    this.draining = false;
  }

  /** Handle value `value` to `o` is going away (closed, replaced, moved by a read, destroyed): end what waits through it. */
  protected cancelThrough(o: Obj, value: number): void {
    for (const ob of [...o.observers]) {
      if (!o.observers.includes(ob) || ob.handle !== value) continue;
      this.removeObserver(o, ob);
      if (ob.kind === "wait") {
        ob.observed = (ob.observed | HANDLE_CLOSED) >>> 0;
        this.finish(ob.wait, ERR_CANCELED);
      }
    }
    if (o.kind === "port") {
      for (const pw of [...o.waiters]) if (pw.handle === value) this.finish(pw.wait, ERR_CANCELED);
    }
    if (o.kind === "channel") {
      for (const cw of [...o.callers]) if (cw.handle === value) this.callFail(cw, ERR_CANCELED);
    }
  }

  /** The last handle is gone. */
  private onZeroHandles(o: Obj): void {
    switch (o.kind) {
      case "channel": {
        const peer = o.peer;
        o.peer = null;
        while (o.messages.length > 0) this.destroyMessage(this.popMessage(o));
        if (peer !== null) {
          peer.peer = null;
          this.update(peer, WRITABLE, PEER_CLOSED);
          for (const cw of [...peer.callers]) this.callFail(cw, ERR_PEER_CLOSED);
        }
        return;
      }
      case "eventpair": {
        const peer = o.peer;
        o.peer = null;
        if (peer !== null) {
          peer.peer = null;
          this.update(peer, 0, PEER_CLOSED);
        }
        return;
      }
      case "timer":
        this.unlink(o.entry);
        o.entry = null;
        return;
      case "port":
        // Queued packets are dropped; observers aimed at this port are retired when they next try to queue.
        o.dead = true;
        while (o.packets.length > 0) this.dequeuePacket(o);
        return;
      case "event":
        return;
    }
  }

  // ---- Signals and observers ----------------------------------------------------------------------------------

  /** Clears then sets bits; observers hear of it only if the word changed. */
  protected update(o: Obj, clear: number, set: number): void {
    const next = ((o.signals & ~clear) | set) >>> 0;
    if (next === o.signals) return;
    o.signals = next;
    this.notify(o, next);
  }

  /** Notifies observers as if `bits` were set, without storing them (a periodic timer's strobe). */
  protected strobe(o: Obj, bits: number): void {
    this.notify(o, (o.signals | bits) >>> 0);
  }

  private notify(o: Obj, state: number): void {
    for (const ob of [...o.observers]) {
      if (!o.observers.includes(ob)) continue;
      if (ob.kind === "async") {
        if (this.asyncMaybeQueue(ob, state, 1)) this.removeObserver(o, ob);
      } else {
        ob.observed = (ob.observed | state) >>> 0;
        if ((state & ob.waitfor) !== 0) this.finish(ob.wait, OK);
      }
    }
  }

  /** Adds an observer at the front, after its initial check (an async observer may be done at once). */
  protected addObserver(o: Obj, ob: Observer): void {
    if (ob.kind === "async") {
      const count = (ob.trigger & READABLE) !== 0 && o.kind === "channel" && o.messages.length > 0 ? o.messages.length : 1;
      if (this.asyncMaybeQueue(ob, o.signals, count)) return;
    } else {
      ob.observed = o.signals;
    }
    o.observers.unshift(ob);
  }

  protected removeObserver(o: Obj, ob: Observer): void {
    o.observers = o.observers.filter((x) => x !== ob);
  }

  /**
   * Magenta's PortObserver::MaybeQueue: with a trigger bit in `state` and no packet of its own in flight, the
   * observer queues a packet holding the full state and `count`. True when the observer is finished (ONCE after
   * firing, or its port is gone).
   */
  private asyncMaybeQueue(ob: AsyncObserver, state: number, count: number): boolean {
    if ((ob.trigger & state) === 0) return false;
    let status = OK;
    if (ob.inFlight === null) {
      const b = new Uint8Array(PACKET_SIZE);
      put64(b, 0, ob.key);
      put32(b, 8, ob.once ? PKT_TYPE_SIGNAL_ONE : PKT_TYPE_SIGNAL_REP);
      put32(b, 12, OK);
      put32(b, 16, ob.trigger);
      put32(b, 20, state);
      put64(b, 24, BigInt(count));
      status = this.portQueue(ob.port, { bytes: b, counted: false, observer: ob });
    }
    return ob.once || status !== OK;
  }

  // ---- Ports --------------------------------------------------------------------------------------------------

  /** Hands a packet to the first waiter that can take it, or queues it. BAD_STATE once the port is dead. */
  protected portQueue(port: PortObj, p: Packet): number {
    if (port.dead) return ERR_BAD_STATE;
    for (const pw of [...port.waiters]) {
      if (!pw.wait.done && this.handOff(port, p, pw)) return OK;
    }
    port.packets.push(p);
    if (p.observer !== null) p.observer.inFlight = p;
    return OK;
  }

  /** V1: a waiter whose buffer is too small ends with BUFFER_TOO_SMALL and the next one is tried. */
  private handOff(port: PortObj, p: Packet, pw: PortWait): boolean {
    if (!port.v2 && pw.want < p.bytes.length) {
      this.finish(pw.wait, ERR_BUFFER_TOO_SMALL);
      return false;
    }
    this.finish(pw.wait, this.copyPacketOut(port, p, pw.dst) ? OK : ERR_INVALID_ARGS);
    return true;
  }

  /** Copies a packet into a caller's buffer: V2 the 48 bytes into a packet argument, V1 its bytes into a Uint8Array. */
  protected copyPacketOut(port: PortObj, p: Packet, dst: unknown): boolean {
    const to = port.v2 ? packetBytes(dst) : byteLength(dst) >= p.bytes.length ? (dst as Uint8Array) : null;
    if (to === null) return false;
    to.set(p.bytes, 0);
    return true;
  }

  /** Takes the first queued packet off the port (its observer may queue again). */
  protected dequeuePacket(port: PortObj): Packet {
    const p = port.packets.shift() as Packet;
    if (p.observer !== null) p.observer.inFlight = null;
    return p;
  }

  // ---- Channels -----------------------------------------------------------------------------------------------

  protected popMessage(ch: ChannelObj): Message {
    const m = ch.messages.shift() as Message;
    if (ch.messages.length === 0) this.update(ch, READABLE, 0);
    return m;
  }

  protected destroyMessage(m: Message): void {
    for (const h of m.handles) this.destroyInTransit(h);
  }

  /** A message written by the peer: to the first call waiting here with its txid, else onto the queue. */
  protected deliver(ch: ChannelObj, m: Message): void {
    const txid = m.bytes.length >= 4 ? get32(m.bytes, 0) : 0;
    const cw = ch.callers.find((c) => !c.wait.done && c.txid === txid);
    if (cw !== undefined) {
      this.callTake(cw, m);
      return;
    }
    ch.messages.push(m);
    this.update(ch, 0, READABLE);
  }

  /**
   * Copies a dequeued message into a caller's buffers, bytes before handles. A bytes buffer of the wrong kind is only
   * found when a non-empty message is copied: the message is lost, its handles closed (INVALID_ARGS). Handles get
   * new values (waits through the old ones end); a handle buffer that cannot take them closes them all.
   */
  protected copyOutMessage(m: Message, bytes: unknown, numBytes: number, handles: unknown, numHandles: number): number {
    if (m.bytes.length > 0) {
      if (!(byteLength(bytes) >= numBytes && byteLength(bytes) >= m.bytes.length)) {
        this.destroyMessage(m);
        return ERR_INVALID_ARGS;
      }
      (bytes as Uint8Array).set(m.bytes, 0);
    }
    if (m.handles.length > 0) {
      for (const h of m.handles) {
        this.revalue(h, h.rights);
        h.transit = false;
      }
      if (!writeHandles(handles, numHandles, m.handles.map((h) => h.value))) {
        for (const h of m.handles) this.closeHandle(h);
        return ERR_INVALID_ARGS;
      }
    }
    return OK;
  }

  /** The reply to a channel_call arrived: the caller's now, or discarded (with its handles) when it does not fit. */
  private callTake(cw: CallWait, m: Message): void {
    if (m.bytes.length > cw.rdNumBytes || m.handles.length > cw.rdNumHandles) {
      this.destroyMessage(m);
      this.callFail(cw, ERR_BUFFER_TOO_SMALL);
      return;
    }
    // As sys_channel_call: the sizes before the reply's bytes and handles; a refused size loses the reply.
    if (!(put(cw.actualBytes, "value", m.bytes.length) && put(cw.actualHandles, "value", m.handles.length))) {
      this.destroyMessage(m);
      this.callFail(cw, ERR_INVALID_ARGS);
      return;
    }
    const status = this.copyOutMessage(m, cw.rdBytes, cw.rdNumBytes, cw.rdHandles, cw.rdNumHandles);
    if (status === OK) this.finish(cw.wait, OK);
    else this.callFail(cw, status);
  }

  protected callFail(cw: CallWait, reason: number): void {
    if (cw.wait.done) return;
    cw.readStatus = reason;
    this.finish(cw.wait, ERR_CALL_FAILED);
  }

  /** A channel_call's read_status on CALL_FAILED (its sizes were written with the reply), nothing otherwise. */
  protected callReport(cw: CallWait, status: number, readStatus: unknown): number {
    if (status !== ERR_CALL_FAILED) return status;
    return putOpt(readStatus, cw.readStatus) ? status : ERR_INVALID_ARGS;
  }

  // ---- Timers -------------------------------------------------------------------------------------------------

  /** One-shot: asserts SIGNALED. Periodic: re-arms at the first period boundary after now, then strobes. */
  protected timerExpire(t: TimerObj, now: bigint, at: bigint): void {
    t.entry = null;
    if (t.period === 0n) {
      this.update(t, 0, SIGNALED);
      return;
    }
    const missed = (now - at) / t.period;
    const next = at + (missed + 1n) * t.period;
    t.entry = this.arm(next, (n) => this.timerExpire(t, n, next));
    this.strobe(t, SIGNALED);
  }

  protected timerCancel(t: TimerObj): void {
    this.unlink(t.entry);
    t.entry = null;
    this.update(t, SIGNALED, 0);
  }
}

/** Writes handle values into a caller's Uint32Array or array covering `size` entries; false if it cannot take them. */
function writeHandles(dst: unknown, size: number, values: number[]): boolean {
  try {
    if (!(dst instanceof Uint32Array || Array.isArray(dst)) || dst.length < size) return false;
    for (let i = 0; i < values.length; i++) {
      dst[i] = values[i];
      if (dst[i] !== values[i]) return false;
    }
    return true;
  } catch {
    return false;
  }
}

