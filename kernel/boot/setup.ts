/**
 * Runs on the device before the main module (the runtime imports every "setup/*" module first, as Moddable does):
 * applies manifest.json "config.kernel" to the kernel, so a board's memory budget and the programs processes may
 * run are set in the manifest rather than in code:
 * - `maxHandles`, `maxPacketsPerPort`, `maxMessagesPerChannel`: the kernel's limits;
 * - `programs`: `{ "<entry name>": "<module specifier>" }`, the programs mx_process_start may run; each is the
 *   module's default export, imported when a process starts it.
 * It lives on the kernel's side of the HAL (the HAL imports nothing of the kernel), in a folder of its own: it is
 * the one kernel module that reads the build's config (Moddable's mc/config), and nothing in the kernel imports it,
 * so Node never loads it.
 */
import config from "mc/config";

import { kernel_configure, kernel_set_programs, MX_OK } from "../index.ts";

const { programs = {}, ...limits } = (config.kernel ?? {}) as { programs?: unknown; [limit: string]: unknown };
if (kernel_configure(limits) !== MX_OK) throw new RangeError(`manifest.json config.kernel: invalid limits ${JSON.stringify(limits)}`);
if (typeof programs !== "object" || programs === null || Object.values(programs).some((s) => typeof s !== "string")) {
  throw new RangeError("manifest.json config.kernel.programs: an object of entry name → module specifier");
}
const table: Record<string, () => Promise<unknown>> = {};
for (const [name, specifier] of Object.entries(programs as Record<string, string>)) table[name] = () => import(specifier);
kernel_set_programs(table);
