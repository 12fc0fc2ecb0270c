/*
 * CMSDK APB UART driver. Transmit is polled: console output must work from fault handlers and before the kernel
 * runs, and QEMU's model drains the TX register instantly. Receive goes through uart_rx.
 */
#include "cmsdk_uart.h"

#include "../arch/cortex-m/cortex_m.h"

#define UART_DATA(base) REG32((base) + 0x00)
#define UART_STATE(base) REG32((base) + 0x04)
#define UART_CTRL(base) REG32((base) + 0x08)
#define UART_INTCLEAR(base) REG32((base) + 0x0C)
#define UART_BAUDDIV(base) REG32((base) + 0x10)
#define STATE_TX_FULL 1u
#define STATE_RX_FULL 2u
#define CTRL_TX_ENABLE 1u
#define CTRL_RX_ENABLE 2u
#define CTRL_RX_IRQ 8u
#define INT_RX 2u

void cmsdk_uart_init(uintptr_t base)
{
	UART_BAUDDIV(base) = 16; /* the smallest legal divider; the FPGA image runs the UART from the 25 MHz clock */
	UART_CTRL(base) = CTRL_TX_ENABLE | CTRL_RX_ENABLE;
}

void cmsdk_uart_write(uintptr_t base, const char* bytes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		while (UART_STATE(base) & STATE_TX_FULL)
			;
		UART_DATA(base) = (uint8_t)bytes[i];
	}
}

static bool byte_ready(uintptr_t base)
{
	return UART_STATE(base) & STATE_RX_FULL;
}

static uint8_t read_byte(uintptr_t base)
{
	return (uint8_t)UART_DATA(base);
}

static void set_irq(uintptr_t base, bool enabled)
{
	if (enabled)
		UART_CTRL(base) |= CTRL_RX_IRQ;
	else
		UART_CTRL(base) &= ~CTRL_RX_IRQ;
}

static void clear_irq(uintptr_t base)
{
	UART_INTCLEAR(base) = INT_RX;
}

static const uart_rx_ops_t ops = { byte_ready, read_byte, set_irq, clear_irq };

void cmsdk_uart_rx_init(uart_rx_t* uart, uintptr_t base, unsigned rx_vector)
{
	cmsdk_uart_init(base);
	uart_rx_init(uart, base, &ops, rx_vector);
}
