/**
 * Port V2 (Magenta's PortDispatcherV2): a FIFO of packets and a FIFO of waiters.
 *
 * A packet is queued by mx_port_queue (a user packet), by an async signal observer (the observer *is* its packet,
 * as in Magenta, so a REPEATING observer can never have two packets in flight), or by an interrupt object (which
 * also owns its one packet). When waiters are present, a newly queued packet goes straight to the first of them
 * and is copied into its buffer at once: "one waiter per packet, in arrival order, and the packet belongs to that
 * waiter from the moment it is queued".
 *
 * A V2 port's queue is in two parts (dataplane/dataplane.ts): the oldest packets in the data plane (its prefix,
 * where mx_port_queue's fast path puts user packets and mx_port_wait's takes them from) and the rest here (its
 * suffix: every kernel-owned packet, and user packets queued while the port was not plain or the prefix full). While
 * the suffix holds anything, or waiters wait, or the port is dead, only this code queues (the data plane reads
 * `head`, `waiters.head` and `dead` in place: dataplane.ts PortFields),
 * so packets leave in the order they arrived. User packet records and their 48-byte buffers come from a small free
 * list, so the slow paths allocate nothing in a steady state either. Ports have no signals (they are not waitable
 * in 2017).
 */
import {
  MX_PKT_TYPE_USER,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_SIGNAL_REP,
  MX_WAIT_ASYNC_ONCE,
  MX_ERR_BAD_STATE,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_SHOULD_WAIT,
  MX_OBJ_TYPE_IOPORT2,
  MX_OK,
  MX_PORT_PACKET_SIZE,
} from "./constants.ts";
import { Dispatcher, type Report } from "./dispatcher.ts";
import {
  portCheck as dpPortCheck,
  portCount as dpPortCount,
  portCreate as dpPortCreate,
  portDestroy as dpPortDestroy,
  portPop as dpPortPop,
  setLimits as dpSetLimits,
} from "#dataplane";
import { limits } from "./limits.ts";
import { copyPacketIn, copyPacketOut, PacketImage } from "./packet.ts";
import type { Observer, StateTracker } from "./state_tracker.ts";
import { heldCount, isHeld, Waiter } from "./wait.ts";
import { type Queued, WaiterQueue } from "./waiter_queue.ts";

/** Something that can sit in a port's queue. */
export abstract class PortPacket {
  next: PortPacket | null = null;
  /** In a port's queue now (Magenta's InContainer()). */
  queued = false;
  /** User and V1 packets count against the port's packet limit; kernel-owned packets do not. */
  counted = false;
  /** Writes the packet into a caller's buffer as the caller sees it; false if the buffer is not one (bad pointer). */
  abstract copyOut(dst: unknown): boolean;
  /** Size for V1 waits; V2 packets are all 48 bytes. */
  size(): number {
    return MX_PORT_PACKET_SIZE;
  }
  /** The packet has left the queue for good (delivered or dropped). */
  dequeued(): void {}
  /** For mx_port_cancel: only signal packets match. */
  matchesKey(_handle: number, _port: object, _keyLo: number, _keyHi: number): boolean {
    return false;
  }
}

/** A V2 packet kept as the 48 bytes it will be read as. */
export abstract class ImagePacket extends PortPacket {
  readonly image = new PacketImage();
  override copyOut(dst: unknown): boolean {
    return copyPacketOut(this.image.bytes, dst);
  }
}

/** A user packet: the 48 bytes as queued, type forced to MX_PKT_TYPE_USER. */
class UserPacket extends ImagePacket {
  override counted = true;
  override dequeued(): void {
    if (poolSize < POOL_MAX) {
      this.next = pool;
      pool = this;
      poolSize++;
    }
  }
}

const POOL_MAX = 32;
let pool: UserPacket | null = null;
let poolSize = 0;

/**
 * A user packet record holding a copy of the caller's packet `src` with the type forced to USER; null (and nothing
 * kept) if `src` is not a V2 packet argument.
 */
