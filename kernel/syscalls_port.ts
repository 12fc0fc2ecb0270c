/**
 * Port syscalls: mx_port_create, mx_port_queue, mx_port_wait, mx_port_cancel, mx_object_wait_async.
 *
 * Thin validate-and-dispatch, in the June 2017 check order (magenta-ipc.md §1), including the V1/V2 fallbacks:
 * queue and wait try a V1 lookup first and fall back to V2 only when `size` is 0.
 */
import {
  MX_DEFAULT_IO_PORT_RIGHTS,
  MX_DEFAULT_IO_PORT_V2_RIGHTS,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_FOUND,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_SHOULD_WAIT,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_ERR_ACCESS_DENIED,
  MX_OBJ_TYPE_IOPORT,
  MX_OBJ_TYPE_IOPORT2,
  MX_OK,
  MX_PACKET_HEADER_SIZE,
  MX_PORT_MAX_PKT_SIZE,
  MX_PORT_OPT_V2,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "./constants.ts";
import { hi32, isOut, isU32, isU64, lo32, toBig } from "./args.ts";
import { deadlinePassed, drainInterrupts, interruptsBound, kernel_enter, kernelWork } from "./clock.ts";
import { handleAlloc, handleGet, handleRoom, lookupRights, lookupStatus } from "./handle_table.ts";
import { bindPacketSample, bindSlowPath, mx_port_queue, mx_port_wait } from "#dataplane";
import { mx_port_packet_t } from "./packet.ts";
import { limits } from "./limits.ts";
import { PortDispatcher, PortObserver, userPacket } from "./port.ts";
import { PortV1Dispatcher, v1Packet } from "./port_v1.ts";
import type { mx_handle_t, mx_status_t, Out } from "./types.ts";
import { giveHandles } from "./user_copy.ts";
import { BLOCKED, park, syncResult } from "./wait.ts";

export function mx_port_create(options: number, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (!isU32(options) || (options & ~MX_PORT_OPT_V2) !== 0 || !isOut(out)) return MX_ERR_INVALID_ARGS;
  if (!handleRoom(1)) return MX_ERR_NO_MEMORY;
  const v2 = options === MX_PORT_OPT_V2;
  const port = v2 ? new PortDispatcher() : new PortV1Dispatcher();
  return giveHandles(out, handleAlloc(port, v2 ? MX_DEFAULT_IO_PORT_V2_RIGHTS : MX_DEFAULT_IO_PORT_RIGHTS));
}

/*
 * mx_port_queue and mx_port_wait are the data plane's entries (dataplane/dataplane.ts): one call into compiled code
 * that does the whole syscall when it is plain, and otherwise hands it, arguments unchanged, to the slow paths
 * below. These look the handle up once and then decide by type and rights what the 2017 code's two lookups (V1
 * first, V2 when size is 0) would have answered.
 */

export function portQueueSlow(handle: unknown, packet: unknown, size: unknown): mx_status_t {
  if (kernelWork) kernel_enter();
  if (!isU32(size)) return MX_ERR_INVALID_ARGS;
  const n = size >>> 0;
  if (n > MX_PORT_MAX_PKT_SIZE) return MX_ERR_BUFFER_TOO_SMALL;
  // Both lookups need WRITE, so BAD_HANDLE and ACCESS_DENIED come out the same; only the type decides.
  const d = handleGet(handle, MX_RIGHT_WRITE, 0);
  if (d === null) return lookupStatus;
  if (d.type === MX_OBJ_TYPE_IOPORT) return queueV1(d as PortV1Dispatcher, packet, n);
  if (n !== 0 || d.type !== MX_OBJ_TYPE_IOPORT2) return MX_ERR_WRONG_TYPE;
  // Copied in first, as C's copy_from_user: one native call checks and copies; the rare full port hands it back.
  const p = userPacket(packet);
  if (p === null) return MX_ERR_INVALID_ARGS;
  const port = d as PortDispatcher;
  if (port.countedPackets >= limits.maxPacketsPerPort) {
    p.dequeued();
    return MX_ERR_NO_MEMORY;
  }
  return port.queue(p);
}

function queueV1(port: PortV1Dispatcher, packet: unknown, n: number): mx_status_t {
  if (n < MX_PACKET_HEADER_SIZE) return MX_ERR_INVALID_ARGS;
  if (port.countedPackets >= limits.maxPacketsPerPort) return MX_ERR_NO_MEMORY;
  const p = v1Packet(packet, n);
  return p === null ? MX_ERR_INVALID_ARGS : port.queue(p);
}

/** mx_port_wait up to the point of blocking; parks a waiter and returns BLOCKED if it must wait. */
export function portWaitCore(handle: mx_handle_t, deadline: unknown, packet: unknown, size: unknown): number {
  if (kernelWork) kernel_enter();
  if (packet === null || packet === undefined || !isU32(size)) return MX_ERR_INVALID_ARGS;
  const n = size >>> 0;
  const d = handleGet(handle, 0, 0);
  if (d === null) return lookupStatus;
  const rights = lookupRights;
  if (d.type !== MX_OBJ_TYPE_IOPORT || (rights & MX_RIGHT_READ) === 0) {
    // The V1 lookup (READ, V1 port) failed with rights checked before type; size 0 retries as V2 (WRITE, V2 port).
    if (n !== 0) return (rights & MX_RIGHT_READ) === 0 ? MX_ERR_ACCESS_DENIED : MX_ERR_WRONG_TYPE;
    if ((rights & MX_RIGHT_WRITE) === 0) return MX_ERR_ACCESS_DENIED;
    if (d.type !== MX_OBJ_TYPE_IOPORT2) return MX_ERR_WRONG_TYPE;
  }
  if (!isU64(deadline)) return MX_ERR_INVALID_ARGS;
  const port = d as PortDispatcher;
  let status = port.take(packet, n);
  if (status === MX_ERR_SHOULD_WAIT && interruptsBound) {
    drainInterrupts();
    status = port.take(packet, n);
  }
  if (status !== MX_ERR_SHOULD_WAIT) return status;
  if (deadlinePassed(deadline)) return MX_ERR_TIMED_OUT;
  const w = port.startWait(handle, packet, n);
  w.arm(toBig(deadline));
  return park(w);
}

export function portWaitSlow(handle: unknown, deadline: unknown, packet: unknown, size: unknown): mx_status_t {
  const status = portWaitCore(handle as mx_handle_t, deadline, packet, size);
  return status === BLOCKED ? syncResult(status) : status; // the usual case returns without another call
}

bindSlowPath("mx_port_queue", portQueueSlow);
bindSlowPath("mx_port_wait", portWaitSlow);
bindPacketSample(new mx_port_packet_t());
/** mx_port_queue(handle, packet, size) and mx_port_wait(handle, deadline, packet, size): the data plane's entries. */
export { mx_port_queue, mx_port_wait };

export function mx_port_cancel(port: mx_handle_t, source: mx_handle_t, key: bigint | number): mx_status_t {
  if (kernelWork) kernel_enter();
  const p = handleGet(port, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
  if (p === null) return lookupStatus;
  const src = handleGet(source, MX_RIGHT_READ, 0);
  if (src === null) return lookupStatus;
  if (src.tracker === null) return MX_ERR_NOT_SUPPORTED;
  if (!isU64(key)) return MX_ERR_INVALID_ARGS;
  const lo = lo32(key);
  const hi = hi32(key);
  const hadObserver = src.tracker.cancelByKey(source, p, lo, hi);
  const hadPacket = (p as PortDispatcher).cancelQueued(source, lo, hi);
  return hadObserver || hadPacket ? MX_OK : MX_ERR_NOT_FOUND;
}

export function mx_object_wait_async(
  handle: mx_handle_t,
  port: mx_handle_t,
  key: bigint | number,
  signals: number,
  options: number,
): mx_status_t {
  if (kernelWork) kernel_enter();
  const p = handleGet(port, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
  if (p === null) return lookupStatus;
  const d = handleGet(handle, MX_RIGHT_READ, 0);
  if (d === null) return lookupStatus;
  if (d.tracker === null) return MX_ERR_NOT_SUPPORTED;
  if (options !== MX_WAIT_ASYNC_ONCE && options !== MX_WAIT_ASYNC_REPEATING) return MX_ERR_INVALID_ARGS;
  if (!isU32(signals) || !isU64(key)) return MX_ERR_INVALID_ARGS;
  d.tracker.add(new PortObserver(p as PortDispatcher, handle, lo32(key), hi32(key), signals | 0, options));
  return MX_OK;
}
