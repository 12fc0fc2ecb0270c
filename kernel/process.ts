/**
 * Processes (Magenta's ProcessDispatcher, on one XS machine): a program run with its own handle table, started,
 * ended and watched through a process handle. docs/processes.md is the API; this module is its lifecycle.
 *
 * A process is its table (handle_table.ts: one of the data plane's, claimed at creation), the syscall functions
 * bound to that table (vdso.ts: the only authority it has), and its main: the entry module's default export, called
 * as `main(vdso, arg1, arg2)` once mx_process_start has returned, the way Magenta starts a thread at its entry with
 * the bootstrap handle in arg1. Its "thread" is main and the promise chain main returns: when that settles the
 * process exits (a number is its return code), and when it rejects, or main throws, the process has faulted.
 *
 * Ending a process (exit, kill, fault) is one path, `end`: the return code is set, every live handle of its
 * table closes (peers see PEER_CLOSED, waits through them end, objects only it held are destroyed), its data-plane
 * entries are revoked, and MX_TASK_TERMINATED is asserted. Its code may still be on the promise job queue (one XS
 * machine has one queue); from then on every syscall it makes answers MX_ERR_BAD_STATE and every awaitable call
 * returns a promise that never settles, so such code stops at its next wait.
 */
import {
  MX_OBJ_TYPE_PROCESS,
  MX_TASK_RETCODE_EXCEPTION_KILL,
  MX_TASK_RETCODE_SYSCALL_KILL,
  MX_TASK_TERMINATED,
} from "./constants.ts";
import { Dispatcher } from "./dispatcher.ts";
import { disownTable, handleCloseAll } from "./handle_table.ts";
import { hal } from "./platform.ts";
import { StateTracker } from "./state_tracker.ts";
import type { Vdso } from "./vdso.ts";

/** What mx_process_start runs: a program's entry module, loaded when its process starts (given the process's
 * table, so that the device can tell the runtime which Compartment is whose). */
export type ProgramLoader = (proc: number) => unknown;
/** The default export of a program's entry module. */
export type ProgramMain = (vdso: Vdso, arg1: number, arg2: number) => unknown;

export class ProcessDispatcher extends Dispatcher {
  // Declared and set in the constructor, not given initializers: dispatcher.ts says why (a process is made per spawn).
  /** Its handle table (handle_table.ts claimTable). */
  declare readonly proc: number;
  declare readonly name: string;
  declare started: boolean;
  declare ended: boolean;
  declare returnCode: number;
  declare readonly tracker: StateTracker;

  /** The template processes are copied from (`create`); a live process is made by `create`, never by `new`. */
  private constructor() {
    super(MX_OBJ_TYPE_PROCESS, new StateTracker(0));
    this.proc = 0;
    this.name = "";
    this.started = false;
    this.ended = false;
    this.returnCode = 0;
  }

  /**
   * A new process, the owner of table `proc`: a copy of a template process, with a copy of its tracker
   * (hal.cloneObject: one engine call each, where `new` adds their 14 properties one by one, ~600 instructions
   * each on XS). The template is made at first use (made while the kernel is preloaded, it would be in flash).
   */
  static create(proc: number, name: string): ProcessDispatcher {
    const template = (processTemplate ??= new ProcessDispatcher());
    const p = hal.cloneObject(template);
    const fields = p as unknown as { proc: number; name: string; tracker: StateTracker };
    fields.tracker = hal.cloneObject(template.tracker);
    fields.proc = proc;
    fields.name = name;
    owners[proc] = p;
    return p;
  }

  /** A process nobody started and nobody can start any more ends (its table is freed). */
  override onZeroHandles(): void {
    if (!this.started) this.end(MX_TASK_RETCODE_SYSCALL_KILL);
  }

  /**
   * mx_process_start has checked everything: main runs in a job of its own after the caller's (hal.queueJob: no
   * promise is made for it), and its outcome ends the process. A promise from the loader or from main is followed.
   */
  start(load: ProgramLoader, entry: string, vdso: Vdso, arg1: number, arg2: number): void {
    this.started = true;
    hal.queueJob(runStart, this, load, entry, vdso, arg1, arg2);
  }

  /** main returned or its promise fulfilled: a number is the return code. */
  exit(code: unknown): void {
    this.end(typeof code === "number" ? code | 0 : 0);
  }

  /** main threw or rejected, or a rejection it left unhandled: a report line and EXCEPTION_KILL (an exit's EXIT, or
   * a process already ended, is not a fault). */
  fault(error: unknown): void {
    if (error === EXIT || this.ended) return;
    report(`process "${this.name}" faulted: ${describe(error)}`);
    this.end(MX_TASK_RETCODE_EXCEPTION_KILL);
  }

