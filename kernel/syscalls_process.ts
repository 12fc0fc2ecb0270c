/**
 * Process syscalls (docs/processes.md): mx_process_create, mx_process_start, mx_task_kill, mx_object_get_info.
 * They keep Magenta's names, argument order and check order; what a process is, and how it ends, is process.ts.
 * mx_process_exit is a process's own (vdso.ts): only a process can exit.
 */
import {
  MX_DEFAULT_PROCESS_RIGHTS,
  MX_ERR_BAD_STATE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NO_RESOURCES,
  MX_ERR_NOT_FOUND,
  MX_ERR_NOT_SUPPORTED,
  MX_HANDLE_INVALID,
  MX_INFO_HANDLE_VALID,
  MX_INFO_PROCESS,
  MX_INFO_PROCESS_SIZE,
  MX_MAX_NAME_LEN,
  MX_OBJ_TYPE_PROCESS,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_TASK_RETCODE_SYSCALL_KILL,
} from "./constants.ts";
import { isOut, isU32 } from "./args.ts";
import { kernel_enter, kernelWork } from "./clock.ts";
import {
  claimTable,
  enterProcess,
  handleAlloc,
  handleBeginTransfer,
  handleClose,
  handleGet,
  handleReceive,
  handleRoom,
  lookupStatus,
} from "./handle_table.ts";
import { hal } from "./platform.ts";
import { ProcessDispatcher, program } from "./process.ts";
import type { mx_handle_t, mx_status_t, Out } from "./types.ts";
import { giveHandles, putOptOut } from "./user_copy.ts";
import { makeVdso } from "./vdso.ts";

/** mx_process_create(name, options, out): a process that runs nothing yet, with a handle table of its own. */
export function mx_process_create(name: string, options: number, out: Out<mx_handle_t>): mx_status_t {
  if (kernelWork) kernel_enter();
  if (options !== 0 || typeof name !== "string" || !isOut(out)) return MX_ERR_INVALID_ARGS;
  if (!handleRoom(1)) return MX_ERR_NO_MEMORY;
  const proc = claimTable();
  if (proc < 0) return MX_ERR_NO_RESOURCES;
  const short = name.length < MX_MAX_NAME_LEN ? name : name.slice(0, MX_MAX_NAME_LEN - 1); // a slice makes a string
  return giveHandles(out, handleAlloc(ProcessDispatcher.create(proc, short), MX_DEFAULT_PROCESS_RIGHTS));
}

/**
 * mx_process_start(process, entry, arg1, arg2) (`handle` is the process's handle): runs program `entry` in the process, as `main(vdso, arg1', arg2)`
 * where arg1' is arg1's value in the new process. arg1 (MX_HANDLE_INVALID or a handle with TRANSFER) leaves the
 * caller once it has been looked up, also when the start then fails (it is closed), as in Magenta.
 */
export function mx_process_start(handle: mx_handle_t, entry: string, arg1: mx_handle_t, arg2: number): mx_status_t {
  if (kernelWork) kernel_enter();
  const p = handleGet(handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_PROCESS) as ProcessDispatcher | null;
  if (p === null) return lookupStatus;
  const carries = arg1 !== MX_HANDLE_INVALID;
  if (carries && handleGet(arg1, MX_RIGHT_TRANSFER, 0) === null) return lookupStatus;
  const load = program(entry);
  const status = !isU32(arg2) || typeof entry !== "string" ? MX_ERR_INVALID_ARGS : load === null ? MX_ERR_NOT_FOUND : p.started || p.ended ? MX_ERR_BAD_STATE : MX_OK;
  if (status !== MX_OK) {
    if (carries) handleClose(arg1);
    return status;
  }
  let given = MX_HANDLE_INVALID;
  if (carries) {
    handleBeginTransfer(arg1);
    const caller = enterProcess(p.proc);
    given = handleReceive(arg1);
    enterProcess(caller);
  }
  p.start(load as NonNullable<typeof load>, entry, makeVdso(p), given, arg2 >>> 0);
  return MX_OK;
}

/** mx_task_kill(task): ends the process with MX_TASK_RETCODE_SYSCALL_KILL; a process that has ended already is OK. */
export function mx_task_kill(task: mx_handle_t): mx_status_t {
  if (kernelWork) kernel_enter();
  const p = handleGet(task, MX_RIGHT_WRITE, MX_OBJ_TYPE_PROCESS) as ProcessDispatcher | null;
  if (p === null) return lookupStatus;
  p.end(MX_TASK_RETCODE_SYSCALL_KILL);
  return MX_OK;
}

/**
 * mx_object_get_info(handle, topic, buffer, buffer_size, actual, avail), for MX_INFO_HANDLE_VALID and
 * MX_INFO_PROCESS (mx_info_process_t: int32 return_code, bool started, bool exited, bool debugger_attached); other
 * topics are NOT_SUPPORTED. One record: actual 1, avail 1, or BUFFER_TOO_SMALL with actual 0 when buffer_size is
 * smaller than the record (the sizes are written first, as Magenta's single_record_result does).
 */
export function mx_object_get_info(
  handle: mx_handle_t,
  topic: number,
  buffer: Uint8Array | null,
  buffer_size: number,
  actual: Out<number> | null,
  avail: Out<number> | null,
): mx_status_t {
  if (kernelWork) kernel_enter();
  if (topic === MX_INFO_HANDLE_VALID) return handleGet(handle, 0, 0) === null ? lookupStatus : MX_OK;
  if (topic !== MX_INFO_PROCESS) return MX_ERR_NOT_SUPPORTED;
  const p = handleGet(handle, MX_RIGHT_READ, MX_OBJ_TYPE_PROCESS) as ProcessDispatcher | null;
  if (p === null) return lookupStatus;
  if (!isU32(buffer_size)) return MX_ERR_INVALID_ARGS;
  const fits = buffer_size >= MX_INFO_PROCESS_SIZE;
  if (fits) {
    // Made per call: a buffer made while the kernel is preloaded would be read-only on the device (the base heap).
    const record = new Uint8Array(MX_INFO_PROCESS_SIZE);
    new DataView(record.buffer).setInt32(0, p.returnCode, true);
    record[4] = p.started ? 1 : 0;
    record[5] = p.ended ? 1 : 0;
    record[6] = 0;
    record[7] = 0;
    if (!(hal.byteLength(buffer) >= buffer_size && hal.copyBytes(buffer, 0, record, 0, MX_INFO_PROCESS_SIZE))) return MX_ERR_INVALID_ARGS;
  }
  if (!putOptOut(actual, fits ? 1 : 0) || !putOptOut(avail, 1)) return MX_ERR_INVALID_ARGS;
  return fits ? MX_OK : MX_ERR_BUFFER_TOO_SMALL;
}
