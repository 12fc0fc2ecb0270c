/**
 * Channel syscalls: mx_channel_create, mx_channel_write, mx_channel_read, mx_channel_call.
 *
 * Argument kinds are settled here, in C's check order; channel.ts does the work. mx_channel_call checks its whole
 * `args` record and out-parameters when it "copies them in", before writing anything, so a malformed call changes
 * nothing (in C a bad read pointer would only be found after the write, as CALL_FAILED).
 */
import {
  MX_CHANNEL_MAX_MSG_BYTES,
  MX_CHANNEL_MAX_MSG_HANDLES,
  MX_CHANNEL_READ_MAY_DISCARD,
  MX_DEFAULT_CHANNEL_RIGHTS,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_OUT_OF_RANGE,
  MX_ERR_TIMED_OUT,
  MX_OBJ_TYPE_CHANNEL,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
} from "./constants.ts";
import { get32, isBytes, isObject, isOptOut, isOut, isU32, isU64, toBig } from "./args.ts";
import { CallWaiter, type ChannelDispatcher, channelPair } from "./channel.ts";
import { deadlinePassed, kernel_enter, kernelWork } from "./clock.ts";
import { handleAlloc, handleGet, handleRoom, lookupStatus } from "./handle_table.ts";
import type { mx_channel_call_args_t, mx_handle_t, mx_status_t, Out } from "./types.ts";
import { giveHandles, isHandleBuffer } from "./user_copy.ts";
import { bindSlowPath, mx_channel_read, mx_channel_write } from "#dataplane";
import { park, syncResult } from "./wait.ts";

export function mx_channel_create(options: number, out0: Out<mx_handle_t>, out1: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0 || !isOut(out0) || !isOut(out1)) return MX_ERR_INVALID_ARGS;
  if (!handleRoom(2)) return MX_ERR_NO_MEMORY;
  const [a, b] = channelPair();
  return giveHandles(out0, handleAlloc(a, MX_DEFAULT_CHANNEL_RIGHTS), out1, handleAlloc(b, MX_DEFAULT_CHANNEL_RIGHTS));
}

/*
 * mx_channel_write and mx_channel_read are the data plane's entries (dataplane/dataplane.ts): one call into compiled
 * code that does the whole syscall when it is plain, and otherwise hands it, arguments unchanged, to these.
 */

export function channelWriteSlow(
  handle: unknown,
  options: unknown,
  bytes: unknown,
  num_bytes: unknown,
  handles: unknown,
  num_handles: unknown,
): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0) return MX_ERR_INVALID_ARGS;
  const ch = handleGet(handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_CHANNEL);
  if (ch === null) return lookupStatus;
  if (!isU32(num_bytes) || !isU32(num_handles)) return MX_ERR_INVALID_ARGS;
  const nb = num_bytes >>> 0;
  const nh = num_handles >>> 0;
  if (nb > MX_CHANNEL_MAX_MSG_BYTES || nh > MX_CHANNEL_MAX_MSG_HANDLES) return MX_ERR_OUT_OF_RANGE;
  return (ch as ChannelDispatcher).write(bytes, nb, handles, nh);
}

export function channelReadSlow(
  handle: unknown,
  options: unknown,
  bytes: unknown,
  handles: unknown,
  num_bytes: unknown,
  num_handles: unknown,
  actual_bytes: unknown,
  actual_handles: unknown,
): mx_status_t {
  if (kernelWork) kernel_enter();
  const ch = handleGet(handle, MX_RIGHT_READ, MX_OBJ_TYPE_CHANNEL);
  if (ch === null) return lookupStatus;
  if (!isU32(options) || (options & ~MX_CHANNEL_READ_MAY_DISCARD) !== 0) return MX_ERR_NOT_SUPPORTED;
  if (!isU32(num_bytes) || !isU32(num_handles) || !isOptOut(actual_bytes) || !isOptOut(actual_handles)) {
    return MX_ERR_INVALID_ARGS;
  }
  return (ch as ChannelDispatcher).read(
    bytes,
    handles,
    num_bytes >>> 0,
    num_handles >>> 0,
    actual_bytes as Out<number> | null | undefined,
    actual_handles as Out<number> | null | undefined,
    options !== 0,
  );
}

