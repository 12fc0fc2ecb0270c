/**
 * Timer and time syscalls: mx_timer_create, mx_timer_start, mx_timer_cancel (June 2017), mx_time_get,
 * mx_deadline_after, mx_nanosleep.
 *
 * There is no wall clock or per-thread clock on a microcontroller: MX_CLOCK_UTC and MX_CLOCK_THREAD read the
 * monotonic clock too.
 */
import {
  MX_CLOCK_MONOTONIC,
  MX_CLOCK_THREAD,
  MX_DEFAULT_TIMER_RIGHTS,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_SUPPORTED,
  MX_OBJ_TYPE_TIMER,
  MX_OK,
  MX_RIGHT_WRITE,
  MX_TIME_INFINITE,
  MX_TIMER_MIN_DEADLINE,
  MX_TIMER_MIN_PERIOD,
} from "./constants.ts";
import { isOut, isU32, isU64, toBig } from "./args.ts";
import { deadlinePassed, kernel_enter, kernelWork } from "./clock.ts";
import { handleAlloc, handleGet, handleRoom, lookupStatus } from "./handle_table.ts";
import { SleepWaiter } from "./object_wait.ts";
import { hal } from "./platform.ts";
import { TimerDispatcher } from "./timer.ts";
import type { mx_handle_t, mx_status_t, mx_time_t, Out } from "./types.ts";
import { giveHandles } from "./user_copy.ts";
import { park, syncResult } from "./wait.ts";

export function mx_timer_create(options: number, clock_id: number, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0 || clock_id !== MX_CLOCK_MONOTONIC || !isOut(out)) return MX_ERR_INVALID_ARGS;
  if (!handleRoom(1)) return MX_ERR_NO_MEMORY;
  return giveHandles(out, handleAlloc(new TimerDispatcher(), MX_DEFAULT_TIMER_RIGHTS));
}

export function mx_timer_start(
  handle: mx_handle_t,
  deadline: bigint | number,
  period: bigint | number,
  slack: bigint | number,
): mx_status_t {
  if (kernelWork) kernel_enter();
  if (!isU64(deadline) || deadline === 0 || deadline === 0n) return MX_ERR_INVALID_ARGS;
  const d = handleGet(handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_TIMER);
  if (d === null) return lookupStatus;
  if (deadline < MX_TIMER_MIN_DEADLINE || !isU64(period) || !isU64(slack)) return MX_ERR_INVALID_ARGS;
  if (period > 0 && period < MX_TIMER_MIN_PERIOD) return MX_ERR_NOT_SUPPORTED;
  (d as TimerDispatcher).start(toBig(deadline), toBig(period));
  return MX_OK;
}

export function mx_timer_cancel(handle: mx_handle_t): mx_status_t {
  if (kernelWork) kernel_enter();
  const d = handleGet(handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_TIMER);
  if (d === null) return lookupStatus;
  (d as TimerDispatcher).cancel();
  return MX_OK;
}

export function mx_time_get(clock_id: number): mx_time_t {
  if (kernelWork) kernel_enter();
  return isU32(clock_id) && clock_id >= MX_CLOCK_MONOTONIC && clock_id <= MX_CLOCK_THREAD ? hal.now() : 0n;
}

export function mx_deadline_after(nanoseconds: bigint | number): mx_time_t {
  if (kernelWork) kernel_enter();
  const now = hal.now();
  if (!isU64(nanoseconds)) return now;
  const t = now + toBig(nanoseconds);
  return t > MX_TIME_INFINITE ? MX_TIME_INFINITE : t;
}

/** mx_nanosleep up to the point of blocking. */
export function nanosleepCore(deadline: unknown): number {
  if (kernelWork) kernel_enter();
  if (!isU64(deadline)) return MX_ERR_INVALID_ARGS;
  if (deadlinePassed(deadline)) return MX_OK;
  const w = new SleepWaiter(MX_OK);
  w.arm(toBig(deadline));
  return park(w);
}

export function mx_nanosleep(deadline: bigint | number): mx_status_t {
  return syncResult(nanosleepCore(deadline));
}
