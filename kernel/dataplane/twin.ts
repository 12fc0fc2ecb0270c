/**
 * The data plane in TypeScript, for Node: the twin of the C in this folder, line for line in behaviour
 * (dataplane.ts says what each function does; test/kernel/dataplane.spec.ts holds both to it). Typed arrays, fixed
 * pools and integer-coded answers, as in C, so that the two stay easy to compare. Node-only (it may use node:util),
 * so it is type-checked with the tools.
 */
import { types } from "node:util";

import { isU64, NUMBER } from "../args.ts";
import {
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BAD_STATE,
  MX_ERR_WRONG_TYPE,
  MX_CHANNEL_READABLE,
  MX_OBJ_TYPE_CHANNEL,
  MX_OBJ_TYPE_IOPORT2,
  MX_PKT_TYPE_INTERRUPT,
  MX_OK,
  MX_PORT_PACKET_SIZE,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_TIME_INFINITE,
} from "../constants.ts";
import { packetBytes } from "../packet.ts";
import { hal } from "../platform.ts";
import {
  type DataPlane,
  type EndpointFields,
  PREFIX_MESSAGE_HANDLES,
  PREFIX_MESSAGE_BYTES,
  PREFIX_POOL_MESSAGES,
  PREFIX_POOL_PACKETS,
  SLOT_FREE,
  SLOT_IN_TRANSIT,
  SLOT_LIVE,
  type InterruptFields,
  type PortFields,
  firstGeneration,
  nextGeneration,
  PROCESSES,
  type ProcessEntries,
  RIGHTS_MASK,
  SLOT_BITS,
  SLOT_MASK,
  STATE_SHIFT,
  type SlowPathName,
  type WatchedObject,
} from "./dataplane.ts";

const STATE_MASK = 3 << STATE_SHIFT;
const LIVE = SLOT_LIVE << STATE_SHIFT;
const IN_TRANSIT = SLOT_IN_TRANSIT << STATE_SHIFT;
const MAX_SLOTS = 0x10000;

/** One process's handle table. */
class Table {
  meta = new Uint32Array(16);
  type = new Uint8Array(16);
  obj = new Int16Array(16);
  nextFree = new Int32Array(16);
  /** Per slot, the object (dataplane.c keeps pointers to its WatchedObject fields instead). */
  objects: (WatchedObject | null)[] = [];
  slots = 0;
  used = 0;
  freeHead = -1;
  freeTail = -1;

  grow(): boolean {
    const n = this.meta.length;
    if (this.slots < n) return true;
    if (n >= MAX_SLOTS) return false;
    const bigger = <T extends Uint32Array | Uint8Array | Int16Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n * 2);
      b.set(a);
      return b;
    };
    this.meta = bigger(this.meta, (k) => new Uint32Array(k));
    this.type = bigger(this.type, (k) => new Uint8Array(k));
    this.obj = bigger(this.obj, (k) => new Int16Array(k));
    this.nextFree = bigger(this.nextFree, (k) => new Int32Array(k));
    return true;
  }
}

const tables: Table[] = Array.from({ length: PROCESSES }, () => new Table());

export function handleAlloc(proc: number, type: number, rights: number, obj: number, object: WatchedObject): number {
  const t = tables[proc];
  let slot: number;
  let gen: number;
  if (t.freeHead >= 0) {
    slot = t.freeHead;
    t.freeHead = t.nextFree[slot];
    if (t.freeHead < 0) t.freeTail = -1;
    gen = t.meta[slot] & ~(STATE_MASK | RIGHTS_MASK);
  } else {
    if (!t.grow()) return 0;
    slot = t.slots++;
    gen = firstGeneration(proc);
  }
  t.used++;
  t.meta[slot] = gen | LIVE | (rights & RIGHTS_MASK);
  t.type[slot] = type;
  t.obj[slot] = obj;
  t.nextFree[slot] = -1;
  t.objects[slot] = object;
  return (gen | slot) >>> 0;
}

