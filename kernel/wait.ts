/**
 * A waiter: one blocked call, synchronous or awaitable, with its deadline and its way to finish.
 *
 * The same waiter serves both modes, so the two cannot drift apart: a synchronous call registers it and sleeps
 * until `done` (clock.ts), an awaitable call registers it and returns a promise that `finish` resolves. Whatever
 * ends the wait (a packet, a signal, a reply, the deadline, the handle going away) calls `finish` exactly once,
 * and each subclass writes its out-parameters at that moment: the result belongs to the waiter from then on.
 */
import { MX_ERR_TIMED_OUT, MX_TIME_INFINITE } from "./constants.ts";
import { armDeadline, sleepUntilDone, type Timed, unlinkDeadline } from "./clock.ts";
import type { Report } from "./dispatcher.ts";

export abstract class Waiter implements Timed {
  deadline = MX_TIME_INFINITE;
  dlPrev: Timed | null = null;
  dlNext: Timed | null = null;
  dlLinked = false;
  done = false;
  status = 0;
  resolve: ((status: number) => void) | null = null;

  /** Arms the deadline unless it is infinite. */
  arm(deadline: bigint): void {
    if (deadline !== MX_TIME_INFINITE) armDeadline(this, deadline);
  }

  /** Leaves whatever queue or observer list the waiter is on. */
  protected abstract detach(): void;

  /**
   * Writes the out-parameters for this status and returns the status the call ends with: a caller's out-parameter
   * that refuses the write makes it MX_ERR_INVALID_ARGS (user_copy.ts). Default: nothing to write.
   */
  protected report(status: number): number {
    return status;
  }

  /** Ends the wait; the waiter is off every list before `report` can run a caller's setter. */
  finish(status: number): void {
    if (this.done) return;
    this.done = true;
    unlinkDeadline(this);
    this.detach();
    this.status = this.report(status);
    if (this.resolve !== null) this.resolve(this.status);
  }

  /** Makes an ended waiter new again, for the kinds that reuse theirs (port.ts). */
  protected restart(): void {
    this.deadline = MX_TIME_INFINITE;
    this.done = false;
    this.status = 0;
    this.resolve = null;
  }

  expire(_now: bigint): void {
    this.finish(MX_ERR_TIMED_OUT);
  }

  checkDeadline(name: string, report: Report): void {
    if (this.done) report(`${name}: a wait that has ended`);
  }

  promise(): Promise<number> {
    const promise = new Promise<number>(captureResolve);
    this.resolve = capturedResolve;
    capturedResolve = null;
    return promise;
  }
}

/*
 * The executor that hands a new promise's resolve function back to `promise()`: one function for every wait,
 * where an arrow function would be a closure (and its environment) allocated per wait.
 */
let capturedResolve: ((status: number) => void) | null = null;
function captureResolve(resolve: (status: number) => void): void {
  capturedResolve = resolve;
}

/** Returned by a blocking call's core when it registered a waiter instead of finishing (never a status code). */
export const BLOCKED = 1;
let parked: Waiter | null = null;

/** A blocking core parks its registered waiter here and returns BLOCKED; the caller's mode decides what follows. */
export function park(w: Waiter): number {
  parked = w;
  return BLOCKED;
}

function unpark(): Waiter {
  const w = parked as Waiter;
  parked = null;
  return w;
}

/*
 * The waiters whose synchronous callers sleep in syncResult and have yet to read their status, innermost last (a
 * setter run while one caller sleeps may make a synchronous call of its own). A module list rather than a field
 * on every waiter: most waits are awaited, and a field costs each waiter a slot.
 */
const held: (Waiter | null)[] = [];
/** How many synchronous callers sleep: while it is 0 (the usual case) no waiter is held and isHeld need not run. */
export let heldCount = 0;

/** True while a synchronous caller still has to read `w`'s status, so `w` may not be reused (port.ts). */
export function isHeld(w: Waiter): boolean {
  for (let i = 0; i < heldCount; i++) if (held[i] === w) return true;
  return false;
}

/** Synchronous mode: sleep until the parked waiter finishes. */
export function syncResult(status: number): number {
  if (status !== BLOCKED) return status;
  const w = unpark();
  held[heldCount++] = w;
  sleepUntilDone(w);
  held[--heldCount] = null;
  return w.status;
}

/** Awaitable mode: a promise of the status. */
export function asyncResult(status: number): Promise<number> {
  return status !== BLOCKED ? Promise.resolve(status) : unpark().promise();
}