export function userPacket(src: unknown): PortPacket | null {
  let p = pool;
  if (p !== null) {
    pool = p.next as UserPacket | null;
    p.next = null;
    poolSize--;
  } else {
    p = new UserPacket();
  }
  if (!copyPacketIn(p.image.bytes, src)) {
    p.dequeued();
    return null;
  }
  p.image.words[2] = MX_PKT_TYPE_USER;
  return p;
}

/**
 * A blocked mx_port_wait. Port waits are the tasks' hand-off and the interrupt path, so a port reuses its last
 * waiter once that wait has ended (PortDispatcher.startWait): a new object costs a slot per field and its share of
 * collections (measured: 14 of a hand-off's ~50 allocated slots). An ended port waiter is free at once: an awaited
 * wait's promise holds its status, a synchronous caller's waiter is held (wait.ts) until the caller has read it, and
 * its ending runs none of the caller's code (no out-parameters). Other waiters are not reused, and must not be:
 * their endings run the caller's setters in the middle of kernel walks over waiters, and a setter that started a
 * wait could be handed a waiter the walk still holds. The reuse costs nothing as a wait ends, so none of it falls between an
 * interrupt and the task that receives its packet.
 */
export class PortWaiter extends Waiter implements Queued<PortWaiter> {
  next: PortWaiter | null = null;
  prev: PortWaiter | null = null;
  queued = false;
  handle = 0;
  dst: unknown = null;
  want = 0;
  constructor(readonly port: PortDispatcher) {
    super();
  }

  /** Sets the waiter up for a new wait through `handle` into `dst`. */
  begin(handle: number, dst: unknown, want: number): void {
    if (this.done) this.restart();
    this.handle = handle;
    this.dst = dst;
    this.want = want;
  }

  protected override detach(): void {
    this.port.waiters.remove(this);
  }
}

/**
 * A prefix packet on its way from the data plane to a caller's buffer (one at a time: nothing runs in between).
 * Made on first use: a buffer made while the kernel is preloaded stays in the read-only base heap.
 */
let prefixPacket: Uint8Array | null = null;

export class PortDispatcher extends Dispatcher {
  /** The suffix of the queue (the whole queue of a V1 port, or of a V2 port the data plane had no room for). */
  head: PortPacket | null = null;
  private tail: PortPacket | null = null;
  /** Suffix packets that count against the limit. */
  private suffixCounted = 0;
  readonly waiters = new WaiterQueue<PortWaiter>();
  /** True once the last handle has gone (the data plane reads it too). */
  dead = false;
  /** The waiter of the last wait registered here, reused when that wait has ended. */
  private lastWaiter: PortWaiter | null = null;

  constructor(type = MX_OBJ_TYPE_IOPORT2) {
    super(type, null);
    if (type === MX_OBJ_TYPE_IOPORT2) {
      // The data plane forgets at reset what the base heap's machine told it: each new port tells it again.
      dpSetLimits(limits.maxPacketsPerPort, limits.maxMessagesPerChannel, limits.maxQueuedBytesPerProcess);
      this.dataIndex = dpPortCreate(this);
    }
  }

  /** Queued packets that count against the limit (user and V1 packets). */
  get countedPackets(): number {
    return this.dataIndex >= 0 ? this.suffixCounted + (dpPortCount(this.dataIndex) & 0xffff) : this.suffixCounted;
  }


  /**
   * Registers a new wait on this port, at the end of its waiter queue. The waiter is the last one if that wait has
   * ended and no synchronous caller still has to read its status (a setter run while that caller sleeps may start a
   * wait here), else a new one.
   */
  startWait(handle: number, dst: unknown, want: number): PortWaiter {
    let w = this.lastWaiter;
    if (w === null || !w.done || (heldCount !== 0 && isHeld(w))) {
      w = new PortWaiter(this);
      this.lastWaiter = w;
    }
    w.begin(handle, dst, want);
    this.waiters.append(w);
    return w;
  }

