/**
 * Handle syscalls: mx_handle_close, mx_handle_duplicate, mx_handle_replace.
 *
 * June 2017 rules: closing MX_HANDLE_INVALID is BAD_HANDLE; a failed replace leaves the original handle valid.
 */
import {
  MX_ERR_ACCESS_DENIED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_OK,
  MX_RIGHT_DUPLICATE,
  MX_RIGHT_SAME_RIGHTS,
} from "./constants.ts";
import { isOut, isU32 } from "./args.ts";
import { kernel_enter, kernelWork } from "./clock.ts";
import { handleAlloc, handleClose, handleGet, handleNextValue, handleRevalue, handleRights, lookupStatus } from "./handle_table.ts";
import type { mx_handle_t, mx_rights_t, mx_status_t, Out } from "./types.ts";
import { giveHandles, putOut } from "./user_copy.ts";

export function mx_handle_close(handle: mx_handle_t): mx_status_t {
  if (kernelWork) kernel_enter();
  return handleClose(handle);
}

/** The rights a duplicate or replacement gets, or -1 if `rights` is not SAME_RIGHTS or a subset of `have`. */
function derivedRights(rights: unknown, have: number): number {
  if (!isU32(rights)) return -1;
  const r = rights >>> 0;
  if (r === MX_RIGHT_SAME_RIGHTS) return have;
  return (r & ~have) === 0 ? r : -1;
}

export function mx_handle_duplicate(handle: mx_handle_t, rights: mx_rights_t, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  const d = handleGet(handle, 0, 0);
  if (d === null) return lookupStatus;
  const have = handleRights(handle);
  if ((have & MX_RIGHT_DUPLICATE) === 0) return MX_ERR_ACCESS_DENIED;
  const r = derivedRights(rights, have);
  if (r < 0 || !isOut(out)) return MX_ERR_INVALID_ARGS;
  const h = handleAlloc(d, r);
  if (h === 0) return MX_ERR_NO_MEMORY;
  return giveHandles(out, h);
}

/**
 * As in 2017 Magenta, the new value is copied out before the old handle is touched, so an out-parameter that
 * refuses the write leaves the original valid with its waits in place. The write may run a caller's setter, which
 * may itself close or send the handle: the replacement then happens only if the handle is still the one checked.
 */
export function mx_handle_replace(handle: mx_handle_t, rights: mx_rights_t, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (handleGet(handle, 0, 0) === null) return lookupStatus;
  const r = derivedRights(rights, handleRights(handle));
  if (r < 0 || !isOut(out)) return MX_ERR_INVALID_ARGS;
  if (!putOut(out, handleNextValue(handle))) return MX_ERR_INVALID_ARGS;
  if (handleGet(handle, 0, 0) === null) return lookupStatus;
  handleRevalue(handle, r);
  return MX_OK;
}
