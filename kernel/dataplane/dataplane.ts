/**
 * The data plane: the kernel state that every IPC operation touches, kept where compiled code can reach it, and the
 * few fast paths that run entirely inside it.
 *
 * Why it exists: on XS, the interpreter alone costs ~15,000 instructions for a port round trip however lean the
 * JavaScript (issue 11), while the same work in C costs ~200. So the per-packet state lives here, and the hot
 * syscalls make one call into it. Everything else (every check order, every error, waiters, observers, deadlines,
 * V1 ports, handle transfer) stays in the TypeScript control plane, which remains the specification.
 *
 * Two implementations held equal by one spec suite (test/kernel/dataplane.spec.ts, run on Node and on every board):
 * `dataplane.c` on the device and `twin.ts` on Node. The `#dataplane` import picks one (package.json "imports" on
 * Node, kernel/manifest.json "modules" on the device).
 *
 * State, per process (`proc`: process.ts; 0 is the program the firmware starts):
 * - The handle table: per slot, `generation << 16 | state << 14 | rights`, the object's type and its data-plane
 *   object index (a port's index below, or -1). A value is `generation << 16 | slot` (handle_table.ts explains the
 *   encoding). The control plane keeps the slot's object beside it, in its own array indexed by the same slot.
 * Shared by all processes:
 * - Ports' packet queues: the oldest part of each V2 port's queue (its "prefix"), as 48-byte images in a pool of
 *   fixed size. Whatever the prefix cannot hold, and every packet the kernel itself owns (signal and interrupt
 *   packets), the control plane queues behind it (its "suffix"); while a port has a suffix, waiters, or no handles,
 *   the fast queue path falls back. So the queue's order is always prefix then suffix, and no path can reorder it.
 * - Channel endpoints' message queues, the same way: a prefix of messages (up to 128 bytes and 4 handles each, in a
 *   pool of fixed size), then the control plane's suffix (larger messages, and any written while the endpoint was
 *   not plain), and two of the endpoint's fields the fast paths keep exact: channelCreate says which.
 * Whether a port or an endpoint is plain the data plane reads in place from the control plane's own fields
 * (PortFields, EndpointFields), so there is one statement of it, the control plane's, and nothing to keep in step.
 *
 * The fall-back rule: a fast path either completes the whole syscall exactly as the control plane would (same
 * status, same out-parameters, same packets, same order) or changes nothing and hands the call, with the same
 * arguments, to the control plane, which runs it from its first check. Anything not plain (an error of any kind, an
 * argument that is not the usual type, armed deadlines, a waiter to wake, a full prefix) falls back.
 */

/** A handle value is `generation << SLOT_BITS | slot`; generations run 1..MAX_GENERATION (handle_table.ts). */
export const SLOT_BITS = 16;
export const SLOT_MASK = 0xffff;
export const MAX_GENERATION = 0x7fff;
/** A slot's meta word: generation << 16 | state << STATE_SHIFT | rights. */
export const STATE_SHIFT = 14;
export const RIGHTS_MASK = 0x3fff;
/** Handle tables, one per process (process 0 is the program the firmware starts). */
export const PROCESSES = 16;
/**
 * A table's generations all say whose they are: process p's are p+1, p+1+16, p+1+32, ... So a value names at most
 * one process's handle (in any other table the generation check fails: MX_ERR_BAD_HANDLE), and a travelling
 * handle's value says which table holds it. A slot's value comes back after 2,047 reuses.
 */
export function processOf(value: number): number {
  return ((value >>> SLOT_BITS) - 1) & (PROCESSES - 1);
}
/** The generation of a table's new slot, shifted into place. */
export function firstGeneration(proc: number): number {
  return (proc + 1) << SLOT_BITS;
}
/** The generation that follows the one in a slot's meta word, shifted into place: the same process's, wrapping. */
export function nextGeneration(meta: number): number {
  const gen = meta >>> SLOT_BITS;
  return (gen + PROCESSES > MAX_GENERATION ? ((gen - 1) & (PROCESSES - 1)) + 1 : gen + PROCESSES) << SLOT_BITS;
}

