/*
 * Interrupt-driven UART receive (see uart_rx.h).
 *
 * The ISR moves bytes from the device into a ring and, if the kernel has acknowledged the previous event, records
 * one interrupt event; the program then reads the ring. When the ring is full the ISR stops taking bytes and turns
 * the receive interrupt off, leaving the byte in the device: the sender is held back (QEMU holds the rest of its
 * input; real hardware needs flow control wired for that) instead of bytes being dropped. A read that makes room
 * turns it back on and takes the waiting byte.
 */
#include "uart_rx.h"

#include "../arch/cortex-m/cortex_m.h"

/* The ISR and the line callbacks get only a vector: this finds the UART behind it. */
static uart_rx_t* by_vector[BOARD_IRQ_COUNT];

/*
 * Receive interrupts are on while a program owns the line and the ring has room. They are switched at the NVIC as
 * well as at the device because a device may keep its interrupt output raised after its enable bit is cleared (QEMU
 * 7.2's STM32 USART lowers it only when DR is read), and Cortex-M re-pends a level line whenever its handler returns:
 * a throttled handler, which leaves the byte in the device, would then run again at once, for ever, and the read
 * that lifts the throttle would never run.
 */
static void update_irq(uart_rx_t* uart)
{
	bool on = uart->enabled && !uart->throttled;
	uart->ops->set_irq(uart->base, on);
	if (on)
		hal_irq_enable(uart->vector);
	else
		hal_irq_disable(uart->vector);
}

/* Moves waiting bytes into the ring; with interrupts masked or from the ISR. */
static void drain_device(uart_rx_t* uart)
{
	while (uart->ops->byte_ready(uart->base)) {
		if (uart->rx_head - uart->rx_tail >= UART_RX_RING) {
			uart->throttled = true;
			update_irq(uart);
			return;
		}
		uart->rx[uart->rx_head % UART_RX_RING] = uart->ops->read_byte(uart->base);
		cm_dmb();
		uart->rx_head++;
	}
}

static void report(uart_rx_t* uart, unsigned vector)
{
	if (uart->armed && uart->rx_head != uart->rx_tail) {
		uart->armed = false;
		hal_irq_record(vector);
	}
}

static void rx_isr(unsigned vector)
{
	uart_rx_t* uart = by_vector[vector];
	if (uart->ops->clear_irq)
		uart->ops->clear_irq(uart->base);
	drain_device(uart);
	report(uart, vector);
}

static void rx_enable(unsigned vector, bool enabled)
{
	uart_rx_t* uart = by_vector[vector];
	uint32_t state = hal_irq_lock();
	uart->enabled = enabled;
	uart->armed = enabled;
	drain_device(uart);
	update_irq(uart);
	report(uart, vector);
	hal_irq_unlock(state);
}

static void rx_ack(unsigned vector)
{
	uart_rx_t* uart = by_vector[vector];
	uint32_t state = hal_irq_lock();
	uart->armed = true;
	/* A byte can wait in the device without having raised an interrupt: QEMU's CMSDK UART raises one only for a
	 * byte that arrives while receive interrupts are on, and a read that lifts the throttle turns them on after
	 * taking the device's byte, so one arriving in between would sit there unreported. */
	drain_device(uart);
	report(uart, vector); /* bytes that arrived since the last event, and were not read, report again */
	hal_irq_unlock(state);
}

void uart_rx_init(uart_rx_t* uart, uintptr_t base, const uart_rx_ops_t* ops, unsigned vector)
{
	uart->base = base;
	uart->ops = ops;
	uart->vector = vector;
	uart->driver = (hal_irq_driver_t){ rx_isr, rx_enable, rx_ack };
	by_vector[vector] = uart;
	hal_irq_offer(vector, &uart->driver);
}

size_t uart_rx_read(uart_rx_t* uart, uint8_t* into, size_t count)
{
	size_t n = 0;
	for (;;) {
		while (n < count && uart->rx_tail != uart->rx_head) {
			cm_dmb();
			into[n++] = uart->rx[uart->rx_tail % UART_RX_RING];
			uart->rx_tail++;
		}
		/* Take what waits in the device too (it is all there is when no program owns the line), and lift a
		 * throttle now that there is room. */
		uint32_t state = hal_irq_lock();
		uart->throttled = false;
		uint32_t before = uart->rx_head;
		drain_device(uart);
		update_irq(uart);
		hal_irq_unlock(state);
		if (n == count || uart->rx_head == before)
			return n;
	}
}
