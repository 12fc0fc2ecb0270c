/**
 * The base of every kernel object (Magenta's Dispatcher): its type, how many handles name it, and its state tracker
 * if it is waitable.
 *
 * Objects die when their last handle goes (on_zero_handles). Destroying one can close more handles (a channel's
 * queued messages hold handles, which may be the last handles of other channels...), so zero-handle objects go on a
 * work list that is drained in a loop rather than by recursion: nesting depth costs no stack, which matters on a
 * microcontroller where the XS stack is a few hundred slots.
 */
import {
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_PEER_CLOSED,
  MX_OK,
  MX_SIGNAL_LAST_HANDLE,
  MX_USER_SIGNAL_ALL,
} from "./constants.ts";
import type { StateTracker } from "./state_tracker.ts";

/** Where the invariant walker's checks report what they found wrong (invariants.ts). */
export type Report = (problem: string) => void;

export abstract class Dispatcher {
  // Fields are declared, and set in the constructor, rather than given initializers: XS runs a class's field
  // initializers as a function of their own and defines each field through it, which every object made pays
  // (measured on mps2-an386: `new EventDispatcher()` ~6,500 -> ~5,600 instructions). The same in StateTracker and
  // ProcessDispatcher (whose live objects are copies of a template: process.ts).
  declare readonly type: number;
  declare readonly tracker: StateTracker | null;
  /** Handles naming this object, including handles travelling inside messages. */
  declare handleCount: number;
  declare zeroNext: Dispatcher | null;
  /** The object's index in the data plane (a port's prefix queue), or -1: handles carry it for the fast paths. */
  declare dataIndex: number;

  constructor(type: number, tracker: StateTracker | null) {
    this.type = type;
    this.tracker = tracker;
    this.handleCount = 0;
    this.zeroNext = null;
    this.dataIndex = -1;
  }

  /** The last handle is gone: release resources, tell the peer. */
  onZeroHandles(): void {}

  /** Handle `h` to this object is going away (closed, replaced, or moved by a read): end what waits through it. */
  cancelHandle(h: number): void {
    if (this.tracker !== null) this.tracker.cancel(h);
  }

  /** Signal bits a user may set or clear with mx_object_signal. */
  userSignalMask(): number {
    return MX_USER_SIGNAL_ALL;
  }

  /**
   * The invariant walker's checks of this object (invariants.ts); `name` says which object in a report. Every
   * waitable object: LAST_HANDLE is set exactly when one handle names it, and its observers are consistent.
   */
  checkInvariants(name: string, report: Report): void {
    if (this.tracker === null) return;
    const last = (this.tracker.signals & MX_SIGNAL_LAST_HANDLE) !== 0;
    if (last !== (this.handleCount === 1)) report(`${name}: LAST_HANDLE ${last ? "set" : "clear"} with ${this.handleCount} handles`);
    this.tracker.checkObservers(name, report);
  }

  /** mx_object_signal_peer: objects without a peer do not support it. */
  signalPeer(_clear: number, _set: number): number {
    return MX_ERR_NOT_SUPPORTED;
  }

  /** signalPeer for objects that have one: the bits this side may set, PEER_CLOSED once the peer is gone. */
  protected signalPeerOf(peer: Dispatcher | null, clear: number, set: number): number {
    if (((clear | set) & ~this.userSignalMask()) !== 0) return MX_ERR_INVALID_ARGS;
    if (peer === null) return MX_ERR_PEER_CLOSED;
    (peer.tracker as StateTracker).update(clear, set);
    return MX_OK;
  }
}

let zeroHead: Dispatcher | null = null;
let zeroTail: Dispatcher | null = null;
let draining = false;

/** A new handle names `d`. Going from one handle to two clears MX_SIGNAL_LAST_HANDLE. */
export function addHandleRef(d: Dispatcher): void {
  if (++d.handleCount === 2 && d.tracker !== null) d.tracker.update(MX_SIGNAL_LAST_HANDLE, 0);
}

/** A handle naming `d` is gone. Down to one sets MX_SIGNAL_LAST_HANDLE; down to none destroys `d`. */
export function dropHandleRef(d: Dispatcher): void {
  const c = --d.handleCount;
  if (c === 1) {
    if (d.tracker !== null) d.tracker.update(0, MX_SIGNAL_LAST_HANDLE);
    return;
  }
  if (c !== 0) return;
  if (zeroTail === null) zeroHead = d;
  else zeroTail.zeroNext = d;
  zeroTail = d;
  if (draining) return;
  draining = true;
  while (zeroHead !== null) {
    const z: Dispatcher = zeroHead;
    zeroHead = z.zeroNext;
    if (zeroHead === null) zeroTail = null;
    z.zeroNext = null;
    z.onZeroHandles();
  }
  draining = false;
}
