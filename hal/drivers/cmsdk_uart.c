/*
 * CMSDK APB UART driver.
 *
 * Transmit is polled: console output must work from fault handlers and before the kernel runs, and QEMU's model
 * drains the TX register instantly.
 *
 * Receive is interrupt-driven. The ISR moves bytes from the one-byte receive register into a ring and, if the
 * kernel has acknowledged the previous event, records one interrupt event; the program then reads the ring. When
 * the ring is full the ISR stops taking bytes and turns the receive interrupt off, leaving the byte in the
 * register: the sender is held back (QEMU holds the rest of its input) instead of bytes being dropped. A read that
 * makes room turns it back on and takes the waiting byte.
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

/* The ISR and the line callbacks get only a vector: this finds the UART behind it. */
static cmsdk_uart_t* by_vector[BOARD_IRQ_COUNT];

/* Receive interrupts are on while a program owns the line and the ring has room. */
static void update_irq(cmsdk_uart_t* uart)
{
	if (uart->enabled && !uart->throttled)
		UART_CTRL(uart->base) |= CTRL_RX_IRQ;
	else
		UART_CTRL(uart->base) &= ~CTRL_RX_IRQ;
}

/* Moves waiting bytes into the ring; with interrupts masked or from the ISR. */
static void drain_register(cmsdk_uart_t* uart)
{
	while (UART_STATE(uart->base) & STATE_RX_FULL) {
		if (uart->rx_head - uart->rx_tail >= CMSDK_UART_RX_RING) {
			uart->throttled = true;
			update_irq(uart);
			return;
		}
		uart->rx[uart->rx_head % CMSDK_UART_RX_RING] = (uint8_t)UART_DATA(uart->base);
		cm_dmb();
		uart->rx_head++;
	}
}

static void report(cmsdk_uart_t* uart, unsigned vector)
{
	if (uart->armed && uart->rx_head != uart->rx_tail) {
		uart->armed = false;
		hal_irq_record(vector);
	}
}

static void rx_isr(unsigned vector)
{
	cmsdk_uart_t* uart = by_vector[vector];
	UART_INTCLEAR(uart->base) = INT_RX;
	drain_register(uart);
	report(uart, vector);
}

static void rx_enable(unsigned vector, bool enabled)
{
	cmsdk_uart_t* uart = by_vector[vector];
	uint32_t state = hal_irq_lock();
	uart->enabled = enabled;
	uart->armed = enabled;
	drain_register(uart);
	update_irq(uart);
	report(uart, vector);
	hal_irq_unlock(state);
}

static void rx_ack(unsigned vector)
{
	cmsdk_uart_t* uart = by_vector[vector];
	uint32_t state = hal_irq_lock();
	uart->armed = true;
	report(uart, vector); /* bytes that arrived since the last event, and were not read, report again */
	hal_irq_unlock(state);
}

void cmsdk_uart_rx_init(cmsdk_uart_t* uart, uintptr_t base, unsigned rx_vector)
{
	uart->base = base;
	uart->driver = (hal_irq_driver_t){ rx_isr, rx_enable, rx_ack };
	by_vector[rx_vector] = uart;
	cmsdk_uart_init(base);
	hal_irq_offer(rx_vector, &uart->driver);
}

size_t cmsdk_uart_read(cmsdk_uart_t* uart, uint8_t* into, size_t count)
{
	size_t n = 0;
	for (;;) {
		while (n < count && uart->rx_tail != uart->rx_head) {
			cm_dmb();
			into[n++] = uart->rx[uart->rx_tail % CMSDK_UART_RX_RING];
			uart->rx_tail++;
		}
		/* Take what waits in the register too (it is all there is when no program owns the line), and lift a
		 * throttle now that there is room. */
		uint32_t state = hal_irq_lock();
		uart->throttled = false;
		uint32_t before = uart->rx_head;
		drain_register(uart);
		update_irq(uart);
		hal_irq_unlock(state);
		if (n == count || uart->rx_head == before)
			return n;
	}
}
