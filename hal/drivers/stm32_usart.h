/*
 * STM32 USART: polled transmit (console, data) and interrupt-driven receive (through uart_rx).
 */
#ifndef STM32_USART_H
#define STM32_USART_H

#include <stddef.h>
#include <stdint.h>

#include "uart_rx.h"

/* `brr`: the baud rate register value for the USART's bus clock. */
void stm32_usart_init(uintptr_t base, uint32_t brr);
void stm32_usart_write(uintptr_t base, const char* bytes, size_t count);
/* Initialises the USART at `base` and offers its interrupt line `vector` to programs. */
void stm32_usart_rx_init(uart_rx_t* uart, uintptr_t base, uint32_t brr, unsigned vector);

#endif
