/**
 * The five blocking syscalls as promises: JavaScript's threads are async functions, so a blocked "thread" is a
 * pending promise. Each function runs the same core as its synchronous twin, so checks, results and out-parameters
 * are identical; only what happens at the point of blocking differs (a promise instead of a sleeping CPU).
 */
import { channelCallCore } from "./syscalls_channel.ts";
import { waitManyCore, waitOneCore } from "./syscalls_object.ts";
import { portWaitCore } from "./syscalls_port.ts";
import { nanosleepCore } from "./syscalls_timer.ts";
import type { mx_channel_call_args_t, mx_handle_t, mx_signals_t, mx_status_t, mx_wait_item_t, Out } from "./types.ts";
import { asyncResult } from "./wait.ts";

export const awaitable = Object.freeze({
  mx_port_wait(handle: mx_handle_t, deadline: bigint | number, packet: unknown, size: number): Promise<mx_status_t> {
    return asyncResult(portWaitCore(handle, deadline, packet, size));
  },
  mx_object_wait_one(
    handle: mx_handle_t,
    signals: mx_signals_t,
    deadline: bigint | number,
    observed: Out<mx_signals_t> | null,
  ): Promise<mx_status_t> {
    return asyncResult(waitOneCore(handle, signals, deadline, observed));
  },
  mx_object_wait_many(items: mx_wait_item_t[] | null, count: number, deadline: bigint | number): Promise<mx_status_t> {
    return asyncResult(waitManyCore(items, count, deadline));
  },
  mx_channel_call(
    handle: mx_handle_t,
    options: number,
    deadline: bigint | number,
    args: mx_channel_call_args_t,
    actual_bytes: Out<number>,
    actual_handles: Out<number>,
    read_status: Out<mx_status_t> | null,
  ): Promise<mx_status_t> {
    return asyncResult(channelCallCore(handle, options, deadline, args, actual_bytes, actual_handles, read_status));
  },
  mx_nanosleep(deadline: bigint | number): Promise<mx_status_t> {
    return asyncResult(nanosleepCore(deadline));
  },
});
