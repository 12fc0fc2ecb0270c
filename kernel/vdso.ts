/**
 * A process's syscalls: the object its main receives (Magenta hands a process its vDSO the same way, as an argument
 * at its entry), holding every syscall bound to the process's handle table, its awaitable calls and
 * mx_process_exit. It is the only authority a process has: nothing of the kernel's state is reachable through it.
 *
 * Its functions are made on first use (a process that uses five syscalls costs five closures, not forty), each
 * bound to the process: it enters the process (handle_table.ts enterProcess) for the length of the call and leaves
 * it after, so the kernel's syscalls are unchanged and serve every process. The four data-plane entries are the data plane's
 * own functions for the process (processEntries): as for process 0, a plain call never enters JavaScript again.
 * Absent: mx_interrupt_create (an interrupt object is given to a driver process; it cannot take one itself) and
 * the kernel_* configuration.
 *
 * An ended process's calls answer MX_ERR_BAD_STATE, its awaitable calls (also those pending when it ended) give
 * promises that never settle, and a call during which its own process ended (mx_task_kill of itself) does not
 * return: it throws EXIT, as mx_process_exit does (process.ts says why its code may still run).
 */
import { awaitable } from "./awaitable.ts";
import { MX_ERR_BAD_STATE } from "./constants.ts";
import { enterProcess } from "./handle_table.ts";
import { processEntries, processEntriesRevoke } from "#dataplane";
import type { ProcessEntries } from "./dataplane/dataplane.ts";
import { EXIT, type ProcessDispatcher } from "./process.ts";
import { channelReadSlow, channelWriteSlow, mx_channel_call, mx_channel_create } from "./syscalls_channel.ts";
import { mx_event_create, mx_eventpair_create } from "./syscalls_event.ts";
import { mx_handle_close, mx_handle_duplicate, mx_handle_replace } from "./syscalls_handle.ts";
import { mx_interrupt_ack, mx_interrupt_bind } from "./syscalls_interrupt.ts";
import { mx_object_signal, mx_object_signal_peer, mx_object_wait_many, mx_object_wait_one } from "./syscalls_object.ts";
import { mx_port_cancel, mx_port_create, mx_object_wait_async, portQueueSlow, portWaitSlow } from "./syscalls_port.ts";
import { mx_object_get_info, mx_process_create, mx_process_start, mx_task_kill } from "./syscalls_process.ts";
import { mx_deadline_after, mx_nanosleep, mx_time_get, mx_timer_cancel, mx_timer_create, mx_timer_start } from "./syscalls_timer.ts";

type Syscall = (...args: never[]) => unknown;

/** The syscalls a process gets, bound: by name, as kernel/index.ts exports them. */
const SYSCALLS = {
  mx_port_create,
  mx_port_cancel,
  mx_object_wait_async,
  mx_object_wait_one,
  mx_object_wait_many,
  mx_object_signal,
  mx_object_signal_peer,
  mx_channel_create,
  mx_channel_call,
  mx_handle_close,
  mx_handle_duplicate,
  mx_handle_replace,
  mx_event_create,
  mx_eventpair_create,
  mx_timer_create,
  mx_timer_start,
  mx_timer_cancel,
  mx_nanosleep,
  mx_interrupt_bind,
  mx_interrupt_ack,
  mx_process_create,
  mx_process_start,
  mx_task_kill,
  mx_object_get_info,
} as const;

/** The slow paths behind the data-plane entries. */
const SLOW_PATHS = {
  mx_port_queue: portQueueSlow,
  mx_port_wait: portWaitSlow,
  mx_channel_write: channelWriteSlow,
  mx_channel_read: channelReadSlow,
} as const;

/** What a process's main receives. */
export type Vdso = Readonly<
  typeof SYSCALLS &
    ProcessEntries & {
      mx_time_get: typeof mx_time_get;
      mx_deadline_after: typeof mx_deadline_after;
      awaitable: typeof awaitable;
      /** Ends the calling process with `retcode`; does not return. */
      mx_process_exit(retcode: number): never;
    }
>;

/** What an ended process's awaitable calls answer: a promise that never settles, so the code awaiting it stops.
 * (Made per call: a pending promise made while the kernel is preloaded could never settle in the base heap.) */
