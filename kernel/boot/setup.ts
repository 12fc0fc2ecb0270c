/**
 * Runs on the device before the main module (the runtime imports every "setup/*" module first, as Moddable does):
 * applies manifest.json "config.kernel" to the kernel, so a board's memory budget and the programs processes may
 * run are set in the manifest rather than in code:
 * - `maxHandles`, `maxPacketsPerPort`, `maxMessagesPerChannel`: the kernel's limits;
 * - `programs`: `{ "<entry name>": "<module specifier>" }` or `{ "<entry name>": { "entry": "<specifier>",
 *   "modules": ["<specifier>", ...] } }`: the programs mx_process_start may run.
 *
 * Each process runs its program in a Compartment of its own (XS; the intrinsics it shares are locked down in the
 * base heap): the entry module and the modules of its folder (the specifier's prefix up to the last "/") are new
 * instances, its own; "kernel/program" (constants, packet classes, types) and the modules the manifest lists for it
 * are the one instance the kernel has; any other module is refused. Its global object inherits the intrinsics and
 * `console` (log only), `TextEncoder` and `TextDecoder`, all hardened: nothing of the kernel, the HAL or `native`. A
 * rejection its code leaves unhandled ends it (hal/runtime/rejections.c finds whose code it was by its Compartment).
 *
 * It lives on the kernel's side of the HAL (the HAL imports nothing of the kernel), in a folder of its own: it is
 * the one kernel module that reads the build's config (Moddable's mc/config), and nothing in the kernel imports it,
 * so Node never loads it.
 */
import config from "mc/config";

import { faultProcess, setProcessEndHook } from "../process.ts";
import { hal } from "../platform.ts";
import { kernel_configure, kernel_set_programs, MX_OK } from "../index.ts";

declare const Compartment: new (options: object) => { importNow(specifier: string): unknown };

type ProgramConfig = string | { entry?: unknown; modules?: unknown };

const { programs = {}, ...limits } = (config.kernel ?? {}) as { programs?: unknown; [limit: string]: unknown };
if (kernel_configure(limits) !== MX_OK) throw new RangeError(`manifest.json config.kernel: invalid limits ${JSON.stringify(limits)}`);
if (typeof programs !== "object" || programs === null) throw new RangeError("manifest.json config.kernel.programs: not an object");

// What every process's global object holds besides the intrinsics. It is put where every Compartment's global
// inherits from (with the intrinsics, hardened with them once the preloads have run: hal/runtime/base.c), rather than
// given to each Compartment as `globals`, which copied it into every process's global (~3,000 instructions a spawn).
Object.assign(native.processGlobal(), {
  console: { log: (...values: unknown[]) => hal.log(values.map(String).join(" ")) },
  TextEncoder: (globalThis as Record<string, unknown>).TextEncoder,
  TextDecoder: (globalThis as Record<string, unknown>).TextDecoder,
});

// Read once: `native` is found by name in the global object, and its functions by name in it (~600 instructions).
const { processCompartment } = native;

/** The loader of program `name`: a new Compartment per process, which imports the entry module. What describes the
 * Compartment (its module descriptors and hooks) is made once per program: a spawn makes only the Compartment. */
function loader(name: string, program: ProgramConfig): (proc: number) => unknown {
  const entry = typeof program === "string" ? program : program.entry;
  const modules = typeof program === "string" ? [] : (program.modules ?? []);
  if (typeof entry !== "string" || !Array.isArray(modules) || modules.some((m) => typeof m !== "string")) {
    throw new RangeError(`manifest.json config.kernel.programs.${name}: a module specifier, or { entry, modules: [specifiers] }`);
  }
  const folder = entry.slice(0, entry.lastIndexOf("/") + 1);
  const shared = ["kernel/program", ...(modules as string[])];
  const descriptor = (specifier: string): object => {
    if (shared.includes(specifier)) return { __proto__: null, namespace: specifier };
    if (folder !== "" && specifier.startsWith(folder)) return { __proto__: null, source: specifier };
    throw new ReferenceError(`program "${name}" may not import "${specifier}"`);
  };
  // The entry module's source is made here, in the base heap: a spawn instantiates it without loading its bytecode.
  // Options and descriptors have no prototype: XS looks up the keys they lack, and Object.prototype's are many.
  const sources = { [entry]: { __proto__: null, source: native.moduleSource(entry) } };
  const options = { __proto__: null, modules: sources, loadNowHook: descriptor, loadHook: async (specifier: string) => descriptor(specifier) };
  return (proc: number) => {
    const compartment = new Compartment(options);
    processCompartment(proc, compartment);
    return compartment.importNow(entry);
  };
}

// A rejection a process's code leaves unhandled ends that process (the runtime tells whose it is by Compartment);
// an ended process's Compartment is let go (its late code's rejections are no one's).
native.setRejectionHandler(faultProcess);
setProcessEndHook((proc) => processCompartment(proc, null));

const table: Record<string, (proc: number) => unknown> = {};
for (const [name, program] of Object.entries(programs as Record<string, ProgramConfig>)) table[name] = loader(name, program);
kernel_set_programs(table);