  /** Queues a packet, or hands it to the first waiter. BAD_STATE once the port has no handles. */
  queue(p: PortPacket): number {
    if (this.dead) return MX_ERR_BAD_STATE;
    let w = this.waiters.head;
    while (w !== null) {
      const next: PortWaiter | null = w.next;
      if (w.queued && this.handOff(p, w)) return MX_OK;
      w = next;
    }
    p.next = null;
    p.queued = true;
    if (p.counted) this.suffixCounted++;
    if (this.tail === null) this.head = p;
    else this.tail.next = p;
    this.tail = p;
    return MX_OK;
  }

  /** Gives `p` to waiter `w`; false if `w` could not take it (V1 size), so the next waiter is tried. */
  protected handOff(p: PortPacket, w: PortWaiter): boolean {
    const copied = p.copyOut(w.dst);
    p.dequeued();
    w.finish(copied ? MX_OK : MX_ERR_INVALID_ARGS);
    return true;
  }

  /** The first packet, still queued. */
  protected peek(): PortPacket | null {
    return this.head;
  }

  /** Removes the first packet. */
  protected pop(): PortPacket {
    const p = this.head as PortPacket;
    this.unqueue(p, null);
    return p;
  }

  private unqueue(p: PortPacket, prev: PortPacket | null): void {
    if (prev === null) this.head = p.next;
    else prev.next = p.next;
    if (this.tail === p) this.tail = prev;
    p.next = null;
    p.queued = false;
    if (p.counted) this.suffixCounted--;
  }

  /**
   * A non-blocking wait: the first packet into `dst` (OK), SHOULD_WAIT if there is none. A V2 buffer of the wrong
   * kind is C's bad pointer: the packet was already dequeued and is lost (INVALID_ARGS).
   */
  take(dst: unknown, _want: number): number {
    if (this.dataIndex >= 0 && dpPortPop(this.dataIndex, (prefixPacket ??= new Uint8Array(MX_PORT_PACKET_SIZE)))) {
      return copyPacketOut(prefixPacket, dst) ? MX_OK : MX_ERR_INVALID_ARGS;
    }
    const p = this.head;
    if (p === null) return MX_ERR_SHOULD_WAIT;
    this.unqueue(p, null);
    const copied = p.copyOut(dst);
    p.dequeued();
    return copied ? MX_OK : MX_ERR_INVALID_ARGS;
  }

  /** Removes a specific packet from the queue (an interrupt object dying); true if it was queued here. */
  remove(p: PortPacket): boolean {
    let prev: PortPacket | null = null;
    for (let q = this.head; q !== null; prev = q, q = q.next) {
      if (q === p) {
        this.unqueue(q, prev);
        q.dequeued();
        return true;
      }
    }
    return false;
  }

  /** mx_port_cancel's queue half: drops queued signal packets of (handle, key); true if any. */
  cancelQueued(handle: number, keyLo: number, keyHi: number): boolean {
    let found = false;
    let prev: PortPacket | null = null;
    let q = this.head;
    while (q !== null) {
      const next: PortPacket | null = q.next;
      if (q.matchesKey(handle, this, keyLo, keyHi)) {
        this.unqueue(q, prev);
        q.dequeued();
        found = true;
      } else {
        prev = q;
      }
      q = next;
    }
    return found;
  }

  /** Waits through handle `h` end with CANCELED. */
  override cancelHandle(h: number): void {
    let w = this.waiters.head;
    while (w !== null) {
      const next: PortWaiter | null = w.next;
      if (w.handle === h) w.finish(MX_ERR_CANCELED);
      w = next;
    }
  }

  /** No handles left: queued packets are dropped and later queue attempts fail, which retires their observers. */
  override onZeroHandles(): void {
    this.dead = true;
    while (this.head !== null) this.pop().dequeued();
    if (this.dataIndex >= 0) {
      dpPortDestroy(this.dataIndex);
      this.dataIndex = -1;
    }
  }


