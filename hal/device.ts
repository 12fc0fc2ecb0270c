/**
 * The kernel's HAL on a Cortex-M board. hal/runtime/native.c installs a `native` object whose methods are exactly
 * the `Hal` interface (its host functions ignore `this`), so the adapter is the object itself: no wrapper call on
 * the kernel's hot paths. The device build maps the `#hal` import to this module (manifest.json "modules").
 */
import type { Hal } from "./hal.ts";

export const hal: Hal = native;
