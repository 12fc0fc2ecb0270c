/**
 * Every constant of June 2017 Magenta (`errors.h`, `types.h`, `rights.h`, `syscalls/port.h`, `syscalls/object.h`)
 * under its C name and value, plus the C macros that take arguments as functions.
 *
 * 32-bit values are unsigned numbers (so `MX_RIGHT_SAME_RIGHTS` is 0x80000000, not -2^31); 64-bit values are bigints,
 * as js-api.md fixes. Kernel code masks with these and converts with `>>> 0` only where a value leaves the kernel.
 */

// Status codes (errors.h).
export const MX_OK = 0;
export const MX_ERR_INTERNAL = -1;
export const MX_ERR_NOT_SUPPORTED = -2;
export const MX_ERR_NO_RESOURCES = -3;
export const MX_ERR_NO_MEMORY = -4;
export const MX_ERR_CALL_FAILED = -5;
export const MX_ERR_INTERNAL_INTR_RETRY = -6;
export const MX_ERR_INVALID_ARGS = -10;
export const MX_ERR_BAD_HANDLE = -11;
export const MX_ERR_WRONG_TYPE = -12;
export const MX_ERR_BAD_SYSCALL = -13;
export const MX_ERR_OUT_OF_RANGE = -14;
export const MX_ERR_BUFFER_TOO_SMALL = -15;
export const MX_ERR_BAD_STATE = -20;
export const MX_ERR_TIMED_OUT = -21;
export const MX_ERR_SHOULD_WAIT = -22;
export const MX_ERR_CANCELED = -23;
export const MX_ERR_PEER_CLOSED = -24;
export const MX_ERR_NOT_FOUND = -25;
export const MX_ERR_ALREADY_EXISTS = -26;
export const MX_ERR_ALREADY_BOUND = -27;
export const MX_ERR_UNAVAILABLE = -28;
export const MX_ERR_ACCESS_DENIED = -30;
export const MX_ERR_IO = -40;
export const MX_ERR_IO_REFUSED = -41;
export const MX_ERR_IO_DATA_INTEGRITY = -42;
export const MX_ERR_IO_DATA_LOSS = -43;
export const MX_ERR_STOP = -60;
export const MX_ERR_NEXT = -61;

// Special values (types.h).
export const MX_HANDLE_INVALID = 0;
export const MX_TIME_INFINITE = 0xffff_ffff_ffff_ffffn;
export const MX_KOID_INVALID = 0n;
export const MX_CLOCK_MONOTONIC = 0;
export const MX_CLOCK_UTC = 1;
export const MX_CLOCK_THREAD = 2;

// Time macros: bigint nanoseconds, as the C macros produce mx_duration_t.
export function MX_USEC(n: bigint | number): bigint {
  return BigInt(n) * 1000n;
}
export function MX_MSEC(n: bigint | number): bigint {
  return BigInt(n) * 1_000_000n;
}
export function MX_SEC(n: bigint | number): bigint {
  return BigInt(n) * 1_000_000_000n;
}

// Rights (types.h).
export const MX_RIGHT_NONE = 0;
export const MX_RIGHT_DUPLICATE = 1 << 0;
export const MX_RIGHT_TRANSFER = 1 << 1;
export const MX_RIGHT_READ = 1 << 2;
export const MX_RIGHT_WRITE = 1 << 3;
export const MX_RIGHT_EXECUTE = 1 << 4;
export const MX_RIGHT_MAP = 1 << 5;
export const MX_RIGHT_GET_PROPERTY = 1 << 6;
export const MX_RIGHT_SET_PROPERTY = 1 << 7;
export const MX_RIGHT_ENUMERATE = 1 << 8;
export const MX_RIGHT_DESTROY = 1 << 9;
export const MX_RIGHT_SET_POLICY = 1 << 10;
export const MX_RIGHT_GET_POLICY = 1 << 11;
/** Exported for source compatibility with September 2017 code; this kernel (June 2017) never checks it. */
export const MX_RIGHT_SIGNAL = 1 << 12;
/** Exported for source compatibility with September 2017 code; this kernel (June 2017) never checks it. */
export const MX_RIGHT_SIGNAL_PEER = 1 << 13;
export const MX_RIGHT_SAME_RIGHTS = 0x8000_0000;