export function handleGet(proc: number, value: unknown, need: number, type: number): number {
  if (typeof value !== NUMBER || ((value as number) | 0) !== value || (value as number) <= 0) return MX_ERR_BAD_HANDLE;
  const t = tables[proc];
  const slot = (value as number) & SLOT_MASK;
  const m = slot < t.slots ? t.meta[slot] : 0;
  if ((m & ~RIGHTS_MASK) !== (((value as number) & ~SLOT_MASK) | LIVE)) return MX_ERR_BAD_HANDLE;
  need &= RIGHTS_MASK;
  if ((m & need) !== need) return MX_ERR_ACCESS_DENIED;
  if (type !== 0 && t.type[slot] !== type) return MX_ERR_WRONG_TYPE;
  return ((m & RIGHTS_MASK) << SLOT_BITS) | slot;
}

export function handleMeta(proc: number, slot: number): number {
  const t = tables[proc];
  return slot < t.slots ? t.meta[slot] : 0;
}

export function handleSetState(proc: number, slot: number, from: number, to: number): boolean {
  const t = tables[proc];
  const m = t.meta[slot];
  if (slot >= t.slots || (m & STATE_MASK) !== from << STATE_SHIFT) return false;
  t.meta[slot] = (m & ~STATE_MASK) | (to << STATE_SHIFT);
  return true;
}

/** A slot in use (live or travelling), as dataplane.c checks it. */
function usedSlot(t: Table, slot: number): number {
  if (slot >= t.slots || (t.meta[slot] & STATE_MASK) === 0) throw new RangeError(`dataplane: handle slot ${slot} is free`);
  return slot;
}

export function handleRevalue(proc: number, slot: number, rights: number): number {
  const t = tables[proc];
  usedSlot(t, slot);
  const gen = nextGeneration(t.meta[slot]);
  t.meta[slot] = gen | LIVE | (rights & RIGHTS_MASK);
  return gen | slot;
}

export function handleRelease(proc: number, slot: number): void {
  const t = tables[proc];
  usedSlot(t, slot);
  t.meta[slot] = nextGeneration(t.meta[slot]) | (SLOT_FREE << STATE_SHIFT);
  t.type[slot] = 0;
  t.obj[slot] = -1;
  t.nextFree[slot] = -1;
  t.objects[slot] = null;
  if (t.freeTail < 0) t.freeHead = slot;
  else t.nextFree[t.freeTail] = slot;
  t.freeTail = slot;
  t.used--;
}

/** dataplane.h dp_handles_send: n live handles with TRANSFER, none the writing endpoint, into transit; or none. */
function handlesSend(proc: number, values: Int32Array, n: number, writer: number): boolean {
  const t = tables[proc];
  for (let i = 0; i < n; i++) {
    const r = handleGet(proc, values[i], MX_RIGHT_TRANSFER, 0);
    const slot = r & SLOT_MASK;
    if (r < 0 || (t.type[slot] === MX_OBJ_TYPE_CHANNEL && t.obj[slot] === writer)) {
      while (i-- > 0) t.meta[values[i] & SLOT_MASK] ^= LIVE | IN_TRANSIT;
      return false;
    }
    t.meta[slot] ^= LIVE | IN_TRANSIT;
  }
  return true;
}

/** dataplane.h dp_handles_receive: n travelling handles get new values (over `values`) if nothing waits through them. */
function handlesReceive(proc: number, values: Int32Array, n: number): boolean {
  const t = tables[proc];
  for (let i = 0; i < n; i++) {
    const slot = values[i] & SLOT_MASK;
    const o = t.objects[slot] as WatchedObject;
    if (
      (t.meta[slot] & ~RIGHTS_MASK) !== (((values[i] & ~SLOT_MASK) | IN_TRANSIT) >>> 0) ||
      (o.tracker !== null && o.tracker.head !== null) ||
      (o.waiters !== undefined && o.waiters.head !== null) ||
      (o.callers !== undefined && o.callers.head !== null)
    ) {
      return false;
    }
  }
  for (let i = 0; i < n; i++) {
    const slot = values[i] & SLOT_MASK;
    const gen = nextGeneration(t.meta[slot]);
    t.meta[slot] = gen | LIVE | (t.meta[slot] & RIGHTS_MASK);
    values[i] = gen | slot;
  }
  return true;
}

export function handleSlots(proc: number): number {
  return tables[proc].slots;
}

