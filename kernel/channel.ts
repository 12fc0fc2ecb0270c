/**
 * Channels (Magenta's ChannelDispatcher): two endpoints, each with a FIFO of messages written by its peer and a
 * list of mx_channel_call waiters.
 *
 * A message is bytes plus handle values. The handles stay in the handle table while they travel (handle_table.ts),
 * so a write moves them all or none without allocating, and destroying a message closes them. Message records
 * and their byte buffers are reused from a free list, so a steady stream of writes and reads allocates nothing;
 * buffers larger than REUSE_MAX are not kept, to hand large memory back.
 *
 * A reply whose txid matches a call waiter never enters the queue: it is copied into the caller's buffers at once.
 *
 * An endpoint's queue is in two parts (dataplane/dataplane.ts): the oldest messages, if they are small and carry at
 * most a few handles, in the data plane (its prefix: mx_channel_write's and mx_channel_read's fast paths add and take them
 * there), and the rest here (its suffix, `head`). The data plane reads `head`, `callers.head` and the tracker's
 * observers to decide whether it may take a call, and keeps the tracker's `count` and READABLE exact when it does.
 */
import {
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_CHANNEL_WRITABLE,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_CALL_FAILED,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_PEER_CLOSED,
  MX_ERR_SHOULD_WAIT,
  MX_OBJ_TYPE_CHANNEL,
  MX_OK,
  MX_RIGHT_TRANSFER,
} from "./constants.ts";
import { get32, isBytes } from "./args.ts";
import { Dispatcher, type Report } from "./dispatcher.ts";
import {
  currentProcess,
  enterProcess,
  handleAbortTransfer,
  handleBeginTransfer,
  handleClose,
  handleDestroyInTransit,
  handleGet,
  handleReceive,
  handleRights,
  handleRoom,
  handlesToMove,
} from "./handle_table.ts";
import {
  channelCheck as dpChannelCheck,
  channelCount as dpChannelCount,
  channelHandles as dpChannelHandles,
  channelCreate as dpChannelCreate,
  channelDestroy as dpChannelDestroy,
  channelPeek as dpChannelPeek,
  channelPop as dpChannelPop,
  queueBytes as dpQueueBytes,
  queuedBytes as dpQueuedBytes,
  setLimits as dpSetLimits,
} from "#dataplane";
import { limits } from "./limits.ts";
import { hal } from "./platform.ts";
import { StateTracker } from "./state_tracker.ts";
import type { Out } from "./types.ts";
import { copyInHandles, copyOutHandles, putOptOut, putOut } from "./user_copy.ts";
import { Waiter } from "./wait.ts";
import { type Queued, WaiterQueue } from "./waiter_queue.ts";

const EMPTY = new Uint8Array(0);
/** The handle values of an endpoint's prefix (at most PREFIX_POOL_MESSAGES × PREFIX_MESSAGE_HANDLES). */
const scratchHandles: number[] = [];
const POOL_MAX = 64;
const REUSE_MAX = 1024;

class Message {
  next: Message | null = null;
  buf: Uint8Array = EMPTY;
  size = 0;
  /** The process that wrote it: while it is queued its bytes count against that process. */
  proc = 0;
  readonly handles: number[] = [];
  nh = 0;
}

let pool: Message | null = null;
let poolSize = 0;

function allocMessage(n: number): Message {
  let m = pool;
  if (m !== null) {
    pool = m.next;
    m.next = null;
    poolSize--;
  } else {
    m = new Message();
  }
  if (m.buf.length < n) m.buf = new Uint8Array(n);
  m.size = n;
  m.nh = 0;
  return m;
}

function freeMessage(m: Message): void {
  if (poolSize >= POOL_MAX) return;
  if (m.buf.length > REUSE_MAX) m.buf = EMPTY;
  m.next = pool;
  pool = m;
  poolSize++;
}

/** Discards a message and closes the handles it carries. */
function destroyMessage(m: Message): void {
  for (let i = 0; i < m.nh; i++) handleDestroyInTransit(m.handles[i]);
  freeMessage(m);
}

/**
 * Copies a dequeued message out, bytes before handles, as Magenta does. A buffer of the wrong kind (or shorter
 * than its stated size) is C's bad pointer, only found when the copy touches it: the message is lost and the handles
 * it carried are closed (also when the caller's handle array refuses the new values).
 */
function copyOut(m: Message, bytes: unknown, numBytes: number, handles: unknown, numHandles: number): number {
  if (m.size > 0 && !(hal.byteLength(bytes) >= numBytes && hal.copyBytes(bytes, 0, m.buf, 0, m.size))) {
    destroyMessage(m);
    return MX_ERR_INVALID_ARGS;
  }
  if (m.nh > 0) {
    for (let i = 0; i < m.nh; i++) m.handles[i] = handleReceive(m.handles[i]);
    if (!copyOutHandles(handles, numHandles, m.handles, m.nh)) {
      for (let i = 0; i < m.nh; i++) handleClose(m.handles[i]);
      freeMessage(m);
      return MX_ERR_INVALID_ARGS;
    }
  }
  freeMessage(m);
  return MX_OK;
}