  /**
   * The queue is well linked and counted, every waiter waits, and on a V2 port nobody waits while a packet is
   * queued (a queued packet goes to the first waiter at once). A dead port holds nothing.
   */
  override checkInvariants(name: string, report: Report): void {
    let n = 0;
    if (this.dataIndex >= 0) {
      const problem = dpPortCheck(this.dataIndex);
      if (problem !== "") report(`${name}: ${problem}`);
      n = dpPortCount(this.dataIndex) >>> 16;
    }
    let counted = 0;
    let last: PortPacket | null = null;
    for (let p = this.head; p !== null; last = p, p = p.next) {
      if (++n > 1_000_000) return report(`${name}: the packet queue does not end`);
      if (!p.queued) report(`${name}: packet ${n} is in the queue but not marked queued`);
      if (p.counted) counted++;
    }
    if (last !== this.tail) report(`${name}: the queue's tail is not its last packet`);
    if (counted !== this.suffixCounted) report(`${name}: ${this.suffixCounted} packets counted, ${counted} in the queue`);
    for (let w = this.waiters.head; w !== null; w = w.next) {
      if (!w.queued || w.done) report(`${name}: a waiter on the queue is ${w.done ? "done" : "not marked queued"}`);
    }
    if (this.type === MX_OBJ_TYPE_IOPORT2 && n > 0 && this.waiters.head !== null) report(`${name}: a waiter waits while ${n} packets are queued`);
    if (this.dead && (n > 0 || this.waiters.head !== null)) report(`${name}: dead, yet holds packets or waiters`);
  }
}

/**
 * An mx_object_wait_async registration, which is also its own signal packet (Magenta's PortObserver): while the
 * packet is queued a further state change adds nothing, so a REPEATING observer has at most one packet in flight
 * and that packet keeps its first `observed`. The key is kept as two 32-bit halves so queuing writes no bigint.
 */
export class PortObserver extends ImagePacket implements Observer {
  obPrev: Observer | null = null;
  obNext: Observer | null = null;
  obLinked = false;
  /** The image's key, type, status and trigger are fixed; observed and count are set on queuing. */
  private readonly type: number;

  constructor(
    private readonly port: PortDispatcher,
    readonly handle: number,
    private readonly keyLo: number,
    private readonly keyHi: number,
    private readonly trigger: number,
    options: number,
  ) {
    super();
    this.type = options === MX_WAIT_ASYNC_ONCE ? MX_PKT_TYPE_SIGNAL_ONE : MX_PKT_TYPE_SIGNAL_REP;
    const words = this.image.words;
    words[0] = keyLo;
    words[1] = keyHi;
    words[2] = this.type;
    words[3] = MX_OK;
    words[4] = trigger;
  }

  onInitialize(state: number, tracker: StateTracker): boolean {
    return this.maybeQueue(state, tracker.countFor(this.trigger));
  }

  onStateChange(state: number): boolean {
    return this.maybeQueue(state, 1);
  }

  /** True when the observer is done: a ONCE observer after queuing, any observer whose port has died. */
  private maybeQueue(state: number, count: number): boolean {
    if ((this.trigger & state) === 0) return false;
    let status = MX_OK;
    if (!this.queued) {
      this.image.words[5] = state;
      this.image.words[6] = count;
      status = this.port.queue(this);
    }
    return this.type === MX_PKT_TYPE_SIGNAL_ONE || status !== MX_OK;
  }

  onCancel(): void {}

  /** A registered observer's port is live, or dead and not yet noticed (the next state change retires it). */
  checkObserver(name: string, report: Report): void {
    if (this.queued && this.port.dead) report(`${name}: its packet is queued on a dead port`);
  }

  override matchesKey(handle: number, port: object, keyLo: number, keyHi: number): boolean {
    return this.handle === handle && this.port === port && this.keyLo === keyLo && this.keyHi === keyHi;
  }
}