bindSlowPath("mx_channel_write", channelWriteSlow);
bindSlowPath("mx_channel_read", channelReadSlow);
export { mx_channel_read, mx_channel_write };

/** mx_channel_call up to the point of blocking. */
export function channelCallCore(
  handle: mx_handle_t,
  options: unknown,
  deadline: unknown,
  args: unknown,
  actual_bytes: unknown,
  actual_handles: unknown,
  read_status: unknown,
): number {
  if (kernelWork) kernel_enter();
  // `args` is copied in first, as C does: each field read once (a getter may run), then every field of the right
  // kind and every count within its array.
  if (!isObject(args)) return MX_ERR_INVALID_ARGS;
  let wrBytes: unknown, wrHandles: unknown, rdBytes: unknown, rdHandles: unknown;
  let wrNumBytes: unknown, wrNumHandles: unknown, rdNumBytes: unknown, rdNumHandles: unknown;
  try {
    const r = args as mx_channel_call_args_t;
    wrBytes = r.wr_bytes;
    wrHandles = r.wr_handles;
    rdBytes = r.rd_bytes;
    rdHandles = r.rd_handles;
    wrNumBytes = r.wr_num_bytes;
    wrNumHandles = r.wr_num_handles;
    rdNumBytes = r.rd_num_bytes;
    rdNumHandles = r.rd_num_handles;
  } catch {
    return MX_ERR_INVALID_ARGS;
  }
  if (!isU32(wrNumBytes) || !isU32(wrNumHandles) || !isU32(rdNumBytes) || !isU32(rdNumHandles)) return MX_ERR_INVALID_ARGS;
  if (!isBytes(rdBytes, rdNumBytes >>> 0) || !isHandleBuffer(rdHandles, rdNumHandles >>> 0)) return MX_ERR_INVALID_ARGS;
  if (!isOut(actual_bytes) || !isOut(actual_handles) || !isOptOut(read_status)) return MX_ERR_INVALID_ARGS;
  if (options !== 0) return MX_ERR_INVALID_ARGS;
  const d = handleGet(handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_CHANNEL);
  if (d === null) return lookupStatus;
  if (!isU64(deadline)) return MX_ERR_INVALID_ARGS;
  const nb = wrNumBytes >>> 0;
  const nh = wrNumHandles >>> 0;
  if (nb > MX_CHANNEL_MAX_MSG_BYTES || nh > MX_CHANNEL_MAX_MSG_HANDLES) return MX_ERR_OUT_OF_RANGE;
  const ch = d as ChannelDispatcher;
  const txid = nb >= 4 && isBytes(wrBytes, nb) ? get32(wrBytes as Uint8Array, 0) : 0;
  const w = new CallWaiter(
    ch,
    handle,
    txid,
    rdBytes,
    rdHandles,
    rdNumBytes >>> 0,
    rdNumHandles >>> 0,
    actual_bytes as Out<number>,
    actual_handles as Out<number>,
    (read_status ?? null) as Out<number> | null,
  );
  ch.callers.append(w);
  const status = ch.write(wrBytes, nb, wrHandles, nh);
  if (status !== MX_OK) {
    ch.callers.remove(w);
    return status;
  }
  if (w.done) return w.status;
  if (deadlinePassed(deadline)) {
    w.finish(MX_ERR_TIMED_OUT);
    return MX_ERR_TIMED_OUT;
  }
  w.arm(toBig(deadline));
  return park(w);
}

export function mx_channel_call(
  handle: mx_handle_t,
  options: number,
  deadline: bigint | number,
  args: mx_channel_call_args_t,
  actual_bytes: Out<number>,
  actual_handles: Out<number>,
  read_status: Out<mx_status_t> | null,
): mx_status_t {
  return syncResult(channelCallCore(handle, options, deadline, args, actual_bytes, actual_handles, read_status));
}
