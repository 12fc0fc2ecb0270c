/*
 * Arm CMSDK APB UART: polled transmit (the console, and data), and interrupt-driven receive into a byte ring.
 */
#ifndef CMSDK_UART_H
#define CMSDK_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"

#define CMSDK_UART_RX_RING 256

typedef struct {
	uintptr_t base;
	uint8_t rx[CMSDK_UART_RX_RING];
	volatile uint32_t rx_head; /* written by the ISR */
	volatile uint32_t rx_tail; /* written by readers */
	volatile bool enabled;     /* a program owns the line: receive interrupts on (unless throttled) */
	volatile bool armed;       /* the next received byte may record an event for the kernel */
	volatile bool throttled;   /* ring full: receive interrupts off until a read makes room */
	hal_irq_driver_t driver;
} cmsdk_uart_t;

void cmsdk_uart_init(uintptr_t base);
void cmsdk_uart_write(uintptr_t base, const char* bytes, size_t count);

/* Sets up `uart` for interrupt-driven receive on `rx_vector`, offered to programs as a driver-owned line. */
void cmsdk_uart_rx_init(cmsdk_uart_t* uart, uintptr_t base, unsigned rx_vector);
size_t cmsdk_uart_read(cmsdk_uart_t* uart, uint8_t* into, size_t count);

#endif
