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
  setLimits,
  queuedBytes,
  queueBytes,
  portCount,
  portPop,
  portCheck,
  channelCreate,
  channelDestroy,
  channelCount,
  channelPeek,
  channelPop,
  channelHandles,
  channelCheck,
  interruptBind,
  interruptUnbind,
  interruptSink,
  setForeignHal,
  setNextDeadline,
  mx_port_queue,
  mx_port_wait,
  mx_channel_write,
  mx_channel_read,
  processEntriesRevoke,
  takeProcess,
} = dp;

// These find the entries on the data plane object (`this`), so they are called as its methods.
export const bindSlowPath: DataPlane["bindSlowPath"] = (name, slowPath) => dp.bindSlowPath(name, slowPath);
export const bindPacketSample: DataPlane["bindPacketSample"] = (sample) => dp.bindPacketSample(sample);
export const bindProcessSlowPath: DataPlane["bindProcessSlowPath"] = (name, slowPath) => dp.bindProcessSlowPath(name, slowPath);
export const processEntries: DataPlane["processEntries"] = (proc) => dp.processEntries(proc);
