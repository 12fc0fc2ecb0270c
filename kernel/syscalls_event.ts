/**
 * Event syscalls: mx_event_create, mx_eventpair_create.
 *
 * Note the June 2017 asymmetry: bad options are INVALID_ARGS for events but NOT_SUPPORTED for event pairs.
 */
import {
  MX_DEFAULT_EVENT_RIGHTS,
  MX_DEFAULT_EVENTPAIR_RIGHTS,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_SUPPORTED,
} from "./constants.ts";
import { isOut } from "./args.ts";
import { kernel_enter, kernelWork } from "./clock.ts";
import { EventDispatcher } from "./event.ts";
import { eventPair } from "./eventpair.ts";
import { handleAlloc, handleRoom } from "./handle_table.ts";
import type { mx_handle_t, mx_status_t, Out } from "./types.ts";
import { giveHandles } from "./user_copy.ts";

export function mx_event_create(options: number, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0 || !isOut(out)) return MX_ERR_INVALID_ARGS;
  if (!handleRoom(1)) return MX_ERR_NO_MEMORY;
  return giveHandles(out, handleAlloc(new EventDispatcher(), MX_DEFAULT_EVENT_RIGHTS));
}

export function mx_eventpair_create(options: number, out0: Out<mx_handle_t>, out1: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0) return MX_ERR_NOT_SUPPORTED;
  if (!isOut(out0) || !isOut(out1)) return MX_ERR_INVALID_ARGS;
  if (!handleRoom(2)) return MX_ERR_NO_MEMORY;
  const [a, b] = eventPair();
  return giveHandles(out0, handleAlloc(a, MX_DEFAULT_EVENTPAIR_RIGHTS), out1, handleAlloc(b, MX_DEFAULT_EVENTPAIR_RIGHTS));
}
