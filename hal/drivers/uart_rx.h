/*
 * Interrupt-driven UART receive, shared by every UART driver: a byte ring filled by the ISR, one interrupt event
 * per kernel acknowledgement, and flow control instead of loss. A driver supplies only its register access
 * (uart_rx_ops_t); the line is offered to programs with hal_irq_offer so mx_interrupt_create can bind it.
 */
#ifndef UART_RX_H
#define UART_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

#define UART_RX_RING 256

typedef struct {
	bool (*byte_ready)(uintptr_t base);
	uint8_t (*read_byte)(uintptr_t base);
	void (*set_irq)(uintptr_t base, bool enabled);
	/* Acknowledges the device's receive interrupt at ISR entry (NULL when reading the byte does it). */
	void (*clear_irq)(uintptr_t base);
} uart_rx_ops_t;

typedef struct {
	uintptr_t base;
	const uart_rx_ops_t* ops;
	unsigned vector;
	uint8_t rx[UART_RX_RING];
	volatile uint32_t rx_head; /* written by the ISR */
	volatile uint32_t rx_tail; /* written by readers */
	volatile bool enabled;     /* a program owns the line: receive interrupts on (unless throttled) */
	volatile bool armed;       /* the next received byte may record an event for the kernel */
	volatile bool throttled;   /* ring full: receive interrupts off (device and NVIC) until a read makes room */
	hal_irq_driver_t driver;
} uart_rx_t;

/* Sets up `uart` (already configured for receive by its driver) and offers `vector` to programs. */
void uart_rx_init(uart_rx_t* uart, uintptr_t base, const uart_rx_ops_t* ops, unsigned vector);
/* Copies up to `count` received bytes; also takes what waits in the device when no program owns the line. */
size_t uart_rx_read(uart_rx_t* uart, uint8_t* into, size_t count);

#endif