  /** Ends the process (exit, kill or fault; once): see the module comment. */
  end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.returnCode = code;
    const action = endActions[this.proc];
    if (action) {
      endActions[this.proc] = null;
      action(); // first: its entries must never reach the table once the table can be given away
    }
    owners[this.proc] = null;
    if (endHook !== null) endHook(this.proc);
    handleCloseAll(this.proc);
    disownTable(this.proc);
    this.tracker.update(0, MX_TASK_TERMINATED);
  }
}

/** A started process's job: loads its program and runs main. Nothing escapes it (a job that throws ends XS). */
function runStart(p: ProcessDispatcher, load: ProgramLoader, entry: string, vdso: Vdso, arg1: number, arg2: number): void {
  if (p.ended) return;
  try {
    const module = load(p.proc);
    if (!(module instanceof Promise)) runMain(p, module, entry, vdso, arg1, arg2);
    else module.then((loaded: unknown) => runMain(p, loaded, entry, vdso, arg1, arg2), (error: unknown) => p.fault(error));
  } catch (error) {
    p.fault(error);
  }
}

function runMain(p: ProcessDispatcher, module: unknown, entry: string, vdso: Vdso, arg1: number, arg2: number): void {
  if (p.ended) return;
  try {
    const main = module !== null && typeof module === "object" ? (module as { default?: unknown }).default : undefined;
    if (typeof main !== "function") throw new TypeError(`program "${entry}" has no default export function`);
    const result: unknown = (main as ProgramMain)(vdso, arg1, arg2);
    if (result instanceof Promise) result.then((code: unknown) => p.exit(code), (error: unknown) => p.fault(error));
    else p.exit(result);
  } catch (error) {
    p.fault(error);
  }
}

/** What the kernel does first when the process of a table ends, by table (vdso.ts revokes its data-plane entries). */
const endActions: ((() => void) | null)[] = [];

/** Sets what is done first when the live process of table `proc` ends. */
export function onProcessEnd(proc: number, action: () => void): void {
  endActions[proc] = action;
}

/** What ProcessDispatcher.create copies (made at first use). */
let processTemplate: ProcessDispatcher | null = null;

/** What the platform does when a process ends, given its table (the device lets go of its Compartment). */
let endHook: ((proc: number) => void) | null = null;

/** Sets the platform's end hook (kernel/boot/setup.ts on the device). */
export function setProcessEndHook(hook: ((proc: number) => void) | null): void {
  endHook = hook;
}

/** The process that has each handle table, by table (null: none, or the first program's). */
const owners: (ProcessDispatcher | null)[] = [];

/** The live process whose table is `proc`. */
export function owner(proc: number): ProcessDispatcher | null {
  return owners[proc] ?? null;
}

/** A rejection the code of process `proc` left unhandled (on the device: hal/runtime/rejections.c) is its fault. */
export function faultProcess(proc: number, error: unknown): void {
  owner(proc)?.fault(error);
}

/** What mx_process_exit throws, after ending the process, so that the process's own code stops where it is. */
export const EXIT: object = Object.freeze({ exited: true });

/** Programs mx_process_start may run, by entry name. */
let programs = new Map<string, ProgramLoader>();

/**
 * Sets the programs processes may run: entry name → a function that loads the entry module (typically
 * `() => import(...)`; on the device boot/setup.ts makes them from manifest.json config.kernel.programs). Returns
 * the table it replaces.
 */
export function kernel_set_programs(table: Readonly<Record<string, ProgramLoader>>): Record<string, ProgramLoader> {
  const previous: Record<string, ProgramLoader> = {};
  for (const [name, load] of programs) previous[name] = load;
  const next = new Map<string, ProgramLoader>();
  for (const name of Object.keys(table)) {
    const load = table[name];
    if (typeof load === "function") next.set(name, load);
  }
  programs = next;
  return previous;
}

/** The loader of program `entry`, or null if there is no such program. */
export function program(entry: unknown): ProgramLoader | null {
  return typeof entry === "string" ? (programs.get(entry) ?? null) : null;
}

type Reporter = (line: string) => void;

/** The console of the HAL the kernel runs on. */
const consoleReporter: Reporter = (line) => hal.log(line);
let reporter: Reporter = consoleReporter;

/** Where the kernel's one-line reports go (a fault: the process and its error); returns the previous. null: the
 * console. */
export function kernel_set_reporter(next: Reporter | null): Reporter {
  const previous = reporter;
  reporter = next ?? consoleReporter;
  return previous;
}

/** A reporter that throws loses its line: a report is made from jobs, which must not throw. */
function report(line: string): void {
  try {
    reporter(line);
  } catch {
    // the line is lost; the process is ended all the same
  }
}

/** One line for an error a process threw. It runs the process's code (a getter, a Proxy trap), so any failure is
 * caught: the process is being ended anyway. */
function describe(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`.split("\n")[0];
    return String(error).split("\n")[0];
  } catch {
    return "a value that cannot be printed";
  }
}
