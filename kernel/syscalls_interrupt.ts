/**
 * Interrupt syscalls (this project's extension): mx_interrupt_create, mx_interrupt_bind, mx_interrupt_ack.
 */
import {
  MX_DEFAULT_INTERRUPT_RIGHTS,
  MX_ERR_ALREADY_BOUND,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_OBJ_TYPE_INTERRUPT,
  MX_OBJ_TYPE_IOPORT2,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
} from "./constants.ts";
import { hi32, isOut, isU32, isU64, lo32 } from "./args.ts";
import { kernel_enter, kernelWork } from "./clock.ts";
import { handleAlloc, handleGet, handleRoom, lookupStatus } from "./handle_table.ts";
import { InterruptDispatcher, interruptExists } from "./interrupt.ts";
import { hal } from "./platform.ts";
import type { PortDispatcher } from "./port.ts";
import type { mx_handle_t, mx_status_t, Out } from "./types.ts";
import { giveHandles } from "./user_copy.ts";

export function mx_interrupt_create(options: number, vector: number, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0 || !isOut(out) || !isU32(vector) || !hal.interruptAvailable(vector >>> 0)) {
    return MX_ERR_INVALID_ARGS;
  }
  const v = vector >>> 0;
  if (interruptExists(v)) return MX_ERR_ALREADY_BOUND;
  if (!handleRoom(1)) return MX_ERR_NO_MEMORY;
  return giveHandles(out, handleAlloc(new InterruptDispatcher(v), MX_DEFAULT_INTERRUPT_RIGHTS));
}

export function mx_interrupt_bind(
  interrupt: mx_handle_t,
  port: mx_handle_t,
  key: bigint | number,
  options: number,
): mx_status_t {
  if (kernelWork) kernel_enter();
  const d = handleGet(interrupt, MX_RIGHT_READ, MX_OBJ_TYPE_INTERRUPT);
  if (d === null) return lookupStatus;
  const p = handleGet(port, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
  if (p === null) return lookupStatus;
  if (options !== 0 || !isU64(key)) return MX_ERR_INVALID_ARGS;
  return (d as InterruptDispatcher).bind(p as PortDispatcher, lo32(key), hi32(key));
}

export function mx_interrupt_ack(interrupt: mx_handle_t): mx_status_t {
  if (kernelWork) kernel_enter();
  const d = handleGet(interrupt, MX_RIGHT_WRITE, MX_OBJ_TYPE_INTERRUPT);
  if (d === null) return lookupStatus;
  return (d as InterruptDispatcher).ack();
}