// Default rights (rights.h, June 2017).
const DTRW = MX_RIGHT_DUPLICATE | MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE;
export const MX_DEFAULT_CHANNEL_RIGHTS = MX_RIGHT_TRANSFER | MX_RIGHT_READ | MX_RIGHT_WRITE;
export const MX_DEFAULT_EVENT_RIGHTS = DTRW;
export const MX_DEFAULT_EVENTPAIR_RIGHTS = DTRW;
export const MX_DEFAULT_IO_PORT_RIGHTS = DTRW;
export const MX_DEFAULT_IO_PORT_V2_RIGHTS = DTRW;
export const MX_DEFAULT_PORT_RIGHTS = DTRW;
export const MX_DEFAULT_TIMER_RIGHTS = DTRW;
export const MX_DEFAULT_SOCKET_RIGHTS = DTRW;
export const MX_DEFAULT_FIFO_RIGHTS = DTRW;
/** This project's interrupt objects (after later Zircon). */
export const MX_DEFAULT_INTERRUPT_RIGHTS = DTRW;
/** Processes (docs/processes.md): mx_process_start and mx_task_kill need WRITE, mx_object_get_info READ. */
export const MX_DEFAULT_PROCESS_RIGHTS = DTRW;

// Signals (types.h).
export const MX_SIGNAL_NONE = 0;
export const __MX_OBJECT_READABLE = 1 << 0;
export const __MX_OBJECT_WRITABLE = 1 << 1;
export const __MX_OBJECT_PEER_CLOSED = 1 << 2;
export const __MX_OBJECT_SIGNALED = 1 << 3;
export const MX_SIGNAL_LAST_HANDLE = 1 << 22;
export const MX_SIGNAL_HANDLE_CLOSED = 1 << 23;
export const MX_USER_SIGNAL_0 = 1 << 24;
export const MX_USER_SIGNAL_1 = 1 << 25;
export const MX_USER_SIGNAL_2 = 1 << 26;
export const MX_USER_SIGNAL_3 = 1 << 27;
export const MX_USER_SIGNAL_4 = 1 << 28;
export const MX_USER_SIGNAL_5 = 1 << 29;
export const MX_USER_SIGNAL_6 = 1 << 30;
export const MX_USER_SIGNAL_7 = 0x8000_0000;
export const MX_USER_SIGNAL_ALL = 0xff00_0000;

export const MX_CHANNEL_READABLE = __MX_OBJECT_READABLE;
export const MX_CHANNEL_WRITABLE = __MX_OBJECT_WRITABLE;
export const MX_CHANNEL_PEER_CLOSED = __MX_OBJECT_PEER_CLOSED;
export const MX_EVENT_SIGNALED = __MX_OBJECT_SIGNALED;
export const MX_EVENT_SIGNAL_MASK = MX_USER_SIGNAL_ALL | __MX_OBJECT_SIGNALED;
export const MX_EPAIR_SIGNALED = __MX_OBJECT_SIGNALED;
export const MX_EPAIR_PEER_CLOSED = __MX_OBJECT_PEER_CLOSED;
export const MX_PORT_READABLE = __MX_OBJECT_READABLE;
export const MX_TIMER_SIGNALED = __MX_OBJECT_SIGNALED;
export const MX_SOCKET_READABLE = __MX_OBJECT_READABLE;
export const MX_SOCKET_WRITABLE = __MX_OBJECT_WRITABLE;
export const MX_SOCKET_PEER_CLOSED = __MX_OBJECT_PEER_CLOSED;
export const MX_FIFO_READABLE = __MX_OBJECT_READABLE;
export const MX_FIFO_WRITABLE = __MX_OBJECT_WRITABLE;
export const MX_FIFO_PEER_CLOSED = __MX_OBJECT_PEER_CLOSED;
export const MX_TASK_TERMINATED = __MX_OBJECT_SIGNALED;
export const MX_PROCESS_TERMINATED = MX_TASK_TERMINATED;

// Channels.
export const MX_CHANNEL_READ_MAY_DISCARD = 1;
export const MX_CHANNEL_MAX_MSG_BYTES = 65536;
export const MX_CHANNEL_MAX_MSG_HANDLES = 64;
/** `kMaxWaitHandleCount` in syscalls_object_wait.cpp. */
export const MX_WAIT_MANY_MAX_ITEMS = 1024;

