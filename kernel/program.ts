/**
 * What a program (the code a process runs) may import from the kernel: the constants, the packet classes and the
 * types, values that carry no authority. A process's syscalls are its main's first argument (vdso.ts); on the device
 * every process's Compartment shares this module's one instance (boot/setup.ts) and nothing else of the kernel.
 */
export * from "./constants.ts";
export type * from "./types.ts";
export { mx_port_packet_t, mx_packet_signal_t, mx_packet_interrupt_t, type mx_packet_user_t } from "./packet.ts";
export type { Vdso } from "./vdso.ts";
