/**
 * The kernel's public API (js-api.md): every syscall, every constant, the C macros as functions, the packet class,
 * `awaitable`, plus this project's configuration hooks and the friendlier object layer.
 *
 * This is the only module programs and tests import; everything else in kernel/ is private and may change.
 */
export * from "./constants.ts";
export type * from "./types.ts";
export { mx_port_packet_t, mx_packet_signal_t, mx_packet_interrupt_t, type mx_packet_user_t } from "./packet.ts";
export { mx_port_create, mx_port_queue, mx_port_wait, mx_port_cancel, mx_object_wait_async } from "./syscalls_port.ts";
export { mx_object_wait_one, mx_object_wait_many, mx_object_signal, mx_object_signal_peer } from "./syscalls_object.ts";
export { mx_channel_create, mx_channel_write, mx_channel_read, mx_channel_call } from "./syscalls_channel.ts";
export { mx_handle_close, mx_handle_duplicate, mx_handle_replace } from "./syscalls_handle.ts";
export { mx_event_create, mx_eventpair_create } from "./syscalls_event.ts";
export {
  mx_timer_create,
  mx_timer_start,
  mx_timer_cancel,
  mx_time_get,
  mx_deadline_after,
  mx_nanosleep,
} from "./syscalls_timer.ts";
export { mx_interrupt_create, mx_interrupt_bind, mx_interrupt_ack } from "./syscalls_interrupt.ts";
export { mx_process_create, mx_process_start, mx_task_kill, mx_object_get_info } from "./syscalls_process.ts";
export { kernel_set_programs, kernel_set_reporter, type ProgramLoader, type ProgramMain } from "./process.ts";
export type { Vdso } from "./vdso.ts";
export { awaitable } from "./awaitable.ts";
export { kernel_configure, kernel_limits, KERNEL_DEFAULT_LIMITS, type KernelLimits } from "./limits.ts";
export { kernel_set_hal } from "./clock.ts";
export { kernel_stats, type KernelStats } from "./stats.ts";
export { kernel_check } from "./invariants.ts";
export { MxError, KernelObject, Port, Channel, Event, Timer, type Message } from "./objects.ts";
