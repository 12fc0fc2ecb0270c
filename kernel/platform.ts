/**
 * The HAL the kernel is running on, held in one swappable place.
 *
 * Normally this is the `#hal` of the build (hal/host.ts on Node, hal/device.ts on a board). Tests on Node swap in a
 * deterministic virtual HAL with `kernel_set_hal` (clock.ts), so every kernel module reads the HAL through this live
 * binding instead of importing `#hal` itself.
 */
import type { Hal } from "../hal/hal.ts";
import { hal as buildHal } from "#hal";

export let hal: Hal = buildHal;

/** True while the kernel runs on the build's own HAL. */
export function onBuildHal(): boolean {
  return hal === buildHal;
}

/** Replaces the HAL; only clock.ts calls this, because the service routine must follow the HAL. */
export function setPlatformHal(h: Hal): Hal {
  const previous = hal;
  hal = h;
  return previous;
}
