/*
 * Arm CMSDK APB UART: polled transmit for the console, and receive interrupts.
 */
#ifndef CMSDK_UART_H
#define CMSDK_UART_H

#include <stddef.h>
#include <stdint.h>

void cmsdk_uart_init(uintptr_t base);
void cmsdk_uart_write(uintptr_t base, const char* bytes, size_t count);

#endif
