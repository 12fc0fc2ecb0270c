/**
 * Runs on the device before the main module (the runtime imports every "setup/*" module first, as Moddable does):
 * applies manifest.json "config.kernel" (handle, packet and message limits) to the kernel, so a board's memory
 * budget is set in its manifest rather than in code. It lives on the kernel's side of the HAL (the HAL imports
 * nothing of the kernel), in a folder of its own: it is the one kernel module that reads the build's config
 * (Moddable's mc/config), and nothing in the kernel imports it, so Node never loads it.
 */
import config from "mc/config";

import { kernel_configure, MX_OK } from "../index.ts";

const limits = config.kernel ?? {};
if (kernel_configure(limits) !== MX_OK) throw new RangeError(`manifest.json config.kernel: invalid limits ${JSON.stringify(limits)}`);