/** A blocked mx_channel_call waiting for its reply on `channel`. */
export class CallWaiter extends Waiter implements Queued<CallWaiter> {
  next: CallWaiter | null = null;
  prev: CallWaiter | null = null;
  queued = false;
  private readStatus = MX_OK;
  constructor(
    readonly channel: ChannelDispatcher,
    readonly handle: number,
    readonly txid: number,
    private readonly rdBytes: unknown,
    private readonly rdHandles: unknown,
    private readonly rdNumBytes: number,
    private readonly rdNumHandles: number,
    private readonly actualBytes: Out<number>,
    private readonly actualHandles: Out<number>,
    private readonly readStatusOut: Out<number> | null,
  ) {
    super();
  }

  /** The caller's process: the reply's handles arrive in its table, whoever writes the reply. */
  private readonly proc = currentProcess();

  /**
   * The reply arrived: it is the caller's now, or it is discarded when it does not fit. As sys_channel_call, the
   * sizes are reported before the reply's bytes and handles, and an out-parameter that refuses them loses the reply
   * (CALL_FAILED, read_status INVALID_ARGS). A setter may call the kernel: whatever ends this call meanwhile also
   * discards the reply. The waiter stays on the channel's list while the reply's handles arrive, so a reply that
   * carries the handle the call waits through cancels it, as a read would.
   */
  take(m: Message): void {
    if (m.size > this.rdNumBytes || m.nh > this.rdNumHandles) {
      destroyMessage(m);
      this.fail(MX_ERR_BUFFER_TOO_SMALL);
      return;
    }
    const sizesWritten = putOut(this.actualBytes, m.size) && putOut(this.actualHandles, m.nh);
    if (this.done || !sizesWritten) {
      destroyMessage(m);
      this.fail(MX_ERR_INVALID_ARGS);
      return;
    }
    const writer = enterProcess(this.proc);
    const status = copyOut(m, this.rdBytes, this.rdNumBytes, this.rdHandles, this.rdNumHandles);
    enterProcess(writer);
    if (status === MX_OK) this.finish(MX_OK);
    else this.fail(status);
  }

  /** Ends the call with CALL_FAILED and the real reason in read_status. */
  fail(reason: number): void {
    this.readStatus = reason;
    this.finish(MX_ERR_CALL_FAILED);
  }

  protected override detach(): void {
    this.channel.callers.remove(this);
  }

  /** read_status on CALL_FAILED (the sizes were written as the reply was taken); an output that refuses it is a bad
   * pointer. */
  protected override report(status: number): number {
    if (status !== MX_ERR_CALL_FAILED) return status;
    return putOptOut(this.readStatusOut, this.readStatus) ? status : MX_ERR_INVALID_ARGS;
  }
}

export class ChannelDispatcher extends Dispatcher {
  peer: ChannelDispatcher | null = null;
  /** The suffix of the queue (the data plane reads it: see the module comment). */
  head: Message | null = null;
  private tail: Message | null = null;
  readonly callers = new WaiterQueue<CallWaiter>();
  declare readonly tracker: StateTracker;

  constructor() {
    super(MX_OBJ_TYPE_CHANNEL, new StateTracker(MX_CHANNEL_WRITABLE));
    this.tracker.countedSignals = MX_CHANNEL_READABLE;
  }

  /** Messages queued on this endpoint. */
  get messageCount(): number {
    return this.tracker.count;
  }

  /**
   * mx_channel_write after the handle lookup and the size checks: allocation, bytes, the two handle passes, the
   * peer check. On failure every handle is still the caller's.
   */
  write(bytes: unknown, numBytes: number, handles: unknown, numHandles: number): number {
    const peer = this.peer;
    if (peer !== null && peer.tracker.count >= limits.maxMessagesPerChannel) return MX_ERR_NO_MEMORY;
    const writer = currentProcess();
    if (writer !== 0 && dpQueuedBytes(writer) + numBytes > limits.maxQueuedBytesPerProcess) return MX_ERR_NO_MEMORY;
    if (!isBytes(bytes, numBytes)) return MX_ERR_INVALID_ARGS;
    // The message record is the kernel's copy of the handle values: read once, then checked and moved from there.
    const m = allocMessage(numBytes);
    const hs = m.handles;
    const status = copyInHandles(handles, numHandles, hs) ? this.beginTransfer(hs, numHandles) : MX_ERR_INVALID_ARGS;
    if (status !== MX_OK) {
      freeMessage(m);
      return status;
    }
    // Checked above, but reading a plain handle array can run the caller's code (an index getter): copied, checked.
    const failure =
      this.peer === null ? MX_ERR_PEER_CLOSED
      : numBytes > 0 && !hal.copyBytes(m.buf, 0, bytes, 0, numBytes) ? MX_ERR_INVALID_ARGS
      : MX_OK;
    if (failure !== MX_OK) {
      for (let i = 0; i < numHandles; i++) handleAbortTransfer(hs[i]);
      freeMessage(m);
      return failure;
    }
    m.nh = numHandles;
    m.proc = writer;
    (this.peer as ChannelDispatcher).deliver(m);
    return MX_OK;
  }

