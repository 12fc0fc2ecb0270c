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

export abstract class Waiter implements Timed {
  deadline = MX_TIME_INFINITE;
  dlPrev: Timed | null = null;
  dlNext: Timed | null = null;
  dlLinked = false;
  done = false;
  status = 0;
  resolve: ((status: number) => void) | null = null;
  /** A synchronous caller has yet to read `status` (it sleeps in syncResult): the waiter may not be reused. */
  held = false;

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

/** Synchronous mode: sleep until the parked waiter finishes. */
export function syncResult(status: number): number {
  if (status !== BLOCKED) return status;
  const w = unpark();
  w.held = true;
  sleepUntilDone(w);
  w.held = false;
  return w.status;
}

/** Awaitable mode: a promise of the status. */
export function asyncResult(status: number): Promise<number> {
  return status !== BLOCKED ? Promise.resolve(status) : unpark().promise();
}
