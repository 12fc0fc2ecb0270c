/**
 * The reference model of the kernel's syscalls (magenta-ipc.md, js-api.md), for model-based testing: the fuzzer
 * calls `ModelKernel` and the real kernel with the same arguments and compares everything observable.
 *
 * Each syscall is written as the spec's check order, one check a line, over the plain records of objects.ts and the
 * machinery of core.ts. Where the spec is silent the model follows the kernel's documented decisions or what the
 * kernel was seen to do on Node; each such place says so. Every syscall first serves the deadlines that are due
 * (kernel/clock.ts: kernel_enter). Blocking calls have a core that either finishes (a status) or returns a
 * registered `Wait`; the synchronous twin then lets virtual time run until it ends, the awaitable twin returns a
 * promise resolved at the very moment it ends.
 *
 * Interrupt objects are out of scope.
 */
import { ModelCore, type ModelLimits } from "./core.ts";
import {
  ERR_ACCESS_DENIED,
  ERR_BUFFER_TOO_SMALL,
  ERR_INVALID_ARGS,
  ERR_NO_MEMORY,
  ERR_NOT_FOUND,
  ERR_NOT_SUPPORTED,
  ERR_OUT_OF_RANGE,
  ERR_PEER_CLOSED,
  ERR_SHOULD_WAIT,
  ERR_TIMED_OUT,
  INFINITE,
  MAX_MSG_BYTES,
  MAX_MSG_HANDLES,
  MAX_WAIT_ITEMS,
  OK,
  PACKET_HEADER_SIZE,
  PKT_TYPE_USER,
  PORT_MAX_PKT_SIZE,
  RIGHT_DUPLICATE,
  RIGHT_READ,
  RIGHT_SAME_RIGHTS,
  RIGHT_TRANSFER,
  RIGHT_WRITE,
  RIGHTS_CHANNEL,
  RIGHTS_DTRW,
  SIGNALED,
  TIMER_MIN_DEADLINE,
  TIMER_MIN_PERIOD,
  USER_ALL,
  V1_PKT_TYPE_USER,
  WRITABLE,
  big,
  byteLength,
  coversBytes,
  coversHandles,
  get32,
  isObject,
  isOptOut,
  isU32,
  isU64,
  packetBytes,
  put,
  put32,
  putOpt,
  u32,
} from "./kinds.ts";
import type { CallWait, ChannelObj, Handle, Message, Obj, PortObj, PortWait, TimerObj, Wait, WaitObserver } from "./objects.ts";

type Status = number;
/** What a blocking call's core returns: a finished status, or the wait it registered. */
type Core = Status | Wait;

export class ModelKernel extends ModelCore {
  /** The five blocking calls, returning promises resolved when the wait ends. */
  readonly awaitable = {
    mx_port_wait: (h: unknown, deadline: unknown, packet: unknown, size: unknown) => this.promise(this.portWaitCore(h, deadline, packet, size)),
    mx_object_wait_one: (h: unknown, signals: unknown, deadline: unknown, observed: unknown) =>
      this.promise(this.waitOneCore(h, signals, deadline, observed)),
    mx_object_wait_many: (items: unknown, count: unknown, deadline: unknown) => this.promise(this.waitManyCore(items, count, deadline)),
    mx_channel_call: (h: unknown, options: unknown, deadline: unknown, args: unknown, ab: unknown, ah: unknown, rs: unknown) =>
      this.promise(this.channelCallCore(h, options, deadline, args, ab, ah, rs)),
    mx_nanosleep: (deadline: unknown) => this.promise(this.nanosleepCore(deadline)),
  };