const badState = (): number => MX_ERR_BAD_STATE;
const never = (): Promise<number> => new Promise<number>(() => {});

/** `call` run in process `p`; `ended()` answers once it has ended (see the module comment). Eight arguments: the
 * most any syscall takes. */
function bind(p: ProcessDispatcher, call: Syscall, ended: () => unknown): Syscall {
  const f = call as (...args: unknown[]) => unknown;
  return ((a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown, i: unknown) => {
    if (p.ended) return ended();
    const previous = enterProcess(p.proc);
    try {
      return f(a, b, c, d, e, g, h, i);
    } finally {
      enterProcess(previous);
      if (p.ended) throw EXIT; // eslint-disable-line no-unsafe-finally -- the call ended its own process
    }
  }) as Syscall;
}

function bindAll<T extends Record<string, Syscall>>(p: ProcessDispatcher, calls: T, ended: () => unknown): T {
  const bound: Record<string, Syscall> = {};
  for (const name of Object.keys(calls)) bound[name] = bind(p, calls[name], ended);
  return bound as T;
}

/** Process `p`'s awaitable calls: a wait the process's end finishes (its handles closed) does not resume its code. */
function awaitables(p: ProcessDispatcher): typeof awaitable {
  const calls = bindAll(p, awaitable as unknown as Record<string, Syscall>, never);
  const unlessEnded = (status: number): number | Promise<number> => (p.ended ? never() : status);
  const gated: Record<string, Syscall> = {};
  for (const name of Object.keys(calls)) {
    const call = calls[name] as (...args: unknown[]) => Promise<number>;
    gated[name] = ((a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown) =>
      call(a, b, c, d, e, g, h).then(unlessEnded)) as Syscall;
  }
  return Object.freeze(gated) as unknown as typeof awaitable;
}

/** The data-plane entries of a live process (revoked when it ends); an ended process gets the refusing slow paths. */
function entries(p: ProcessDispatcher): ProcessEntries {
  const slow = bindAll(p, SLOW_PATHS, badState);
  if (p.ended) return slow;
  const made = processEntries(p.proc, slow);
  p.onEnd = () => processEntriesRevoke(made);
  return made;
}

/** What a vdso function named `name` is, made for process `p` on first use. */
function make(p: ProcessDispatcher, name: string, made: Record<string, unknown>): unknown {
  if (name in SLOW_PATHS) {
    made.entries ??= entries(p);
    return (made.entries as Record<string, unknown>)[name];
  }
  if (name === "awaitable") return awaitables(p);
  if (name === "mx_process_exit") {
    return (retcode: number): never => {
      p.end(typeof retcode === "number" ? retcode | 0 : 0);
      throw EXIT;
    };
  }
  return bind(p, SYSCALLS[name as keyof typeof SYSCALLS], badState);
}

/**
 * A process's vdso: frozen, and empty but for its process; its functions are getters of the shared (frozen)
 * prototype that make each on first use and keep it, so starting a process makes only what it uses.
 */
class VdsoObject {
  readonly #process: ProcessDispatcher;
  readonly #made: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  constructor(p: ProcessDispatcher) {
    this.#process = p;
    Object.freeze(this);
  }

  /** The function `name` of vdso `v` (a TypeError if `v` is not a vdso). */
  static get(v: VdsoObject, name: string): unknown {
    const made = v.#made;
    return (made[name] ??= make(v.#process, name, made));
  }
}

for (const name of [...Object.keys(SYSCALLS), ...Object.keys(SLOW_PATHS), "awaitable", "mx_process_exit"]) {
  Object.defineProperty(VdsoObject.prototype, name, {
    get(this: VdsoObject) {
      return VdsoObject.get(this, name);
    },
    enumerable: true,
  });
}
Object.defineProperty(VdsoObject.prototype, "mx_time_get", { value: mx_time_get, enumerable: true });
Object.defineProperty(VdsoObject.prototype, "mx_deadline_after", { value: mx_deadline_after, enumerable: true });
Object.freeze(VdsoObject.prototype);
Object.freeze(VdsoObject);

/** Process `p`'s syscalls. */
export function makeVdso(p: ProcessDispatcher): Vdso {
  return new VdsoObject(p) as unknown as Vdso;
}