export function handleCount(proc: number): number {
  return tables[proc].used;
}

export function handleCheck(proc: number): string {
  const t = tables[proc];
  let inUse = 0;
  for (let slot = 0; slot < t.slots; slot++) {
    const state = (t.meta[slot] & STATE_MASK) >>> STATE_SHIFT;
    if (state === SLOT_LIVE || state === SLOT_IN_TRANSIT) inUse++;
    else if (state !== SLOT_FREE) return `handle slot ${slot}: state ${state}`;
  }
  if (inUse !== t.used) return `handle table: ${t.used} handles counted, ${inUse} slots in use`;
  let free = 0;
  for (let slot = t.freeHead; slot >= 0 && free <= t.slots; slot = t.nextFree[slot]) {
    if ((t.meta[slot] & STATE_MASK) !== 0) return `handle slot ${slot} is on the free list but in use`;
    free++;
  }
  if (free !== t.slots - t.used) return `handle table: ${free} slots on the free list, ${t.slots - t.used} free`;
  return "";
}

/*
 * Ports: each a FIFO of pool entries linked through `link`; the free pool entries linked the same way. An entry is
 * a user packet (owner -1, counted) or an interrupt binding's packet (owner: the binding).
 */
const PORTS = 32;
const pool = new Uint8Array(PREFIX_POOL_PACKETS * MX_PORT_PACKET_SIZE);
const poolWords = new Uint32Array(pool.buffer);
const link = new Int16Array(PREFIX_POOL_PACKETS);
const owner = new Int16Array(PREFIX_POOL_PACKETS);
let poolFree = -1;
const head = new Int16Array(PORTS).fill(-1);
const tail = new Int16Array(PORTS).fill(-1);
const count = new Int32Array(PORTS);
const length = new Int32Array(PORTS);
/** Per port, the port object (ports.c keeps pointers to its PortFields); null when free. */
const portObject: (PortFields | null)[] = new Array<PortFields | null>(PORTS).fill(null);
let packetLimit = 0;
let messageLimit = 0;
for (let i = PREFIX_POOL_PACKETS - 1; i >= 0; i--) {
  link[i] = poolFree;
  poolFree = i;
}

/** ports.c dp_port_plain. */
function plainPort(p: number): boolean {
  const o = portObject[p];
  return o !== null && o.head === null && o.waiters.head === null && !o.dead;
}

export function portCreate(object: PortFields): number {
  const p = portObject.indexOf(null);
  if (p < 0) return -1;
  portObject[p] = object;
  head[p] = tail[p] = -1;
  count[p] = length[p] = 0;
  return p;
}

/** A new entry at the end of port p's prefix for `by` (a binding, or -1: a user packet); -1 if the pool is empty. */
function appendEntry(p: number, by: number): number {
  const e = poolFree;
  if (e < 0) return -1;
  poolFree = link[e];
  link[e] = -1;
  owner[e] = by;
  if (tail[p] < 0) head[p] = e;
  else link[tail[p]] = e;
  tail[p] = e;
  length[p]++;
  if (by < 0) count[p]++;
  return e;
}

/** Unlinks entry e (after prev, or the head when prev is -1) and frees it. */
function unlinkEntry(p: number, e: number, prev: number): void {
  if (prev < 0) head[p] = link[e];
  else link[prev] = link[e];
  if (tail[p] === e) tail[p] = prev;
  length[p]--;
  if (owner[e] >= 0) (bindingObject[owner[e]] as InterruptFields).packet.queued = false;
  else count[p]--;
  link[e] = poolFree;
  poolFree = e;
}

function popEntry(p: number): number {
  const e = head[p];
  unlinkEntry(p, e, -1);
  return e;
}

export function portDestroy(p: number): void {
  while (head[p] >= 0) popEntry(p);
  for (let b = 0; b < BINDINGS; b++) if (bindingPort[b] === p) bindingPort[b] = -1;
  portObject[p] = null;
}

export function setLimits(maxPacketsPerPort: number, maxMessagesPerChannel: number, maxQueuedBytesPerProcess: number): void {
  packetLimit = maxPacketsPerPort;
  messageLimit = maxMessagesPerChannel;
  queueLimit = maxQueuedBytesPerProcess;
}

