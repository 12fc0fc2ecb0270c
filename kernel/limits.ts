/**
 * Resource limits. Magenta had no queue-depth limits; a microcontroller with 192 KiB of RAM needs them, so each
 * place where Magenta allocates (a handle, a port packet, a channel message) fails with the error Magenta gave for a
 * failed allocation, MX_ERR_NO_MEMORY, once the configured limit is reached. The firmware sets the limits at boot
 * from its manifest; tests lower them to reach the limits quickly.
 */
import { setLimits } from "#dataplane";
import { MX_ERR_INVALID_ARGS, MX_OK } from "./constants.ts";

export interface KernelLimits {
  /** Handles that may exist at once, including handles travelling inside channel messages (1..65536). */
  maxHandles: number;
  /** User packets (mx_port_queue) queued on one port at once. */
  maxPacketsPerPort: number;
  /** Messages queued on one channel endpoint at once. */
  maxMessagesPerChannel: number;
  /** Bytes of channel messages one process (not process 0, the firmware's program) has written that are queued, not
   * yet read, at once: what a process can make the shared heap hold for it. */
  maxQueuedBytesPerProcess: number;
}

export const KERNEL_DEFAULT_LIMITS: Readonly<KernelLimits> = Object.freeze({
  maxHandles: 1024,
  maxPacketsPerPort: 4096,
  maxMessagesPerChannel: 1024,
  maxQueuedBytesPerProcess: 131072,
});

/** Handle values keep 16 bits of slot index, so this is the most handles the table can ever hold. */
export const MAX_HANDLES_CEILING = 65536;

/** The limits in force; read on every allocation. */
export const limits: KernelLimits = { ...KERNEL_DEFAULT_LIMITS };

function validCount(v: unknown, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max;
}

/**
 * Sets some or all limits. Returns MX_ERR_INVALID_ARGS and changes nothing if any given value is not an
 * integer in range. Lowering a limit below current use is allowed: nothing is freed, further allocations fail.
 */
export function kernel_configure(l: Partial<KernelLimits>): number {
  if (typeof l !== "object" || l === null) return MX_ERR_INVALID_ARGS;
  const h = l.maxHandles ?? limits.maxHandles;
  const p = l.maxPacketsPerPort ?? limits.maxPacketsPerPort;
  const m = l.maxMessagesPerChannel ?? limits.maxMessagesPerChannel;
  const b = l.maxQueuedBytesPerProcess ?? limits.maxQueuedBytesPerProcess;
  if (!validCount(h, MAX_HANDLES_CEILING) || !validCount(p, 0x7fff_ffff) || !validCount(m, 0x7fff_ffff) || !validCount(b, 0x7fff_ffff)) {
    return MX_ERR_INVALID_ARGS;
  }
  limits.maxHandles = h;
  limits.maxPacketsPerPort = p;
  limits.maxMessagesPerChannel = m;
  limits.maxQueuedBytesPerProcess = b;
  setLimits(p, m, b);
  return MX_OK;
}

/** A copy of the limits in force. */
export function kernel_limits(): KernelLimits {
  return { ...limits };
}
