/**
 * The data plane on the device: the host functions dataplane.c installs as the global `dataplane` while the base
 * heap is generated, bound here once so that each fast path is one call (a property lookup on the object would cost
 * ~640 instructions a call on XS). The device build maps the `#dataplane` import to this module
 * (kernel/manifest.json "modules"), and the global is removed, so that only the kernel holds it.
 */
import type { DataPlane } from "./dataplane.ts";

declare global {
  // eslint-disable-next-line no-var
  var dataplane: DataPlane | undefined;
}

const dp = globalThis.dataplane as DataPlane;
delete globalThis.dataplane;

export const {
  handleAlloc,
  handleGet,
  handleMeta,
  handleSetState,
  handleRevalue,
  handleRelease,
  handleSlots,
  handleCount,
  handleCheck,
  portCreate,
  portDestroy,
  portSetLimit,
  portSetSlow,
  portCount,
  portPop,
  portCheck,
  setKernelWork,
  mx_port_queue,
  mx_port_wait,
} = dp;

export const bindSlowPaths: DataPlane["bindSlowPaths"] = (queueSlow, waitSlow, packetSample) =>
  dp.bindSlowPaths(queueSlow, waitSlow, packetSample);
