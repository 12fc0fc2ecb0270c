/**
 * The waiters behind mx_object_wait_one, mx_object_wait_many and mx_nanosleep (Magenta's WaitStateObserver).
 *
 * An object wait is an observer on the object's state tracker. It accumulates every signal state it sees (the
 * `observed`/`pending` Magenta reports is the OR of all of them) and finishes the wait when a watched bit is set;
 * all satisfied waiters finish on the same change, unlike port waits. If the handle it waits through goes away,
 * it finishes with MX_ERR_CANCELED and MX_SIGNAL_HANDLE_CLOSED in what it observed.
 */
import { MX_ERR_CANCELED, MX_ERR_INVALID_ARGS, MX_OK, MX_SIGNAL_HANDLE_CLOSED } from "./constants.ts";
import type { Report } from "./dispatcher.ts";
import type { Observer, StateTracker } from "./state_tracker.ts";
import type { Out } from "./types.ts";
import { putOptOut, putPending } from "./user_copy.ts";
import { Waiter } from "./wait.ts";

/** The observer half of both waits: it finishes its waiter when a watched bit is set or its handle goes. */
class WaitObserver implements Observer {
  obPrev: Observer | null = null;
  obNext: Observer | null = null;
  obLinked = false;
  observed = 0;
  constructor(
    readonly tracker: StateTracker,
    readonly handle: number,
    readonly waitfor: number,
    private readonly waiter: Waiter,
  ) {}
  onInitialize(state: number): boolean {
    this.observed = state;
    return false;
  }
  onStateChange(state: number): boolean {
    this.observed |= state;
    if ((state & this.waitfor) !== 0) this.waiter.finish(MX_OK);
    return false;
  }
  onCancel(): void {
    this.observed |= MX_SIGNAL_HANDLE_CLOSED;
    this.waiter.finish(MX_ERR_CANCELED);
  }
  matchesKey(): boolean {
    return false;
  }
  checkObserver(name: string, report: Report): void {
    if (this.waiter.done) report(`${name}: the wait it serves has ended`);
  }
}

/** mx_object_wait_one: registered only when not already satisfied. */
export class WaitOneWaiter extends Waiter {
  private readonly ob: WaitObserver;
  constructor(
    tracker: StateTracker,
    handle: number,
    waitfor: number,
    private readonly out: Out<number> | null | undefined,
  ) {
    super();
    this.ob = new WaitObserver(tracker, handle, waitfor, this);
    tracker.add(this.ob);
  }
  protected override detach(): void {
    this.ob.tracker.remove(this.ob);
  }
  protected override report(status: number): number {
    return putOptOut(this.out, this.ob.observed >>> 0) ? status : MX_ERR_INVALID_ARGS;
  }
}

/**
 * mx_object_wait_many: one observer per item; every item's `pending` is written when the wait ends, into the item
 * objects as they were read when the call began.
 */
export class WaitManyWaiter extends Waiter {
  private readonly obs: WaitObserver[] = [];
  constructor(private readonly items: readonly object[]) {
    super();
  }
  add(tracker: StateTracker, handle: number, waitfor: number): void {
    const ob = new WaitObserver(tracker, handle, waitfor, this);
    this.obs.push(ob);
    tracker.add(ob);
  }
  /** True if some item was satisfied when it was registered. */
  anySatisfied(): boolean {
    for (const ob of this.obs) if ((ob.observed & ob.waitfor) !== 0) return true;
    return false;
  }
  /** Unregisters without reporting (a later item failed its checks). */
  unwind(): void {
    this.detach();
  }
  protected override detach(): void {
    for (const ob of this.obs) ob.tracker.remove(ob);
  }
  protected override report(status: number): number {
    for (let i = 0; i < this.obs.length; i++) {
      if (!putPending(this.items[i], this.obs[i].observed >>> 0)) return MX_ERR_INVALID_ARGS;
    }
    return status;
  }
}

/** mx_nanosleep and mx_object_wait_many with no items: only the deadline ends it, with `result`. */
export class SleepWaiter extends Waiter {
  constructor(private readonly result: number) {
    super();
  }
  override expire(): void {
    this.finish(this.result);
  }
  protected override detach(): void {}
}