export function queuedBytes(proc: number): number {
  return queued[proc];
}

export function queueBytes(proc: number, delta: number): void {
  if (delta < 0 && -delta > queued[proc]) throw new RangeError("dataplane: more bytes dequeued than queued");
  queued[proc] += delta;
}


export function portCount(p: number): number {
  return count[p] | (length[p] << 16);
}

export function portPop(p: number, dst: Uint8Array): boolean {
  if (head[p] < 0) return false;
  const e = popEntry(p);
  dst.set(pool.subarray(e * MX_PORT_PACKET_SIZE, (e + 1) * MX_PORT_PACKET_SIZE));
  return true;
}

export function portCheck(p: number): string {
  let n = 0;
  let users = 0;
  let last = -1;
  for (let e = head[p]; e >= 0; last = e, e = link[e]) {
    if (++n > PREFIX_POOL_PACKETS) return "its prefix does not end";
    if (owner[e] < 0) users++;
  }
  if (n !== length[p] || users !== count[p]) return "its prefix's counts disagree with its packets";
  if (last !== tail[p]) return "its prefix's tail is not its last packet";
  return "";
}

/*
 * Interrupt bindings (interrupts.c): the object itself stands for the C pointers to its two fields. Node's HAL
 * has no sleep to share, so a synchronous wait is never served here: it always goes to the control plane.
 */
const BINDINGS = 16;
const bindingObject: (InterruptFields | null)[] = new Array<InterruptFields | null>(BINDINGS).fill(null);
const bindingVector = new Int32Array(BINDINGS);
/** The port, or -1 once it is gone. */
const bindingPort = new Int16Array(BINDINGS);
const bindingKey = new Uint32Array(BINDINGS * 2);
let interruptSlow: (vector: number, timestamp: number) => void = () => {
  throw new Error("dataplane: no slow path bound");
};

export function interruptBind(object: InterruptFields, vector: number, port: number, keyLo: number, keyHi: number): number {
  const b = bindingObject.indexOf(null);
  if (b < 0) return -1;
  bindingObject[b] = object;
  bindingVector[b] = vector;
  bindingPort[b] = port;
  bindingKey[2 * b] = keyLo;
  bindingKey[2 * b + 1] = keyHi;
  return b;
}

export function interruptUnbind(b: number): void {
  if (bindingObject[b] === null) throw new RangeError(`dataplane: interrupt binding ${b} is free`);
  const p = bindingPort[b];
  if (p >= 0) {
    for (let e = head[p], prev = -1; e >= 0; prev = e, e = link[e]) {
      if (owner[e] === b) {
        unlinkEntry(p, e, prev);
        break;
      }
    }
  }
  bindingObject[b] = null;
}

export function interruptSink(vector: number, timestamp: number): void {
  let b = 0;
  while (b < BINDINGS && (bindingObject[b] === null || bindingVector[b] !== vector)) b++;
  const object = b < BINDINGS ? bindingObject[b] : null;
  const p = object === null ? -1 : bindingPort[b];
  const e = p < 0 || !plainPort(p) || object!.pending || object!.packet.queued ? -1 : appendEntry(p, b);
  if (e < 0) return interruptSlow(vector, timestamp);
  const w = e * 12;
  poolWords.fill(0, w, w + 12);
  poolWords[w] = bindingKey[2 * b];
  poolWords[w + 1] = bindingKey[2 * b + 1];
  poolWords[w + 2] = MX_PKT_TYPE_INTERRUPT;
  poolWords[w + 4] = timestamp;
  poolWords[w + 5] = timestamp / 0x1_0000_0000;
  object!.pending = true;
  object!.packet.queued = true;
}

export function setForeignHal(_foreign: boolean): void {}

/*
 * Channel endpoints: the object itself stands for dataplane.c's pointers to its fields.
 */