  /** Checks every handle of a message being written, then moves them all into it (IN_TRANSIT), or none. */
  private beginTransfer(hs: number[], n: number): number {
    for (let i = 0; i < n; i++) {
      const v = hs[i];
      const d = handleGet(v, 0, 0);
      if (d === null) return MX_ERR_BAD_HANDLE;
      if (d === this) return MX_ERR_NOT_SUPPORTED;
      if ((handleRights(v) & MX_RIGHT_TRANSFER) === 0) return MX_ERR_ACCESS_DENIED;
    }
    for (let i = 0; i < n; i++) {
      if (!handleBeginTransfer(hs[i])) {
        for (let j = 0; j < i; j++) handleAbortTransfer(hs[j]);
        return MX_ERR_INVALID_ARGS;
      }
    }
    return MX_OK;
  }

  /** A message written by the peer: to the first call waiter whose txid matches, else onto the queue. */
  private deliver(m: Message): void {
    if (this.callers.head !== null) {
      const txid = m.size >= 4 ? get32(m.buf, 0) : 0;
      for (let w: CallWaiter | null = this.callers.head; w !== null; w = w.next) {
        if (w.queued && w.txid === txid) {
          w.take(m);
          return;
        }
      }
    }
    if (this.tail === null) this.head = m;
    else this.tail.next = m;
    this.tail = m;
    if (m.proc !== 0) dpQueueBytes(m.proc, m.size); // process 0 is not limited: no native call for its messages
    this.tracker.count++;
    this.tracker.update(0, MX_CHANNEL_READABLE);
  }

  /** The oldest message in the data plane's prefix: its size | its handle count << 16, or -1 if there is none. */
  private prefixShape(): number {
    return this.dataIndex >= 0 ? dpChannelPeek(this.dataIndex) : -1;
  }

  /** Whether the reader's table has room for the handles of the oldest message (`m` if it is the suffix's) that
   * come from another process's table (a process's limit counts the handles it writes until they are read). */
  private roomFor(m: Message | null, nh: number): boolean {
    let values: readonly number[];
    if (m === null) {
      dpChannelHandles(this.dataIndex, scratchHandles);
      values = scratchHandles;
    } else {
      values = m.handles;
    }
    return handleRoom(handlesToMove(values, nh));
  }

  /** Dequeues the oldest message (there is one): the prefix's, made a Message here, else the suffix's. */
  private pop(): Message {
    const shape = this.prefixShape();
    let m: Message;
    if (shape >= 0) {
      m = allocMessage(shape & 0xffff);
      m.nh = dpChannelPop(this.dataIndex, m.buf, m.handles) >>> 16;
    } else {
      m = this.head as Message;
      this.head = m.next;
      if (this.head === null) this.tail = null;
      m.next = null;
      if (m.proc !== 0) dpQueueBytes(m.proc, -m.size);
    }
    if (--this.tracker.count === 0) this.tracker.update(MX_CHANNEL_READABLE, 0);
    return m;
  }

  /**
   * mx_channel_read after the lookup and argument checks. Sizes are reported even on BUFFER_TOO_SMALL; a message
   * that does not fit stays queued unless `discard`.
   */
  read(
    bytes: unknown,
    handles: unknown,
    numBytes: number,
    numHandles: number,
    actualBytes: Out<number> | null | undefined,
    actualHandles: Out<number> | null | undefined,
    discard: boolean,
  ): number {
    const shape = this.prefixShape();
    const m = this.head;
    if (shape < 0 && m === null) return this.peer !== null ? MX_ERR_SHOULD_WAIT : MX_ERR_PEER_CLOSED;
    const size = shape >= 0 ? shape & 0xffff : (m as Message).size;
    const nh = shape >= 0 ? shape >>> 16 : (m as Message).nh;
    const fits = size <= numBytes && nh <= numHandles;
    if (fits && nh > 0 && !this.roomFor(shape >= 0 ? null : m, nh)) return MX_ERR_NO_MEMORY;
    const taken = fits || discard ? this.pop() : null;
    // As sys_channel_read: the message is dequeued, the sizes are reported, then bytes and handles are copied out;
    // an out-parameter that refuses the size loses the message and closes its handles. The channel is consistent
    // again before a caller's setter runs (it may call the kernel). (The null tests are putOptOut's, written out:
    // most reads pass no sizes, and a call costs ~250 instructions.)
    const sizesWritten =
      (actualBytes === null || actualBytes === undefined || putOut(actualBytes, size)) &&
      (actualHandles === null || actualHandles === undefined || putOut(actualHandles, nh));
    if (sizesWritten && fits) return copyOut(taken as Message, bytes, numBytes, handles, numHandles);
    if (taken !== null) destroyMessage(taken);
    return sizesWritten ? MX_ERR_BUFFER_TOO_SMALL : MX_ERR_INVALID_ARGS;
  }