  constructor(options: { start?: bigint; limits?: Partial<ModelLimits> } = {}) {
    super(options);
    // The syscalls are bound, so they can be passed around like the kernel's free functions (`const f = k.mx_...`).
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(ModelKernel.prototype)) {
      if (name.startsWith("mx_")) self[name] = (self[name] as (...a: unknown[]) => unknown).bind(this);
    }
  }

  // ---- Extras for the fuzzer ----------------------------------------------------------------------------------

  /** What kernel_stats().handles reports: live handles plus handles travelling inside unread messages. */
  handleCount(): number {
    return this.handles.length;
  }

  now(): bigint {
    return this.time;
  }

  /** Virtual time jumps to `t` (never backwards), then every due deadline is served once, as the service routine does. */
  advanceTo(t: bigint): void {
    if (t > this.time) this.time = t;
    this.serveDue();
  }

  private sync(c: Core): Status {
    return typeof c === "number" ? c : this.sleepUntilDone(c);
  }

  private promise(c: Core): Promise<Status> {
    if (typeof c === "number") return Promise.resolve(c);
    return new Promise<Status>((resolve) => {
      c.resolve = resolve;
    });
  }

  /** Entry of every syscall: due deadlines are served before the call looks at any state. */
  private enter(): void {
    this.serveDue();
  }

  /** A deadline that has passed: 0 (a poll) or <= now; MX_TIME_INFINITE never passes. */
  private passed(deadline: bigint | number): boolean {
    const d = big(deadline);
    return d === 0n || (d !== INFINITE && d <= this.time);
  }

  /**
   * Gives the caller handles a create call made. If an out-parameter refuses the write (a frozen object), every
   * handle made is closed again and the call fails with INVALID_ARGS; outputs written before the refusal keep their
   * (now dead) values (kernel/user_copy.ts giveHandles, Magenta's HandleOwner).
   */
  private give(outs: unknown[], hs: Handle[]): Status {
    for (let i = 0; i < outs.length; i++) {
      if (!put(outs[i], "value", hs[i].value)) {
        for (const h of hs) this.closeHandle(h);
        return ERR_INVALID_ARGS;
      }
    }
    return OK;
  }

  // ---- Ports --------------------------------------------------------------------------------------------------

  mx_port_create(options: unknown, out: unknown): Status {
    this.enter();
    // js-api.md: out-parameters are checked before anything is created (so before NO_MEMORY).
    if (!isU32(options) || (u32(options) & ~1) !== 0 || !isObject(out)) return ERR_INVALID_ARGS;
    if (!this.room(1)) return ERR_NO_MEMORY;
    const port = this.newObj("port", 0);
    port.v2 = u32(options) === 1;
    return this.give([out], [this.addHandle(port, RIGHTS_DTRW) as Handle]);
  }

  mx_port_queue(handle: unknown, packet: unknown, size: unknown): Status {
    this.enter();
    if (!isU32(size)) return ERR_INVALID_ARGS;
    const n = u32(size);
    if (n > PORT_MAX_PKT_SIZE) return ERR_BUFFER_TOO_SMALL;
    const v1 = this.lookup(handle, RIGHT_WRITE, "port", false);
    if (typeof v1 !== "number") return this.queueV1(v1.obj as PortObj, packet, n);
    if (n !== 0) return v1;
    const v2 = this.lookup(handle, RIGHT_WRITE, "port", true);
    if (typeof v2 === "number") return v2;
    const port = v2.obj as PortObj;
    const src = packetBytes(packet);
    if (src === null) return ERR_INVALID_ARGS;
    if (this.countedPackets(port) >= this.limits.maxPacketsPerPort) return ERR_NO_MEMORY;
    const bytes = src.slice(0, 48);
    put32(bytes, 8, PKT_TYPE_USER);
    return this.portQueue(port, { bytes, counted: true, observer: null });
  }

  private queueV1(port: PortObj, packet: unknown, n: number): Status {
    if (n < PACKET_HEADER_SIZE) return ERR_INVALID_ARGS;
    if (this.countedPackets(port) >= this.limits.maxPacketsPerPort) return ERR_NO_MEMORY;
    if (byteLength(packet) < n) return ERR_INVALID_ARGS;
    const bytes = (packet as Uint8Array).slice(0, n);
    put32(bytes, 8, V1_PKT_TYPE_USER);
    return this.portQueue(port, { bytes, counted: true, observer: null });
  }

  private countedPackets(port: PortObj): number {
    return port.packets.filter((p) => p.counted).length;
  }

  mx_port_wait(handle: unknown, deadline: unknown, packet: unknown, size: unknown): Status {
    return this.sync(this.portWaitCore(handle, deadline, packet, size));
  }

  private portWaitCore(handle: unknown, deadline: unknown, packet: unknown, size: unknown): Core {
    this.enter();
    if (packet === null || packet === undefined || !isU32(size)) return ERR_INVALID_ARGS;
    const n = u32(size);
    // The 2017 double lookup: V1 with READ; if that fails and size is 0, V2 with WRITE.
    let h = this.lookup(handle, RIGHT_READ, "port", false);
    if (typeof h === "number") {
      if (n !== 0) return h;
      h = this.lookup(handle, RIGHT_WRITE, "port", true);
      if (typeof h === "number") return h;
    }
    // The kernel checks the deadline's kind after the handle.
    if (!isU64(deadline)) return ERR_INVALID_ARGS;
    const port = h.obj as PortObj;
    const status = this.portTake(port, packet, n);
    if (status !== ERR_SHOULD_WAIT) return status;
    if (this.passed(deadline)) return ERR_TIMED_OUT;
    const pw: PortWait = {
      wait: this.newWait(
        ERR_TIMED_OUT,
        () => (port.waiters = port.waiters.filter((x) => x !== pw)),
        (s) => s,
      ),
      port,
      handle: h.value,
      dst: packet,
      want: n,
    };
    port.waiters.push(pw);
    this.armWait(pw.wait, big(deadline));
    return pw.wait;
  }

  /**
   * A non-blocking take. V2: the first packet is dequeued, then copied; a buffer of the wrong kind loses it
   * (INVALID_ARGS). V1: the buffer is checked first (nothing taken), a packet larger than `size` stays queued.
   */
  private portTake(port: PortObj, dst: unknown, want: number): Status {
    if (!port.v2 && byteLength(dst) < want) return ERR_INVALID_ARGS;
    if (port.packets.length === 0) return ERR_SHOULD_WAIT;
    if (!port.v2 && want < port.packets[0].bytes.length) return ERR_BUFFER_TOO_SMALL;
    const p = this.dequeuePacket(port);
    return this.copyPacketOut(port, p, dst) ? OK : ERR_INVALID_ARGS;
  }

  mx_port_cancel(port: unknown, source: unknown, key: unknown): Status {
    this.enter();
    const p = this.lookup(port, RIGHT_WRITE, "port", true);
    if (typeof p === "number") return p;
    const s = this.lookup(source, RIGHT_READ);
    if (typeof s === "number") return s;
    if (!this.isWaitable(s.obj)) return ERR_NOT_SUPPORTED;
    if (!isU64(key)) return ERR_INVALID_ARGS;
    const k = big(key);
    const portObj = p.obj as PortObj;
    const matches = (ob: { handle: number; port: PortObj; key: bigint }) => ob.handle === s.value && ob.port === portObj && ob.key === k;
    const observers = s.obj.observers.filter((ob) => ob.kind === "async" && matches(ob));
    for (const ob of observers) this.removeObserver(s.obj, ob);
    const packets = portObj.packets.filter((pk) => pk.observer !== null && matches(pk.observer));
    for (const pk of packets) {
      portObj.packets = portObj.packets.filter((x) => x !== pk);
      (pk.observer as { inFlight: unknown }).inFlight = null;
    }
    return observers.length > 0 || packets.length > 0 ? OK : ERR_NOT_FOUND;
  }

  mx_object_wait_async(handle: unknown, port: unknown, key: unknown, signals: unknown, options: unknown): Status {
    this.enter();
    const p = this.lookup(port, RIGHT_WRITE, "port", true);
    if (typeof p === "number") return p;
    const h = this.lookup(handle, RIGHT_READ);
    if (typeof h === "number") return h;
    if (!this.isWaitable(h.obj)) return ERR_NOT_SUPPORTED;
    // Documented check (not the 2017 code): only ONCE (0) and REPEATING (1).
    if (options !== 0 && options !== 1) return ERR_INVALID_ARGS;
    if (!isU32(signals) || !isU64(key)) return ERR_INVALID_ARGS;
    this.addObserver(h.obj, {
      kind: "async",
      handle: h.value,
      port: p.obj as PortObj,
      key: big(key),
      trigger: u32(signals),
      once: options === 0,
      inFlight: null,
    });
    return OK;
  }

  // ---- Object waits and signals -------------------------------------------------------------------------------

  mx_object_wait_one(handle: unknown, signals: unknown, deadline: unknown, observed: unknown): Status {
    return this.sync(this.waitOneCore(handle, signals, deadline, observed));
  }

  private waitOneCore(handle: unknown, signals: unknown, deadline: unknown, observed: unknown): Core {
    this.enter();
    const h = this.lookup(handle, RIGHT_READ);
    if (typeof h === "number") return h;
    if (!this.isWaitable(h.obj)) return ERR_NOT_SUPPORTED;
    if (!isU32(signals) || !isU64(deadline) || !isOptOut(observed)) return ERR_INVALID_ARGS;
    const state = h.obj.signals;
    const satisfied = (state & u32(signals)) !== 0;
    if (satisfied || this.passed(deadline)) {
      if (!putOpt(observed, state)) return ERR_INVALID_ARGS;
      return satisfied ? OK : ERR_TIMED_OUT;
    }
    const obj = h.obj;
    const w: Wait = this.newWait(
      ERR_TIMED_OUT,
      () => this.removeObserver(obj, ob),
      (s) => (putOpt(observed, ob.observed) ? s : ERR_INVALID_ARGS),
    );
    const ob: WaitObserver = { kind: "wait", obj, handle: h.value, waitfor: u32(signals), observed: 0, wait: w };
    this.addObserver(obj, ob);
    this.armWait(w, big(deadline));
    return w;
  }

  mx_object_wait_many(items: unknown, count: unknown, deadline: unknown): Status {
    return this.sync(this.waitManyCore(items, count, deadline));
  }

  private waitManyCore(items: unknown, count: unknown, deadline: unknown): Core {
    this.enter();
    if (!isU32(count) || !isU64(deadline)) return ERR_INVALID_ARGS;
    const n = u32(count);
    if (n === 0) {
      if (this.passed(deadline)) return ERR_TIMED_OUT;
      const sleep = this.newWait(ERR_TIMED_OUT, () => {}, (s) => s);
      this.armWait(sleep, big(deadline));
      return sleep;
    }
    if (n > MAX_WAIT_ITEMS) return ERR_INVALID_ARGS;
    // Items are read once: an array of at least n objects, each with a u32 `waitfor`.
    if (!Array.isArray(items) || items.length < n) return ERR_INVALID_ARGS;
    const read: { item: object; handle: unknown; waitfor: number }[] = [];
    for (let i = 0; i < n; i++) {
      const item: unknown = items[i];
      if (!isObject(item) || !isU32(item.waitfor)) return ERR_INVALID_ARGS;
      read.push({ item, handle: item.handle, waitfor: u32(item.waitfor) });
    }
    const found: Handle[] = [];
    for (const r of read) {
      const h = this.lookup(r.handle, RIGHT_READ);
      if (typeof h === "number") return h;
      if (!this.isWaitable(h.obj)) return ERR_NOT_SUPPORTED;
      found.push(h);
    }
    const obs: WaitObserver[] = [];
    // Every item's pending is written when the wait ends, in order; an item refusing the write makes the call
    // INVALID_ARGS and the items after it are not written (the fixed kernel: also when satisfied at once).
    const w = this.newWait(
      ERR_TIMED_OUT,
      () => obs.forEach((ob) => this.removeObserver(ob.obj, ob)),
      (s) => (obs.every((ob, i) => put(read[i].item, "pending", ob.observed)) ? s : ERR_INVALID_ARGS),
    );
    found.forEach((h, i) => {
      const ob: WaitObserver = { kind: "wait", obj: h.obj, handle: h.value, waitfor: read[i].waitfor, observed: 0, wait: w };
      obs.push(ob);
      this.addObserver(h.obj, ob);
    });
    if (obs.some((ob) => (ob.observed & ob.waitfor) !== 0)) {
      this.finish(w, OK);
      return w.status;
    }
    if (this.passed(deadline)) {
      this.finish(w, ERR_TIMED_OUT);
      return w.status;
    }
    this.armWait(w, big(deadline));
    return w;
  }

  /** Bits a user may set or clear: USER_ALL, plus SIGNALED on events and event pairs. */
  private userMask(o: Obj): number {
    return o.kind === "event" || o.kind === "eventpair" ? (USER_ALL | SIGNALED) >>> 0 : USER_ALL;
  }

  /** A mask of the wrong kind is rejected where C checks mask bits: it stands for "every bit" here. */
  private mask(v: unknown): number {
    return isU32(v) ? u32(v) : 0xffff_ffff;
  }

  mx_object_signal(handle: unknown, clear: unknown, set: unknown): Status {
    this.enter();
    const h = this.lookup(handle, RIGHT_WRITE);
    if (typeof h === "number") return h;
    if (!this.isWaitable(h.obj)) return ERR_NOT_SUPPORTED;
    const c = this.mask(clear);
    const s = this.mask(set);
    if (((c | s) & ~this.userMask(h.obj)) !== 0) return ERR_INVALID_ARGS;
    this.update(h.obj, c, s);
    return OK;
  }

  mx_object_signal_peer(handle: unknown, clear: unknown, set: unknown): Status {
    this.enter();
    const h = this.lookup(handle, 0); // June 2017: no right checked
    if (typeof h === "number") return h;
    const o = h.obj;
    if (o.kind !== "channel" && o.kind !== "eventpair") return ERR_NOT_SUPPORTED;
    const c = this.mask(clear);
    const s = this.mask(set);
    if (((c | s) & ~this.userMask(o)) !== 0) return ERR_INVALID_ARGS;
    if (o.peer === null) return ERR_PEER_CLOSED;
    this.update(o.peer, c, s);
    return OK;
  }

  // ---- Channels -----------------------------------------------------------------------------------------------

  mx_channel_create(options: unknown, out0: unknown, out1: unknown): Status {
    this.enter();
    if (options !== 0 || !isObject(out0) || !isObject(out1)) return ERR_INVALID_ARGS;
    if (!this.room(2)) return ERR_NO_MEMORY;
    const a = this.newObj("channel", WRITABLE);
    const b = this.newObj("channel", WRITABLE);
    a.peer = b;
    b.peer = a;
    return this.give([out0, out1], [this.addHandle(a, RIGHTS_CHANNEL) as Handle, this.addHandle(b, RIGHTS_CHANNEL) as Handle]);
  }

  mx_channel_write(handle: unknown, options: unknown, bytes: unknown, numBytes: unknown, handles: unknown, numHandles: unknown): Status {
    this.enter();
    if (options !== 0) return ERR_INVALID_ARGS;
    const h = this.lookup(handle, RIGHT_WRITE, "channel");
    if (typeof h === "number") return h;
    if (!isU32(numBytes) || !isU32(numHandles)) return ERR_INVALID_ARGS;
    const nb = u32(numBytes);
    const nh = u32(numHandles);
    if (nb > MAX_MSG_BYTES || nh > MAX_MSG_HANDLES) return ERR_OUT_OF_RANGE;
    return this.write(h.obj as ChannelObj, bytes, nb, handles, nh);
  }

  /**
   * The write after the size checks: the message "allocation" (the peer's queue limit), the bytes, the two handle
   * passes, the peer. On failure every handle stays the caller's; on success they travel in the message.
   */
  private write(ch: ChannelObj, bytes: unknown, nb: number, handles: unknown, nh: number): Status {
    if (ch.peer !== null && ch.peer.messages.length >= this.limits.maxMessagesPerChannel) return ERR_NO_MEMORY;
    if (!coversBytes(bytes, nb)) return ERR_INVALID_ARGS;
    if (!coversHandles(handles, nh)) return ERR_INVALID_ARGS;
    const values: unknown[] = [];
    for (let i = 0; i < nh; i++) values.push((handles as ArrayLike<unknown>)[i]);
    const moving: Handle[] = [];
    for (const v of values) {
      const t = this.lookup(v, 0);
      if (typeof t === "number") return t;
      if (t.obj === ch) return ERR_NOT_SUPPORTED;
      if ((t.rights & RIGHT_TRANSFER) === 0) return ERR_ACCESS_DENIED;
      moving.push(t);
    }
    if (new Set(moving).size !== moving.length) return ERR_INVALID_ARGS; // a duplicate fails the second removal
    if (ch.peer === null) return ERR_PEER_CLOSED;
    const m: Message = { bytes: nb === 0 ? new Uint8Array(0) : (bytes as Uint8Array).slice(0, nb), handles: moving };
    for (const t of moving) t.transit = true;
    this.deliver(ch.peer, m);
    return OK;
  }

  mx_channel_read(
    handle: unknown,
    options: unknown,
    bytes: unknown,
    handles: unknown,
    numBytes: unknown,
    numHandles: unknown,
    actualBytes: unknown,
    actualHandles: unknown,
  ): Status {
    this.enter();
    const h = this.lookup(handle, RIGHT_READ, "channel");
    if (typeof h === "number") return h;
    if (!isU32(options) || (u32(options) & ~1) !== 0) return ERR_NOT_SUPPORTED;
    if (!isU32(numBytes) || !isU32(numHandles) || !isOptOut(actualBytes) || !isOptOut(actualHandles)) return ERR_INVALID_ARGS;
    const ch = h.obj as ChannelObj;
    if (ch.messages.length === 0) return ch.peer !== null ? ERR_SHOULD_WAIT : ERR_PEER_CLOSED;
    const head = ch.messages[0];
    const size = head.bytes.length;
    const nh = head.handles.length;
    const fits = size <= u32(numBytes) && nh <= u32(numHandles);
    const taken = fits || options !== 0 ? this.popMessage(ch) : null;
    // As sys_channel_read: dequeued, sizes reported (also on BUFFER_TOO_SMALL), then bytes and handles; a refused
    // size loses the message with its handles.
    if (!(putOpt(actualBytes, size) && putOpt(actualHandles, nh))) {
      if (taken !== null) this.destroyMessage(taken);
      return ERR_INVALID_ARGS;
    }
    if (!fits) {
      if (taken !== null) this.destroyMessage(taken);
      return ERR_BUFFER_TOO_SMALL;
    }
    return this.copyOutMessage(taken as Message, bytes, u32(numBytes), handles, u32(numHandles));
  }

  mx_channel_call(handle: unknown, options: unknown, deadline: unknown, args: unknown, ab: unknown, ah: unknown, rs: unknown): Status {
    return this.sync(this.channelCallCore(handle, options, deadline, args, ab, ah, rs));
  }

  /**
   * As the kernel: the whole `args` record and the out-parameters are checked when copied in, before anything is
   * written (kernel/syscalls_channel.ts), so a malformed call changes nothing. Then options, the handle (WRITE), the
   * deadline's kind, the sizes; then the waiter is registered before the write.
   */
  private channelCallCore(handle: unknown, options: unknown, deadline: unknown, args: unknown, ab: unknown, ah: unknown, rs: unknown): Core {
    this.enter();
    if (!isObject(args)) return ERR_INVALID_ARGS;
    const { wr_bytes, wr_handles, rd_bytes, rd_handles, wr_num_bytes, wr_num_handles, rd_num_bytes, rd_num_handles } = args;
    if (!isU32(wr_num_bytes) || !isU32(wr_num_handles) || !isU32(rd_num_bytes) || !isU32(rd_num_handles)) return ERR_INVALID_ARGS;
    if (!coversBytes(rd_bytes, u32(rd_num_bytes)) || !coversHandles(rd_handles, u32(rd_num_handles))) return ERR_INVALID_ARGS;
    if (!isObject(ab) || !isObject(ah) || !isOptOut(rs)) return ERR_INVALID_ARGS;
    if (options !== 0) return ERR_INVALID_ARGS;
    const h = this.lookup(handle, RIGHT_WRITE, "channel");
    if (typeof h === "number") return h;
    if (!isU64(deadline)) return ERR_INVALID_ARGS;
    const nb = u32(wr_num_bytes);
    const nh = u32(wr_num_handles);
    if (nb > MAX_MSG_BYTES || nh > MAX_MSG_HANDLES) return ERR_OUT_OF_RANGE;
    const ch = h.obj as ChannelObj;
    const txid = nb >= 4 && coversBytes(wr_bytes, nb) ? get32(wr_bytes as Uint8Array, 0) : 0;
    const cw: CallWait = {
      wait: this.newWait(
        ERR_TIMED_OUT,
        () => (ch.callers = ch.callers.filter((x) => x !== cw)),
        (s) => this.callReport(cw, s, rs),
      ),
      handle: h.value,
      txid,
      rdBytes: rd_bytes,
      rdHandles: rd_handles,
      rdNumBytes: u32(rd_num_bytes),
      rdNumHandles: u32(rd_num_handles),
      actualBytes: ab,
      actualHandles: ah,
      readStatus: OK,
    };
    ch.callers.push(cw);
    const status = this.write(ch, wr_bytes, nb, wr_handles, nh);
    if (status !== OK) {
      ch.callers = ch.callers.filter((x) => x !== cw);
      return status;
    }
    if (cw.wait.done) return cw.wait.status;
    if (this.passed(deadline as bigint | number)) {
      // TIMED_OUT is returned directly; the message stays sent, nothing is written.
      this.finish(cw.wait, ERR_TIMED_OUT);
      return ERR_TIMED_OUT;
    }
    this.armWait(cw.wait, big(deadline as bigint | number));
    return cw.wait;
  }

  // ---- Handles ------------------------------------------------------------------------------------------------

  mx_handle_close(handle: unknown): Status {
    this.enter();
    const h = this.lookup(handle, 0);
    if (typeof h === "number") return h;
    this.closeHandle(h);
    return OK;
  }

  /** SAME_RIGHTS copies the source's rights; otherwise a subset of them; -1 if neither. */
  private derivedRights(rights: unknown, have: number): number {
    if (!isU32(rights)) return -1;
    const r = u32(rights);
    if (r === RIGHT_SAME_RIGHTS) return have;
    return (r & ~have) === 0 ? r : -1;
  }

  mx_handle_duplicate(handle: unknown, rights: unknown, out: unknown): Status {
    this.enter();
    const h = this.lookup(handle, 0);
    if (typeof h === "number") return h;
    if ((h.rights & RIGHT_DUPLICATE) === 0) return ERR_ACCESS_DENIED;
    const r = this.derivedRights(rights, h.rights);
    if (r < 0 || !isObject(out)) return ERR_INVALID_ARGS;
    const dup = this.addHandle(h.obj, r);
    if (dup === null) return ERR_NO_MEMORY;
    // A refused write closes the new handle again (LAST_HANDLE is cleared, then set again: observers see both).
    return this.give([out], [dup]);
  }

  /**
   * The fixed behaviour: the new value is written first; if the out-parameter refuses it the call fails with
   * INVALID_ARGS and the original handle stays valid, unchanged, its waits in place. Only a successful replace
   * invalidates the old value (and ends the waits through it). No new handle is made, so no NO_MEMORY and no
   * LAST_HANDLE edge.
   */
  mx_handle_replace(handle: unknown, rights: unknown, out: unknown): Status {
    this.enter();
    const h = this.lookup(handle, 0);
    if (typeof h === "number") return h;
    const r = this.derivedRights(rights, h.rights);
    if (r < 0 || !isObject(out)) return ERR_INVALID_ARGS;
    if (!put(out, "value", this.peekNextValue())) return ERR_INVALID_ARGS;
    this.revalue(h, r);
    return OK;
  }

  // ---- Events -------------------------------------------------------------------------------------------------

  mx_event_create(options: unknown, out: unknown): Status {
    this.enter();
    if (options !== 0 || !isObject(out)) return ERR_INVALID_ARGS;
    if (!this.room(1)) return ERR_NO_MEMORY;
    return this.give([out], [this.addHandle(this.newObj("event", 0), RIGHTS_DTRW) as Handle]);
  }

  mx_eventpair_create(options: unknown, out0: unknown, out1: unknown): Status {
    this.enter();
    if (options !== 0) return ERR_NOT_SUPPORTED; // the June 2017 asymmetry; outputs untouched
    if (!isObject(out0) || !isObject(out1)) return ERR_INVALID_ARGS;
    if (!this.room(2)) return ERR_NO_MEMORY;
    const a = this.newObj("eventpair", 0);
    const b = this.newObj("eventpair", 0);
    a.peer = b;
    b.peer = a;
    return this.give([out0, out1], [this.addHandle(a, RIGHTS_DTRW) as Handle, this.addHandle(b, RIGHTS_DTRW) as Handle]);
  }

  // ---- Timers and time ----------------------------------------------------------------------------------------

  mx_timer_create(options: unknown, clockId: unknown, out: unknown): Status {
    this.enter();
    if (options !== 0 || clockId !== 0 || !isObject(out)) return ERR_INVALID_ARGS;
    if (!this.room(1)) return ERR_NO_MEMORY;
    return this.give([out], [this.addHandle(this.newObj("timer", 0), RIGHTS_DTRW) as Handle]);
  }

  mx_timer_start(handle: unknown, deadline: unknown, period: unknown, slack: unknown): Status {
    this.enter();
    if (!isU64(deadline) || big(deadline) === 0n) return ERR_INVALID_ARGS;
    const h = this.lookup(handle, RIGHT_WRITE, "timer");
    if (typeof h === "number") return h;
    if (big(deadline) < TIMER_MIN_DEADLINE || !isU64(period) || !isU64(slack)) return ERR_INVALID_ARGS;
    const p = big(period);
    if (p > 0n && p < TIMER_MIN_PERIOD) return ERR_NOT_SUPPORTED;
    // Re-starting is cancel (which de-asserts SIGNALED) plus set; an infinite deadline never fires.
    const t = h.obj as TimerObj;
    this.timerCancel(t);
    t.period = p;
    const at = big(deadline);
    if (at !== INFINITE) t.entry = this.arm(at, (now) => this.timerExpire(t, now, at));
    return OK;
  }

  mx_timer_cancel(handle: unknown): Status {
    this.enter();
    const h = this.lookup(handle, RIGHT_WRITE, "timer");
    if (typeof h === "number") return h;
    this.timerCancel(h.obj as TimerObj);
    return OK;
  }

  /** MONOTONIC, UTC and THREAD all read the one clock (the kernel's decision: no wall clock on a board). */
  mx_time_get(clockId: unknown): bigint {
    this.enter();
    return isU32(clockId) && clockId >= 0 && clockId <= 2 ? this.time : 0n;
  }

  /** now + ns, saturating at MX_TIME_INFINITE; an argument of the wrong kind gives now. */
  mx_deadline_after(ns: unknown): bigint {
    this.enter();
    if (!isU64(ns)) return this.time;
    const t = this.time + big(ns);
    return t > INFINITE ? INFINITE : t;
  }

  mx_nanosleep(deadline: unknown): Status {
    return this.sync(this.nanosleepCore(deadline));
  }

  private nanosleepCore(deadline: unknown): Core {
    this.enter();
    if (!isU64(deadline)) return ERR_INVALID_ARGS;
    if (this.passed(deadline)) return OK;
    const w = this.newWait(OK, () => {}, (s) => s);
    this.armWait(w, big(deadline));
    return w;
  }
}

export type { ModelLimits };