const ENDPOINTS = 32;
const blocks = new Uint8Array(PREFIX_POOL_MESSAGES * PREFIX_MESSAGE_BYTES);
const blockSize = new Uint8Array(PREFIX_POOL_MESSAGES);
const blockLink = new Int16Array(PREFIX_POOL_MESSAGES);
const blockNh = new Uint8Array(PREFIX_POOL_MESSAGES);
/** The process that wrote each block's message: its bytes count against that process. */
const blockWriter = new Uint8Array(PREFIX_POOL_MESSAGES);
/** dataplane.c dp_queued_bytes: per process, bytes of the messages it wrote that are queued. */
const queued = new Uint32Array(PROCESSES);
let queueLimit = 0;
/** Per block, its handle values (PREFIX_MESSAGE_HANDLES of them), as written: in transit. */
const blockValues = new Int32Array(PREFIX_POOL_MESSAGES * PREFIX_MESSAGE_HANDLES);
let blockFree = -1;
for (let i = PREFIX_POOL_MESSAGES - 1; i >= 0; i--) {
  blockLink[i] = blockFree;
  blockFree = i;
}
const endpointObject: (EndpointFields | null)[] = new Array<EndpointFields | null>(ENDPOINTS).fill(null);
const endpointPeer = new Int16Array(ENDPOINTS).fill(-1);
const endpointHead = new Int16Array(ENDPOINTS).fill(-1);
const endpointTail = new Int16Array(ENDPOINTS).fill(-1);
const endpointCount = new Int32Array(ENDPOINTS);

export function channelCreate(a: EndpointFields, b: EndpointFields): number {
  const i = endpointObject.indexOf(null);
  const j = i < 0 ? -1 : endpointObject.indexOf(null, i + 1);
  if (j < 0) return -1;
  for (const [e, d, peer] of [[i, a, j], [j, b, i]] as const) {
    endpointObject[e] = d;
    endpointPeer[e] = peer;
    endpointHead[e] = endpointTail[e] = -1;
    endpointCount[e] = 0;
  }
  return i | (j << 8);
}

function liveEndpoint(e: number): number {
  if (endpointObject[e] === null) throw new RangeError(`dataplane: endpoint ${e} is free`);
  return e;
}

function popMessage(e: number): number {
  const b = endpointHead[e];
  endpointHead[e] = blockLink[b];
  if (endpointHead[e] < 0) endpointTail[e] = -1;
  endpointCount[e]--;
  queued[blockWriter[b]] -= blockSize[b] + 1;
  blockLink[b] = blockFree;
  blockFree = b;
  return b;
}

export function channelDestroy(e: number): void {
  liveEndpoint(e);
  while (endpointHead[e] >= 0) popMessage(e);
  if (endpointPeer[e] >= 0) endpointPeer[endpointPeer[e]] = -1;
  endpointPeer[e] = -1;
  endpointObject[e] = null;
}

export function channelCount(e: number): number {
  return endpointCount[liveEndpoint(e)];
}

export function channelPeek(e: number): number {
  liveEndpoint(e);
  const b = endpointHead[e];
  return b < 0 ? -1 : blockSize[b] + 1 + (blockNh[b] << 16);
}

export function channelPop(e: number, dst: Uint8Array, handles: number[]): number {
  const shape = channelPeek(e);
  if (shape < 0) return -1;
  const size = shape & 0xffff;
  if (dst.length < size) throw new TypeError("dataplane: channelPop needs room for the message");
  const b = popMessage(e);
  dst.set(blocks.subarray(b * PREFIX_MESSAGE_BYTES, b * PREFIX_MESSAGE_BYTES + size));
  for (let i = 0; i < blockNh[b]; i++) handles[i] = blockValues[b * PREFIX_MESSAGE_HANDLES + i];
  return shape;
}

export function channelHandles(e: number, out: number[]): number {
  liveEndpoint(e);
  let k = 0;
  for (let b = endpointHead[e]; b >= 0; b = blockLink[b]) {
    for (let i = 0; i < blockNh[b]; i++) out[k++] = blockValues[b * PREFIX_MESSAGE_HANDLES + i];
  }
  return k;
}

export function channelCheck(e: number): string {
  liveEndpoint(e);
  let n = 0;
  let last = -1;
  for (let b = endpointHead[e]; b >= 0; last = b, b = blockLink[b]) if (++n > PREFIX_POOL_MESSAGES) return "its prefix does not end";
  if (n !== endpointCount[e]) return "its prefix count disagrees with its messages";
  if (last !== endpointTail[e]) return "its prefix's tail is not its last message";
  if (endpointPeer[e] >= 0 && endpointPeer[endpointPeer[e]] !== e) return "its peer is not linked back";
  return "";
}

