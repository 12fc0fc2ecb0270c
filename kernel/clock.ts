/**
 * The kernel's time: one ordered list of deadlines (timers and waits), the service routine, and sleeping.
 *
 * Like a tickless kernel, only the earliest deadline is armed in the HAL's single alarm. The service routine drains
 * interrupt records, fires due timers and times out due waits; the HAL calls it from its event loop, a synchronous
 * wait calls it each time it wakes from `hal.idle()`, and every syscall calls `kernel_enter` while a deadline is
 * armed (`kernelWork`) so a JavaScript loop that never yields still sees timers fire. Interrupt records are not
 * drained at every syscall (asking the HAL costs a native call): besides the service routine, a port wait that
 * finds its queue empty drains them once before it gives up or sleeps, so a loop that polls a port still sees its
 * interrupt packets. The list is intrusive and sorted on insertion: a small kernel has few deadlines, and this keeps
 * the per-syscall check to one comparison (and no clock read at all when nothing is due).
 */
import { setForeignHal as dpSetForeignHal, setNextDeadline as dpSetNextDeadline } from "#dataplane";
import type { Hal } from "../hal/hal.ts";
import { ZERO } from "./args.ts";
import { MX_TIME_INFINITE } from "./constants.ts";
import type { Report } from "./dispatcher.ts";
import { hal, onBuildHal, setPlatformHal } from "./platform.ts";

/** Anything with a deadline: a timer or a waiter. */
export interface Timed {
  deadline: bigint;
  dlPrev: Timed | null;
  dlNext: Timed | null;
  dlLinked: boolean;
  /** The deadline has passed (it is already unlinked). */
  expire(now: bigint): void;
  /** The invariant walker: what an armed deadline must hold (a wait still waiting, a timer with a handle). */
  checkDeadline(name: string, report: Report): void;
}

let head: Timed | null = null;
let armed = MX_TIME_INFINITE;
let irqDrain: (() => void) | null = null;

/**
 * True while kernel_enter has anything to look at (a deadline). Syscalls test it before calling kernel_enter: on XS
 * a call costs ~600 instructions, and most syscalls happen with nothing due.
 */
export let kernelWork = false;

/** The head of the deadline list changed: kernelWork follows, and the data plane, whose fast paths fall back once
 * the earliest deadline is due, learns the new one. */
function headChanged(): void {
  kernelWork = head !== null;
  dpSetNextDeadline(head === null ? MX_TIME_INFINITE : head.deadline);
}

/** True while an interrupt object is bound, so records may be waiting to become packets. */
export let interruptsBound = false;

/** Inserts `t` in deadline order (after entries with the same deadline, so equal deadlines fire in arming order). */
export function armDeadline(t: Timed, deadline: bigint): void {
  if (t.dlLinked) unlinkDeadline(t);
  t.deadline = deadline;
  let prev: Timed | null = null;
  let cur = head;
  while (cur !== null && cur.deadline <= deadline) {
    prev = cur;
    cur = cur.dlNext;
  }
  t.dlPrev = prev;
  t.dlNext = cur;
  if (prev === null) {
    head = t;
    headChanged();
  } else prev.dlNext = t;
  if (cur !== null) cur.dlPrev = t;
  t.dlLinked = true;
  if (prev === null) rearm();
}

export function unlinkDeadline(t: Timed): void {
  if (!t.dlLinked) return;
  t.dlLinked = false;
  if (t.dlPrev !== null) t.dlPrev.dlNext = t.dlNext;
  else {
    head = t.dlNext;
    headChanged();
  }
  if (t.dlNext !== null) t.dlNext.dlPrev = t.dlPrev;
  t.dlPrev = t.dlNext = null;
}

function rearm(): void {
  const d = head === null ? MX_TIME_INFINITE : head.deadline;
  if (d !== armed) {
    armed = d;
    hal.setAlarm(d);
  }
}

/** The interrupt module installs its drain routine while at least one interrupt object is bound. */
export function setInterruptDrain(drain: (() => void) | null): void {
  irqDrain = drain;
  interruptsBound = drain !== null;
}

/** The service routine: interrupts become packets, due timers fire, due waits time out, the alarm is re-armed. */
export function service(): void {
  if (irqDrain !== null) irqDrain();
  if (head !== null) {
    const now = hal.now();
    while (head !== null && head.deadline <= now) {
      const t: Timed = head;
      unlinkDeadline(t);
      t.expire(now);
    }
  }
  rearm();
}

/** How many deadlines are armed (timers and waits), for kernel_stats. */
export function deadlineCount(): number {
  let n = 0;
  for (let t = head; t !== null; t = t.dlNext) n++;
  return n;
}

/** The invariant walker: the deadline list is well linked and sorted, and the alarm follows its head. */
export function checkDeadlines(report: Report): void {
  let n = 0;
  let prev: Timed | null = null;
  for (let t = head; t !== null; prev = t, t = t.dlNext) {
    if (++n > 1_000_000) return report("deadlines: the list does not end");
    if (!t.dlLinked || t.dlPrev !== prev) report(`deadline ${n}: badly linked`);
    if (prev !== null && prev.deadline > t.deadline) report(`deadline ${n}: out of order`);
    t.checkDeadline(`deadline ${n}`, report);
  }
  if (kernelWork !== (head !== null)) report("deadlines: kernelWork does not say whether any is armed");
  if (head !== null && armed > head.deadline) report(`deadlines: the alarm is armed after the earliest deadline`);
}

/** Called at syscall entry when kernelWork: timers that are due fire before the call looks at any state. */
export function kernel_enter(): void {
  if (head !== null && head.deadline <= hal.now()) service();
}

/** Turns waiting interrupt records into packets now (a port wait about to find nothing). */
export function drainInterrupts(): void {
  if (irqDrain !== null) irqDrain();
}

/** True if an absolute deadline has passed (reads the clock only when it has to). */
export function deadlinePassed(deadline: bigint | number): boolean {
  if (deadline === 0 || deadline === ZERO) return true;
  if (deadline === MX_TIME_INFINITE) return false;
  return deadline <= hal.now();
}

/** Sleeps the CPU until `done()` of a synchronous waiter; the kernel keeps servicing timers and interrupts. */
export function sleepUntilDone(w: { done: boolean }): void {
  for (;;) {
    service();
    if (w.done) return;
    hal.idle();
  }
}

/**
 * Switches the kernel to another HAL (tests on Node use a virtual clock) and returns the previous one. Do it while
 * no timer is armed and nothing waits with a deadline: deadlines are absolute times of the HAL they were set on.
 */
export function kernel_set_hal(h: Hal): Hal {
  const previous = setPlatformHal(h);
  dpSetForeignHal(!onBuildHal());
  previous.setAlarm(MX_TIME_INFINITE);
  h.setServiceHandler(service);
  armed = MX_TIME_INFINITE;
  h.setAlarm(MX_TIME_INFINITE);
  rearm();
  return previous;
}

hal.setServiceHandler(service);
