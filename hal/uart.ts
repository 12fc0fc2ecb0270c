/**
 * The board's data UART for programs: bytes in and out, and the receive interrupt line to bind with
 * mx_interrupt_create. The driver buffers received bytes in its interrupt handler and records one interrupt event
 * per acknowledgement, so a program's loop is: wait for the interrupt packet, read until nothing is left, ack.
 *
 * ```ts
 * const irq = { value: 0 };
 * mx_interrupt_create(0, dataUart.vector, irq);
 * mx_interrupt_bind(irq.value, port, 1n, 0);
 * while ((await awaitable.mx_port_wait(port, MX_TIME_INFINITE, packet, 0)) === MX_OK) {
 *   for (let n; (n = dataUart.read(buffer)) > 0; ) dataUart.write(buffer, n);
 *   mx_interrupt_ack(irq.value);
 * }
 * ```
 * Device only: on Node there is no UART (use the host HAL's simulated interrupts).
 */
export interface Uart {
  /** The receive interrupt line (a board vector for mx_interrupt_create). */
  readonly vector: number;
  /** Copies up to `count` (default: the buffer's length) received bytes into `into`; returns how many. */
  read(into: Uint8Array, count?: number): number;
  /** Sends `count` (default: all) bytes; returns how many were sent. */
  write(bytes: Uint8Array, count?: number): number;
}

export const dataUart: Uart = {
  vector: native.uartVector,
  read: native.uartRead,
  write: native.uartWrite,
};