/* The syscall entries (dataplane.c says why they are shaped so): process 0's are the module's functions, other
 * processes' are closures over the same bodies (processes.c's C functions, one per process, on the device). */
let nextDeadline = MX_TIME_INFINITE;
type SlowPath = (...args: unknown[]) => number;
const unbound: SlowPath = () => {
  throw new Error("dataplane: no slow path bound");
};
let queueSlow = unbound;
let waitSlow = unbound;
let writeSlow = unbound;
let readSlow = unbound;

export function setNextDeadline(deadline: bigint): void {
  nextDeadline = deadline;
}

/** dataplane.c dp_deadline_due, on whatever HAL the kernel runs. */
function deadlineDue(): boolean {
  return nextDeadline !== MX_TIME_INFINITE && nextDeadline <= hal.now();
}

export function bindSlowPath(name: SlowPathName, slowPath: (...args: never[]) => number | void): void {
  const f = slowPath as SlowPath;
  if (name === "mx_port_queue") queueSlow = f;
  else if (name === "mx_port_wait") waitSlow = f;
  else if (name === "mx_channel_write") writeSlow = f;
  else if (name === "mx_channel_read") readSlow = f;
  else interruptSlow = f as (vector: number, timestamp: number) => void;
}

/** Node's entries recognise packets with packet.ts's own brand check. */
export function bindPacketSample(_packetSample: object): void {}

/** dataplane.h dp_fast_object: the object a live handle with `need` and of `type` names; -1 otherwise, or when a
 * deadline is due. */
function fastObject(proc: number, handle: unknown, need: number, type: number): number {
  if (deadlineDue()) return -1;
  const r = handleGet(proc, handle, need, type);
  return r < 0 ? -1 : tables[proc].obj[r & SLOT_MASK];
}