/** Handle slot states. */
export const SLOT_FREE = 0;
export const SLOT_LIVE = 1;
export const SLOT_IN_TRANSIT = 2;

/** Packets the prefix pool holds, shared by all ports: 1.5 KiB of RAM on the device. Its size decides only how
 * often queuing takes the slow path, never a result, so the two implementations could even differ. */
export const PREFIX_POOL_PACKETS = 32;
/** Messages the channels' prefix pool holds, and the largest message it takes (2 KiB of RAM on the device). */
export const PREFIX_POOL_MESSAGES = 16;
export const PREFIX_MESSAGE_BYTES = 128;
/** The most handles a prefix message carries. */
export const PREFIX_MESSAGE_HANDLES = 4;

/** What the data plane reads of an object that handles name: whatever waits through a handle is registered there
 * (its tracker's observers, a port's waiters, a channel's call waiters), null when nothing is. */
export interface WatchedObject {
  readonly tracker: { readonly head: unknown } | null;
  readonly waiters?: { readonly head: unknown };
  readonly callers?: { readonly head: unknown };
}

/** What the data plane reads of a V2 port object (port.ts PortDispatcher): it is plain while all three say so. */
export interface PortFields {
  /** The suffix's first packet: null when the prefix is the whole queue. */
  readonly head: unknown;
  /** Waiters: null when nobody waits. */
  readonly waiters: { readonly head: unknown };
  /** True once the port's last handle has gone. */
  readonly dead: boolean;
}

/** What the data plane reads and writes of a channel endpoint object (channel.ts ChannelDispatcher). */
export interface EndpointFields {
  /** The suffix's first message: null when the prefix is the whole queue. */
  readonly head: unknown;
  /** mx_channel_call waiters for a reply on this endpoint: null when none. */
  readonly callers: { readonly head: unknown };
  readonly tracker: {
    /** The endpoint's signal word: the fast paths set and clear READABLE in it. */
    signals: number;
    /** Messages queued, prefix and suffix: the fast paths count them in and out. */
    count: number;
    /** Observers: null when nobody observes the endpoint. */
    readonly head: unknown;
  };
}

/** The data plane's functions that hand what is not plain to the control plane: the syscall entries, and the sink
 * the kernel gives the HAL's drainInterrupts. */
export type SlowPathName = "mx_port_queue" | "mx_port_wait" | "mx_channel_write" | "mx_channel_read" | "interruptSink";

/** A process's data-plane syscall entries, or the slow paths behind them. */
export interface ProcessEntries {
  mx_port_queue: DataPlane["mx_port_queue"];
  mx_port_wait: DataPlane["mx_port_wait"];
  mx_channel_write: DataPlane["mx_channel_write"];
  mx_channel_read: DataPlane["mx_channel_read"];
}

/** What the data plane reads and writes of an interrupt object (interrupt.ts InterruptDispatcher). */
export interface InterruptFields {
  /** A packet went out and has not been acknowledged: set when the data plane queues the packet. */
  pending: boolean;
  /** The object's one packet: `queued` while it is in a port's queue, prefix or suffix. */
  readonly packet: { queued: boolean };
}