// Timers (June 2017; the slack options are September's, exported for source compatibility).
export const MX_TIMER_MIN_PERIOD = 50_000n;
export const MX_TIMER_MIN_DEADLINE = 1_000n;
export const MX_TIMER_SLACK_CENTER = 0;
export const MX_TIMER_SLACK_EARLY = 1;
export const MX_TIMER_SLACK_LATE = 2;

// Ports V1 (syscalls/port.h).
export const MX_PORT_OPT_V1 = 0;
export const MX_PORT_OPT_V2 = 1;
export const MX_PORT_MAX_PKT_SIZE = 128;
export const MX_PORT_PKT_TYPE_KERN = 0;
export const MX_PORT_PKT_TYPE_IOSN = 1;
export const MX_PORT_PKT_TYPE_USER = 2;
export const MX_PORT_PKT_TYPE_EXCEPTION = 3;
/** sizeof(mx_packet_header_t). */
export const MX_PACKET_HEADER_SIZE = 16;

// Ports V2.
export const MX_WAIT_ASYNC_ONCE = 0;
export const MX_WAIT_ASYNC_REPEATING = 1;
export const MX_PKT_TYPE_USER = 0x00;
export const MX_PKT_TYPE_SIGNAL_ONE = 0x01;
export const MX_PKT_TYPE_SIGNAL_REP = 0x02;
/** This project's interrupt packets: later Zircon's value, which no June 2017 type uses. */
export const MX_PKT_TYPE_INTERRUPT = 0x07;
export const MX_PKT_TYPE_MASK = 0xff;
/** sizeof(mx_port_packet_t). */
export const MX_PORT_PACKET_SIZE = 48;

export function MX_PKT_TYPE_EXCEPTION(n: number): number {
  return (0x03 | ((n & 0xff) << 8)) >>> 0;
}
export function MX_PKT_IS_USER(t: number): boolean {
  return t === MX_PKT_TYPE_USER;
}
export function MX_PKT_IS_SIGNAL_ONE(t: number): boolean {
  return t === MX_PKT_TYPE_SIGNAL_ONE;
}
export function MX_PKT_IS_SIGNAL_REP(t: number): boolean {
  return t === MX_PKT_TYPE_SIGNAL_REP;
}
export function MX_PKT_IS_EXCEPTION(t: number): boolean {
  return (t & MX_PKT_TYPE_MASK) === MX_PKT_TYPE_EXCEPTION(0);
}
export function MX_PKT_IS_INTERRUPT(t: number): boolean {
  return t === MX_PKT_TYPE_INTERRUPT;
}

// mx_object_get_info topics (syscalls/object.h, June 2017): this kernel answers HANDLE_VALID and PROCESS.
export const MX_INFO_NONE = 0;
export const MX_INFO_HANDLE_VALID = 1;
export const MX_INFO_HANDLE_BASIC = 2;
export const MX_INFO_PROCESS = 3;
/** mx_info_process_t: int32 return_code, then bool started, exited, debugger_attached, padded to 8 bytes. */
export const MX_INFO_PROCESS_SIZE = 8;
/** Names of objects: at most 31 bytes and a NUL in C; longer names are cut (types.h MX_MAX_NAME_LEN). */
export const MX_MAX_NAME_LEN = 32;
/** Return codes of a process the kernel ended (later Zircon's values): mx_task_kill, and a fault. */
export const MX_TASK_RETCODE_SYSCALL_KILL = -1024;
export const MX_TASK_RETCODE_EXCEPTION_KILL = -1025;

// Object types (syscalls/object.h, June 2017).
export const MX_OBJ_TYPE_NONE = 0;
export const MX_OBJ_TYPE_PROCESS = 1;
export const MX_OBJ_TYPE_CHANNEL = 4;
export const MX_OBJ_TYPE_EVENT = 5;
export const MX_OBJ_TYPE_IOPORT = 6;
export const MX_OBJ_TYPE_INTERRUPT = 9;
export const MX_OBJ_TYPE_EVENT_PAIR = 16;
export const MX_OBJ_TYPE_IOPORT2 = 20;
export const MX_OBJ_TYPE_TIMER = 23;