/** The port a live V2 port handle names with WRITE, with size 0; -1 otherwise. */
function fastPort(proc: number, handle: unknown, size: unknown): number {
  return size !== 0 ? -1 : fastObject(proc, handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
}

function portQueue(proc: number, queueSlow: SlowPath, handle: unknown, packet: unknown, size: unknown): number {
  const p = fastPort(proc, handle, size);
  const bytes = p < 0 ? null : packetBytes(packet);
  if (p < 0 || !plainPort(p) || count[p] >= packetLimit || poolFree < 0 || hal.byteLength(bytes) < MX_PORT_PACKET_SIZE) {
    return queueSlow(handle, packet, size);
  }
  const at = appendEntry(p, -1) * MX_PORT_PACKET_SIZE;
  hal.copyBytes(pool, at, bytes, 0, MX_PORT_PACKET_SIZE);
  pool[at + 8] = pool[at + 9] = pool[at + 10] = pool[at + 11] = 0; // MX_PKT_TYPE_USER
  return MX_OK;
}

function portWait(proc: number, waitSlow: SlowPath, handle: unknown, deadline: unknown, packet: unknown, size: unknown): number {
  const p = fastPort(proc, handle, size);
  if (p < 0 || head[p] < 0 || !isU64(deadline)) return waitSlow(handle, deadline, packet, size);
  const e = head[p];
  if (!hal.copyBytes(packetBytes(packet), 0, pool, e * MX_PORT_PACKET_SIZE, MX_PORT_PACKET_SIZE)) {
    return waitSlow(handle, deadline, packet, size);
  }
  popEntry(p);
  return MX_OK;
}

/** channels.c array_elements: a plain Array (no Proxy) of at least `length` elements whose first n are data
 * properties (writable, to be written). */
function plainArray(v: unknown, length: number, n: number, writable: boolean): v is number[] {
  if (!Array.isArray(v) || types.isProxy(v) || !(v.length >= length)) return false;
  for (let i = 0; i < n; i++) {
    const d = Object.getOwnPropertyDescriptor(v, i);
    if (d === undefined || !("value" in d) || (writable && !d.writable)) return false;
  }
  return true;
}

/** Handle values on their way through a fast path (one call at a time: nothing runs in between). */
const moving = new Int32Array(PREFIX_MESSAGE_HANDLES);

/** The handle values of a message being written, into `moving`: n positive int32 numbers, the data elements of a
 * plain array; false otherwise. */
function handleValues(v: unknown, n: number): boolean {
  if (!plainArray(v, n, n, false)) return false;
  for (let i = 0; i < n; i++) {
    const x: unknown = v[i];
    if (typeof x !== NUMBER || ((x as number) | 0) !== x || (x as number) <= 0) return false;
    moving[i] = x as number;
  }
  return true;
}

/** A count the fast paths take as it is: an int32 number in 1..limit; -1 otherwise. */
function smallCount(v: unknown, limit: number): number {
  return typeof v === NUMBER && ((v as number) | 0) === v && (v as number) >= 1 && (v as number) <= limit ? (v as number) : -1;
}

function channelWrite(
  proc: number,
  writeSlow: SlowPath,
  handle: unknown,
  options: unknown,
  bytes: unknown,
  numBytes: unknown,
  handles: unknown,
  numHandles: unknown,
): number {
  const e = options === 0 ? fastObject(proc, handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_CHANNEL) : -1;
  const peer = e < 0 ? -1 : endpointPeer[e];
  const n = smallCount(numBytes, PREFIX_MESSAGE_BYTES);
  const d = peer < 0 ? null : (endpointObject[peer] as EndpointFields);
  const nh = typeof numHandles === NUMBER && ((numHandles as number) | 0) === numHandles ? (numHandles as number) : -1;
  const values = nh > 0 && nh <= PREFIX_MESSAGE_HANDLES && handleValues(handles, nh) ? moving : null;
  if (
    d === null ||
    n < 0 ||
    (nh === 0 ? handles !== null && handles !== undefined : values === null) ||
    d.tracker.head !== null ||
    d.head !== null ||
    d.callers.head !== null ||
    d.tracker.count >= messageLimit ||
    (proc !== 0 && queued[proc] + n > queueLimit) ||
    blockFree < 0 ||
    hal.byteLength(bytes) < n ||
    (values !== null && !handlesSend(proc, values, nh, e))
  ) {
    return writeSlow(handle, options, bytes, numBytes, handles, numHandles);
  }
  const b = blockFree;
  blockFree = blockLink[b];
  hal.copyBytes(blocks, b * PREFIX_MESSAGE_BYTES, bytes, 0, n);
  blockSize[b] = n - 1;
  blockNh[b] = values === null ? 0 : nh;
  blockWriter[b] = proc;
  queued[proc] += n;
  if (values !== null) blockValues.set(values.subarray(0, nh), b * PREFIX_MESSAGE_HANDLES);
  blockLink[b] = -1;
  if (endpointTail[peer] < 0) endpointHead[peer] = b;
  else blockLink[endpointTail[peer]] = b;
  endpointTail[peer] = b;
  endpointCount[peer]++;
  d.tracker.count++;
  d.tracker.signals |= MX_CHANNEL_READABLE;
  return MX_OK;
}

function channelRead(
  proc: number,
  readSlow: SlowPath,
  handle: unknown,
  options: unknown,
  bytes: unknown,
  handles: unknown,
  numBytes: unknown,
  numHandles: unknown,
  actualBytes: unknown,
  actualHandles: unknown,
): number {
  const e = fastObject(proc, handle, MX_RIGHT_READ, MX_OBJ_TYPE_CHANNEL);
  const b = e < 0 ? -1 : endpointHead[e];
  const size = b < 0 ? 0 : blockSize[b] + 1;
  const nh = b < 0 ? 0 : blockNh[b];
  for (let i = 0; i < nh; i++) moving[i] = blockValues[b * PREFIX_MESSAGE_HANDLES + i];
  const d = e < 0 ? null : (endpointObject[e] as EndpointFields);
  const capacity = smallCount(numBytes, 0x7fffffff);
  const room = typeof numHandles === NUMBER && ((numHandles as number) | 0) === numHandles ? (numHandles as number) : -1;
  if (
    d === null ||
    size === 0 ||
    options !== 0 ||
    d.tracker.head !== null ||
    capacity < size ||
    room < 0 ||
    (nh > 0 && (room < nh || !plainArray(handles, room, nh, true))) ||
    (actualBytes !== null && actualBytes !== undefined) ||
    (actualHandles !== null && actualHandles !== undefined) ||
    hal.byteLength(bytes) < capacity ||
    (nh > 0 && !handlesReceive(proc, moving, nh))
  ) {
    return readSlow(handle, options, bytes, handles, numBytes, numHandles, actualBytes, actualHandles);
  }
  for (let i = 0; i < nh; i++) (handles as number[])[i] = moving[i];
  hal.copyBytes(bytes, 0, blocks, b * PREFIX_MESSAGE_BYTES, size);
  popMessage(e);
  if (--d.tracker.count === 0) d.tracker.signals &= ~MX_CHANNEL_READABLE;
  return MX_OK;
}

export function mx_port_queue(handle: unknown, packet: unknown, size: unknown): number {
  return portQueue(0, queueSlow, handle, packet, size);
}

export function mx_port_wait(handle: unknown, deadline: unknown, packet: unknown, size: unknown): number {
  return portWait(0, waitSlow, handle, deadline, packet, size);
}

export function mx_channel_write(h: unknown, o: unknown, b: unknown, nb: unknown, hs: unknown, nh: unknown): number {
  return channelWrite(0, writeSlow, h, o, b, nb, hs, nh);
}

export function mx_channel_read(h: unknown, o: unknown, b: unknown, hs: unknown, nb: unknown, nh: unknown, ab: unknown, ah: unknown): number {
  return channelRead(0, readSlow, h, o, b, hs, nb, nh, ab, ah);
}

/** The slow paths all processes' entries share (processes.c keeps them on process 0's entries). */
const processSlow: Record<string, SlowPath> = {};

export function bindProcessSlowPath(name: keyof ProcessEntries, slowPath: (...args: never[]) => number): void {
  processSlow[name] = slowPath as SlowPath;
}

/** processes.c dp_current_process: the process whose entry runs, 0 outside any. */
let runningProcess = 0;

export function takeProcess(): number {
  const proc = runningProcess;
  runningProcess = 0;
  return proc;
}

/** Per process's entries, whether they are revoked (processes.c changes the functions themselves instead). */
const revoked = new WeakMap<ProcessEntries, { revoked: boolean }>();

export function processEntries(proc: number): ProcessEntries {
  if (!(Number.isInteger(proc) && proc > 0 && proc < PROCESSES)) throw new RangeError("dataplane: argument 0");
  const slow = (name: string): SlowPath => (...args: unknown[]) => processSlow[name](...args);
  const [q, w, cw, cr] = [slow("mx_port_queue"), slow("mx_port_wait"), slow("mx_channel_write"), slow("mx_channel_read")];
  const state = { revoked: false };
  /** As processes.c's entries: the process is running while its entry does, and not after. */
  const run = (body: () => number): number => {
    if (state.revoked) return MX_ERR_BAD_STATE;
    runningProcess = proc;
    try {
      return body();
    } finally {
      runningProcess = 0;
    }
  };
  const entries: ProcessEntries = {
    mx_port_queue: (h, p, s) => run(() => portQueue(proc, q, h, p, s)),
    mx_port_wait: (h, d, p, s) => run(() => portWait(proc, w, h, d, p, s)),
    mx_channel_write: (h, o, b, nb, hs, nh) => run(() => channelWrite(proc, cw, h, o, b, nb, hs, nh)),
    mx_channel_read: (h, o, b, hs, nb, nh, ab, ah) => run(() => channelRead(proc, cr, h, o, b, hs, nb, nh, ab, ah)),
  };
  revoked.set(entries, state);
  return entries;
}

export function processEntriesRevoke(entries: ProcessEntries): void {
  const state = revoked.get(entries);
  if (state === undefined) throw new RangeError("dataplane: not a process's entries");
  state.revoked = true;
}

/** The twin has exactly the data plane's functions (a compile-time check; nothing runs). */
type Conforms<T extends DataPlane> = T;
export type TwinConforms = Conforms<typeof import("./twin.ts")>;