/** The data plane's functions, as both implementations export them (module-level bindings: one call each). */
export interface DataPlane {
  /** Installs a live handle to `object`, of `type` (data-plane object `obj`, or -1) with `rights`; its value, or 0
   * when no memory is left for the table. The caller has already checked the kernel's handle limit. Until the slot
   * is released the data plane reads the object's WatchedObject fields: the control plane keeps them where they are. */
  handleAlloc(proc: number, type: number, rights: number, obj: number, object: WatchedObject): number;
  /** Looks a live handle up: `rights << 16 | slot`, or BAD_HANDLE, ACCESS_DENIED (lacking `need`), WRONG_TYPE (type
   * not `type`, unless `type` is 0), in that order. Any value that is not a positive int32 number is BAD_HANDLE. */
  handleGet(proc: number, value: unknown, need: number, type: number): number;
  /** A slot's meta word (generation << 16 | state << 14 | rights); 0 for a slot never used. */
  handleMeta(proc: number, slot: number): number;
  /** Moves a slot between LIVE and IN_TRANSIT; false (nothing changed) if it was not in `from`. */
  handleSetState(proc: number, slot: number, from: number, to: number): boolean;
  /** Gives a slot its next generation, LIVE, with `rights`; the new value. */
  handleRevalue(proc: number, slot: number, rights: number): number;
  /** Frees a slot (next generation, FREE) at the end of the free list. */
  handleRelease(proc: number, slot: number): void;
  /** Slots ever used (the table's length). */
  handleSlots(proc: number): number;
  /** Handles in existence (live and in transit). */
  handleCount(proc: number): number;
  /** The table's own consistency: "" or a description of the first problem found. */
  handleCheck(proc: number): string;

  /** A prefix queue for V2 port `object`; its index, or -1 if none is left (the port then lives in the control
   * plane). Until portDestroy the data plane reads the object's PortFields: the control plane keeps them where
   * they are. */
  portCreate(object: PortFields): number;
  /** Drops the prefix's packets and frees the index (the port has no handles left). */
  portDestroy(port: number): void;
  /** The kernel's maxPacketsPerPort, maxMessagesPerChannel and maxQueuedBytesPerProcess, which the fast paths obey. */
  setLimits(maxPacketsPerPort: number, maxMessagesPerChannel: number, maxQueuedBytesPerProcess: number): void;
  /** Bytes of the channel messages process `proc` wrote that are queued (prefix and suffix): the fast write adds
   * them, every pop from a prefix takes them off, and the control plane reports its suffix's with queueBytes (not
   * for process 0, which no limit binds: its count is its prefix's only). */
  queuedBytes(proc: number): number;
  /** The control plane queued (`delta` > 0) or dequeued a suffix message of `delta` bytes that `proc` wrote. */
  queueBytes(proc: number, delta: number): void;
  /** User packets in the prefix (they count against the port's limit) | all its packets << 16. */
  portCount(port: number): number;
  /** Moves the oldest prefix packet into `dst` (48 bytes, a kernel buffer); false if the prefix is empty. */
  portPop(port: number, dst: Uint8Array): boolean;
  /** "" or a description of the first problem in a port's prefix or the pool. */
  portCheck(port: number): string;

  /**
   * A connected pair of endpoints for channel objects `a` and `b`: `a's index | b's index << 8`, or -1 if none
   * are left (the channel then lives in the control plane). From now until channelDestroy the data plane reads and
   * writes the EndpointFields of both objects: the control plane must keep them where they are.
   */
  channelCreate(a: EndpointFields, b: EndpointFields): number;
  /** Frees an endpoint (its object has no handles left and the control plane has emptied it); its peer is closed. */
  channelDestroy(endpoint: number): void;
  /** Messages in an endpoint's prefix. */
  channelCount(endpoint: number): number;
  /** The oldest prefix message's size | its handle count << 16, or -1. */
  channelPeek(endpoint: number): number;
  /** Moves the oldest prefix message into `dst` (a kernel buffer at least its size) and the values of its handles,
   * still in transit, into `handles`; its size | handle count << 16, or -1 if none. */
  channelPop(endpoint: number, dst: Uint8Array, handles: number[]): number;
  /** The values of every handle travelling in an endpoint's prefix, into `out`; how many. */
  channelHandles(endpoint: number, out: number[]): number;
  /** "" or a description of the first problem in an endpoint's prefix or its peer link. */
  channelCheck(endpoint: number): string;

