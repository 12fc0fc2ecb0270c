/*
 * Arm CMSDK APB UART: polled transmit (console, data) and interrupt-driven receive (through uart_rx).
 */
#ifndef CMSDK_UART_H
#define CMSDK_UART_H

#include <stddef.h>
#include <stdint.h>

#include "uart_rx.h"

void cmsdk_uart_init(uintptr_t base);
void cmsdk_uart_write(uintptr_t base, const char* bytes, size_t count);
/* Initialises the UART at `base` and offers its receive line `rx_vector` to programs. */
void cmsdk_uart_rx_init(uart_rx_t* uart, uintptr_t base, unsigned rx_vector);

#endif
