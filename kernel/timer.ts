/**
 * Timers, June 2017 API (mx_timer_start with a period): a one-shot timer asserts MX_TIMER_SIGNALED; a periodic
 * timer *strobes* it (observers see the bit, the signal word never keeps it), as Magenta did.
 *
 * A timer is its own entry in the kernel's deadline list (clock.ts), so arming one allocates nothing. When a
 * periodic timer is serviced late, every period that passed meanwhile merges into one strobe and the next deadline
 * is the first period boundary after now: a busy JavaScript program sees at most one strobe per service.
 */
import { MX_OBJ_TYPE_TIMER, MX_TIMER_SIGNALED, MX_TIME_INFINITE } from "./constants.ts";
import { armDeadline, type Timed, unlinkDeadline } from "./clock.ts";
import { Dispatcher, type Report } from "./dispatcher.ts";
import { StateTracker } from "./state_tracker.ts";

export class TimerDispatcher extends Dispatcher implements Timed {
  deadline = MX_TIME_INFINITE;
  dlPrev: Timed | null = null;
  dlNext: Timed | null = null;
  dlLinked = false;
  private period = 0n;
  declare readonly tracker: StateTracker;

  constructor() {
    super(MX_OBJ_TYPE_TIMER, new StateTracker(0));
  }

  /** mx_timer_start: cancel, then arm (an infinite deadline never fires). */
  start(deadline: bigint, period: bigint): void {
    this.cancel();
    this.period = period;
    if (deadline !== MX_TIME_INFINITE) armDeadline(this, deadline);
  }

  /** mx_timer_cancel: disarm and de-assert the signal. */
  cancel(): void {
    unlinkDeadline(this);
    this.tracker.update(MX_TIMER_SIGNALED, 0);
  }

  expire(now: bigint): void {
    if (this.period === 0n) {
      this.tracker.update(0, MX_TIMER_SIGNALED);
      return;
    }
    const missed = (now - this.deadline) / this.period;
    armDeadline(this, this.deadline + (missed + 1n) * this.period);
    this.tracker.strobe(MX_TIMER_SIGNALED);
  }

  override onZeroHandles(): void {
    unlinkDeadline(this);
  }

  checkDeadline(name: string, report: Report): void {
    if (this.handleCount === 0) report(`${name}: a timer no handle names`);
  }
}