  /** The kernel's earliest armed deadline (MX_TIME_INFINITE: none). Once it is due, every syscall enters the control
   * plane, which serves it first (clock.ts kernel_enter); on a HAL of the kernel's own, as soon as one is armed. */
  setNextDeadline(deadline: bigint): void;
  /**
   * The syscall entries themselves (kernel/index.ts exports them), each the whole syscall when it is plain:
   * - mx_port_queue appends a USER packet (the 48 bytes of the packet argument, type forced to USER) to a V2
   *   port's prefix through a handle with WRITE, size 0;
   * - mx_port_wait moves the oldest prefix packet of such a port into the packet argument, given a valid deadline;
   * - mx_channel_write appends 1..128 bytes and up to 4 handles (from a plain array; each live, with TRANSFER, not
   *   the writing endpoint: they go in transit), options 0, to the prefix of a peer nobody observes or calls
   *   through, with no suffix, below the message limit; it sets the peer's READABLE and counts the message;
   * - mx_channel_read moves the oldest prefix message of an endpoint nobody observes into buffers that hold it
   *   (the handles into a plain array, each handle given its new value, when nothing waits through any of them),
   *   options 0, no size out-parameters; it counts the message out and clears READABLE with the last one.
   * Anything else goes on to the slow path bound to the entry, with the same arguments.
   */
  mx_port_queue(handle: unknown, packet: unknown, size: unknown): number;
  mx_port_wait(handle: unknown, deadline: unknown, packet: unknown, size: unknown): number;
  mx_channel_write(handle: unknown, options: unknown, bytes: unknown, numBytes: unknown, handles: unknown, numHandles: unknown): number;
  mx_channel_read(
    handle: unknown,
    options: unknown,
    bytes: unknown,
    handles: unknown,
    numBytes: unknown,
    numHandles: unknown,
    actualBytes: unknown,
    actualHandles: unknown,
  ): number;
  /** Binds the control plane's implementation of `name` (process 0's, for the entries above). Once, at load. */
  bindSlowPath(name: SlowPathName, slowPath: (...args: never[]) => number | void): void;
  /** Binds the slow path of entry `name` for every process but 0, with the entry's arguments. Once, at load. */
  bindProcessSlowPath(name: keyof ProcessEntries, slowPath: (...args: never[]) => number): void;
  /** The process whose entry handed its call to the slow path now running, once: 0 afterwards, outside any process's
   * entry, and for a slow path a process called itself (the control plane refuses 0). */
  takeProcess(): number;
  /** The four entries of process `proc` (1..PROCESSES-1): new functions that run in its handle table and hand what is
   * not plain to the process slow paths. */
  processEntries(proc: number): ProcessEntries;
  /** The process whose entries these are has ended: from now on they answer MX_ERR_BAD_STATE and nothing else (its
   * table may be given to a new process, and its code may still run). */
  processEntriesRevoke(entries: ProcessEntries): void;

  /**
   * Binds interrupt object `object` (bound to the V2 port whose data-plane index is `port`, with the packet key's
   * two halves) so that its packet goes straight into the port's prefix while both are plain; the binding's index,
   * or -1 if none is left (the control plane then queues every packet). Until interruptUnbind the data plane reads
   * and writes the object's InterruptFields.
   */
  interruptBind(object: InterruptFields, vector: number, port: number, keyLo: number, keyHi: number): number;
  /** Ends a binding; its packet leaves the prefix if it is there. */
  interruptUnbind(binding: number): void;
  /**
   * The sink for the HAL's drainInterrupts: the record of a plain binding becomes its packet in the prefix (stamped
   * with `timestamp`, its object `pending`); any other record goes to the bound slow path, interrupt.ts's sink.
   * On the device, a synchronous mx_port_wait on a plain, empty port with a binding also takes records itself and
   * sleeps until its packet comes, unless the kernel runs on a HAL of its own (setForeignHal).
   */
  interruptSink(vector: number, timestamp: number): void;
  /** The kernel runs on a HAL other than the build's (kernel_set_hal): the data plane must not take its records. */
  setForeignHal(foreign: boolean): void;
  /** A genuine packet, whose private field the device's port entries learn to recognise. Once, at load. */
  bindPacketSample(packetSample: object): void;
}
