/**
 * Signals and their observers: Magenta's StateTracker.
 *
 * Every waitable object owns one. Its signal word changes only through `update` (a no-op when the word is unchanged,
 * which is what makes "setting a set bit wakes nobody" true) or `strobe` (notify with bits that are never stored,
 * for periodic timers). Observers are async port waits and the object waits of wait_one/wait_many; they form an
 * intrusive list with the newest at the front, because Magenta visits observers newest-first and packets from one
 * state change therefore reach a port in reverse registration order.
 *
 * Removal leaves a removed observer's `obNext` pointing forward, so a walk over the list survives observers being
 * removed by the very callbacks it makes (a wait_many that completes detaches all its observers at once).
 */
import { MX_SIGNAL_LAST_HANDLE } from "./constants.ts";
import type { Report } from "./dispatcher.ts";

export interface Observer {
  obPrev: Observer | null;
  obNext: Observer | null;
  obLinked: boolean;
  /** The handle value the observer was registered through; closing or moving that handle cancels it. */
  handle: number;
  /** At registration. `count` is the object's count for the signals the observer triggers on. True: remove me. */
  onInitialize(state: number, tracker: StateTracker): boolean;
  /** After every change of the signal word (or a strobe). True: remove me. */
  onStateChange(state: number): boolean;
  /** The handle it was registered through went away; the observer has already been unlinked. */
  onCancel(): void;
  /** mx_port_cancel: true if registered through `handle` on `port` with this key (then it is unlinked). */
  matchesKey(handle: number, port: object, keyLo: number, keyHi: number): boolean;
  /** The invariant walker: what a registered observer must hold (a live wait, a port that can take its packet). */
  checkObserver(name: string, report: Report): void;
}

export class StateTracker {
  // Declared and set in the constructor, not given initializers: dispatcher.ts says why.
  /** The signal word, as an int32 (bit 31 is a user signal); written out with `>>> 0`. */
  declare signals: number;
  declare head: Observer | null;
  /** Signals backed by a count (a channel's READABLE and its message count), for a packet's `count` at registration. */
  declare countedSignals: number;
  declare count: number;

  constructor(initial: number) {
    this.signals = initial | MX_SIGNAL_LAST_HANDLE;
    this.head = null;
    this.countedSignals = 0;
    this.count = 0;
  }

  /** Adds an observer unless its initial check asks to be removed at once. */
  add(o: Observer): void {
    if (o.onInitialize(this.signals, this)) return;
    o.obPrev = null;
    o.obNext = this.head;
    if (this.head !== null) this.head.obPrev = o;
    this.head = o;
    o.obLinked = true;
  }

  remove(o: Observer): void {
    if (!o.obLinked) return;
    o.obLinked = false;
    if (o.obPrev !== null) o.obPrev.obNext = o.obNext;
    else this.head = o.obNext;
    if (o.obNext !== null) o.obNext.obPrev = o.obPrev;
    o.obPrev = null;
  }

  /** Clears then sets bits; notifies every observer of the new word only if it changed. */
  update(clear: number, set: number): void {
    const next = (this.signals & ~clear) | set;
    if (next === this.signals) return;
    this.signals = next;
    if (this.head !== null) this.notify(next); // most changes (a channel's READABLE) have no observer: skip the call
  }

  /** Notifies observers as if `bits` were set, without storing them. */
  strobe(bits: number): void {
    this.notify(this.signals | bits);
  }

  private notify(state: number): void {
    let o = this.head;
    while (o !== null) {
      if (o.obLinked && o.onStateChange(state)) this.remove(o);
      o = o.obNext;
    }
  }

  /** Ends every observer registered through `handle`. */
  cancel(handle: number): void {
    let o = this.head;
    while (o !== null) {
      if (o.obLinked && o.handle === handle) {
        this.remove(o);
        o.onCancel();
      }
      o = o.obNext;
    }
  }

  /** mx_port_cancel's observer half: removes matching port observers; true if any was removed. */
  cancelByKey(handle: number, port: object, keyLo: number, keyHi: number): boolean {
    let found = false;
    let o = this.head;
    while (o !== null) {
      if (o.obLinked && o.matchesKey(handle, port, keyLo, keyHi)) {
        this.remove(o);
        found = true;
      }
      o = o.obNext;
    }
    return found;
  }

  /** The invariant walker: the observer list is well linked, and each observer holds what it must. */
  checkObservers(name: string, report: Report): void {
    let prev: Observer | null = null;
    let n = 0;
    for (let o = this.head; o !== null; prev = o, o = o.obNext) {
      if (++n > 1_000_000) return report(`${name}: the observer list does not end`);
      if (!o.obLinked || o.obPrev !== prev) report(`${name}: observer ${n} is badly linked`);
      o.checkObserver(`${name} observer ${n}`, report);
    }
  }

  /** The count a packet reports for `trigger` at registration: the backing count if it covers a trigger bit. */
  countFor(trigger: number): number {
    return (trigger & this.countedSignals) !== 0 && this.count > 0 ? this.count : 1;
  }
}
