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
import { freezeDeep } from "./freeze.ts";
import { enterProcess } from "./handle_table.ts";
import { hal } from "./platform.ts";
import { bindProcessSlowPath, processEntries, processEntriesRevoke, takeProcess } from "#dataplane";
import type { ProcessEntries } from "./dataplane/dataplane.ts";
import { EXIT, onProcessEnd, owner, type ProcessDispatcher } from "./process.ts";
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

/** What an ended process's calls answer. */
const badState = (): number => MX_ERR_BAD_STATE;
/** What an ended process's awaitable calls answer: a promise that never settles, so the code awaiting it stops.
 * (Made per call: a pending promise made while the kernel is preloaded could never settle in the base heap.) */
const never = (): Promise<number> => new Promise<number>(() => {});

/** `call` run in process `p`, or `ended()` once it has ended (see the module comment). Eight arguments: the most
 * any syscall takes. */
function callIn(p: ProcessDispatcher, call: Syscall, ended: () => unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, g?: unknown, h?: unknown, i?: unknown): unknown {
  if (p.ended) return ended();
  const previous = enterProcess(p.proc);
  try {
    return (call as (...args: unknown[]) => unknown)(a, b, c, d, e, g, h, i);
  } finally {
    enterProcess(previous);
    if (p.ended) throw EXIT; // eslint-disable-line no-unsafe-finally -- the call ended its own process
  }
}

// The data-plane entries of every process share these slow paths; the data plane says whose call each serves
// (takeProcess: 0 when a process calls one itself, which is refused), and a live entry belongs to its table's owner
// (an ended process's entries are revoked before its table can be given to another).
for (const name of Object.keys(SLOW_PATHS) as (keyof typeof SLOW_PATHS)[]) {
  const slow = SLOW_PATHS[name] as Syscall;
  bindProcessSlowPath(name, (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown, i: unknown) => {
    const p = owner(takeProcess());
    return p === null ? MX_ERR_BAD_STATE : (callIn(p, slow, badState, a, b, c, d, e, g, h, i) as number);
  });
}

/** `call` bound to process `p`. */
function bind(p: ProcessDispatcher, call: Syscall): Syscall {
  return ((a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown, i: unknown) =>
    callIn(p, call, badState, a, b, c, d, e, g, h, i)) as Syscall;
}

/** What makes function `name` of a process's object on first use (`made`: what was made for that object so far). */
type Maker = (p: ProcessDispatcher, name: string, made: Record<string, unknown>) => unknown;

// A process's vdso and awaitable object are bare frozen objects of a shared frozen prototype, each a copy of a
// template (one engine call on XS, where Object.create and Object.freeze are two, each found by name): their
// process, and what was made for them, are kept here rather than in them (a copy and a WeakMap entry cost under half
// of what a class instance with private fields costs, made on every spawn). Made at run time: a WeakMap of the base
// heap would be read-only.
let ownerOf: WeakMap<object, ProcessDispatcher> | null = null;
let madeFor: WeakMap<object, Record<string, unknown>> | null = null;

/**
 * A per-process object whose functions are made on first use (a closure costs ~500 bytes on XS; a process uses a
 * few of the forty): a copy of `template` (lazyTemplate), frozen, with getters on its shared frozen prototype.
 */
function lazyObject(p: ProcessDispatcher, template: object): object {
  const o = hal.cloneObject(template);
  (ownerOf ??= new WeakMap()).set(o, p);
  return o;
}

/** Function `name` of `o`, made by `make` on first use; a TypeError if `o` is no lazyObject. */
function lazyGet(o: object, name: string, make: Maker): unknown {
  const p = ownerOf?.get(o);
  if (p === undefined) throw new TypeError("not a process's syscall object");
  let made = (madeFor ??= new WeakMap()).get(o);
  if (made === undefined) {
    made = Object.create(null) as Record<string, unknown>;
    madeFor.set(o, made);
  }
  return (made[name] ??= make(p, name, made));
}

/** The template of lazy objects whose functions are `names`, made by `make`, and whose `values` are shared: a frozen
 * empty object, whose prototype, frozen, has them. */
function lazyTemplate(names: readonly string[], make: Maker, values: Record<string, unknown> = {}): object {
  const proto = {};
  for (const name of names) {
    Object.defineProperty(proto, name, {
      get(this: object) {
        return lazyGet(this, name, make);
      },
      enumerable: true,
    });
  }
  for (const name of Object.keys(values)) Object.defineProperty(proto, name, { value: values[name], enumerable: true });
  return Object.freeze(Object.create(freezeDeep(proto)) as object);
}

/** A process's awaitable call `name`: a wait its process's end finishes (its handles closed) does not resume it. */
function makeAwaitable(p: ProcessDispatcher, name: string): unknown {
  const call = (awaitable as unknown as Record<string, Syscall>)[name];
  const unlessEnded = (status: number): number | Promise<number> => (p.ended ? never() : status);
  return (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, g: unknown, h: unknown) =>
    (callIn(p, call, never, a, b, c, d, e, g, h) as Promise<number>).then(unlessEnded);
}
const AWAITABLE = lazyTemplate(Object.keys(awaitable), makeAwaitable);

/** The data-plane entries of a live process (revoked when it ends); an ended process gets the refusing slow paths. */
function entries(p: ProcessDispatcher): ProcessEntries {
  if (p.ended) return { mx_port_queue: badState, mx_port_wait: badState, mx_channel_write: badState, mx_channel_read: badState };
  const made = processEntries(p.proc);
  onProcessEnd(p.proc, () => processEntriesRevoke(made));
  return made;
}

/** What a vdso function named `name` is, made for process `p` on first use. */
function makeCall(p: ProcessDispatcher, name: string, made: Record<string, unknown>): unknown {
  if (name in SLOW_PATHS) {
    made.entries ??= entries(p);
    return (made.entries as Record<string, unknown>)[name];
  }
  if (name === "awaitable") return lazyObject(p, AWAITABLE);
  if (name === "mx_process_exit") {
    return (retcode: number): never => {
      p.exit(retcode);
      throw EXIT;
    };
  }
  return bind(p, SYSCALLS[name as keyof typeof SYSCALLS]);
}

const VDSO = lazyTemplate([...Object.keys(SYSCALLS), ...Object.keys(SLOW_PATHS), "awaitable", "mx_process_exit"], makeCall, {
  mx_time_get,
  mx_deadline_after,
});

/** Process `p`'s syscalls. */
export function makeVdso(p: ProcessDispatcher): Vdso {
  return lazyObject(p, VDSO) as unknown as Vdso;
}