  override cancelHandle(h: number): void {
    this.tracker.cancel(h);
    let w = this.callers.head;
    while (w !== null) {
      const next: CallWaiter | null = w.next;
      if (w.handle === h) w.fail(MX_ERR_CANCELED);
      w = next;
    }
  }

  override signalPeer(clear: number, set: number): number {
    return this.signalPeerOf(this.peer, clear, set);
  }

  /**
   * The message queue is well linked and counted (READABLE exactly when it holds one), the peer link is mutual
   * (WRITABLE while there is a peer, PEER_CLOSED once not), every call waiter waits, and every handle inside a
   * message is collected for the walker to match with the table's travelling handles.
   */
  checkMessages(name: string, report: Report, travelling: number[]): void {
    let n = 0;
    if (this.dataIndex >= 0) {
      const problem = dpChannelCheck(this.dataIndex);
      if (problem !== "") report(`${name}: ${problem}`);
      n = dpChannelCount(this.dataIndex);
      const inPrefix: number[] = [];
      for (let i = dpChannelHandles(this.dataIndex, inPrefix) - 1; i >= 0; i--) travelling.push(inPrefix[i]);
    }
    let last: Message | null = null;
    for (let m = this.head; m !== null; last = m, m = m.next) {
      if (++n > 1_000_000) return report(`${name}: the message queue does not end`);
      for (let i = 0; i < m.nh; i++) travelling.push(m.handles[i]);
    }
    if (last !== this.tail) report(`${name}: the queue's tail is not its last message`);
    const signals = this.tracker.signals;
    if (n !== this.tracker.count) report(`${name}: ${this.tracker.count} messages counted, ${n} queued`);
    if ((n > 0) !== ((signals & MX_CHANNEL_READABLE) !== 0)) report(`${name}: READABLE does not match ${n} queued messages`);
    const peer = this.peer;
    if (peer !== null && peer.peer !== this) report(`${name}: its peer is not linked back`);
    if ((peer !== null) !== ((signals & MX_CHANNEL_WRITABLE) !== 0)) report(`${name}: WRITABLE does not match the peer link`);
    if ((peer === null) !== ((signals & MX_CHANNEL_PEER_CLOSED) !== 0)) report(`${name}: PEER_CLOSED does not match the peer link`);
    for (let w = this.callers.head; w !== null; w = w.next) {
      if (!w.queued || w.done) report(`${name}: a channel_call waiter is ${w.done ? "done" : "not marked queued"}`);
    }
  }

  /** Queued messages die with their handles; the peer learns it is alone. */
  override onZeroHandles(): void {
    const peer = this.peer;
    this.peer = null;
    while (this.tracker.count > 0) destroyMessage(this.pop());
    if (this.dataIndex >= 0) {
      dpChannelDestroy(this.dataIndex);
      this.dataIndex = -1;
    }
    if (peer !== null) peer.onPeerClosed();
  }

  private onPeerClosed(): void {
    this.peer = null;
    this.tracker.update(MX_CHANNEL_WRITABLE, MX_CHANNEL_PEER_CLOSED);
    let w = this.callers.head;
    while (w !== null) {
      const next: CallWaiter | null = w.next;
      w.fail(MX_ERR_PEER_CLOSED);
      w = next;
    }
  }
}

/** A connected pair of endpoints. */
export function channelPair(): [ChannelDispatcher, ChannelDispatcher] {
  const a = new ChannelDispatcher();
  const b = new ChannelDispatcher();
  a.peer = b;
  b.peer = a;
  // The data plane forgets at reset what the base heap's machine told it: each new channel tells it again.
  dpSetLimits(limits.maxPacketsPerPort, limits.maxMessagesPerChannel, limits.maxQueuedBytesPerProcess);
  const pair = dpChannelCreate(a, b);
  if (pair >= 0) {
    a.dataIndex = pair & 0xff;
    b.dataIndex = pair >>> 8;
  }
  return [a, b];
}
