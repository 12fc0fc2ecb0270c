/*
 * MPS2 board support (AN385 and AN386 images): CMSDK timer1 is the monotonic clock, timer0 the alarm, UART0 the
 * console, UART1 the data UART programs use (QEMU's second -serial). The lines the runtime keeps for itself are
 * not offered to programs; UART1's receive line is offered with its driver.
 */
#include "../../hal/drivers/cmsdk_timer.h"
#include "../../hal/drivers/cmsdk_uart.h"
#include "hal.h"

#define UART0_BASE 0x40004000u
#define UART1_BASE 0x40005000u
#define TIMER0_BASE 0x40000000u
#define TIMER1_BASE 0x40001000u
#define TIMER0_IRQ 8
#define TIMER1_IRQ 9
#define UART0_RX_IRQ 0
#define UART0_TX_IRQ 1
#define UART1_RX_IRQ 2
#define UART1_TX_IRQ 3
#define UART_OVERFLOW_IRQ 12
#define NS_PER_TICK 40 /* 25 MHz */

const char board_name[] = BOARD_NAME;
const unsigned board_data_uart_vector = UART1_RX_IRQ;
const uint32_t board_alarm_resolution_ns = NS_PER_TICK;
const uint8_t board_spare_lines[] = { 6, 7, 13, 14, 15, 16, 17, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };
const unsigned board_spare_line_count = sizeof(board_spare_lines);

static uart_rx_t data_uart;

void board_early_init(void)
{
	cmsdk_clock_start(TIMER1_BASE);
}

void board_init(void)
{
	cmsdk_uart_init(UART0_BASE);
	cmsdk_uart_rx_init(&data_uart, UART1_BASE, UART1_RX_IRQ);
	cmsdk_clock_init(TIMER1_BASE);
	cmsdk_alarm_init(TIMER0_BASE);
	hal_irq_attach(TIMER1_IRQ, cmsdk_clock_isr);
	hal_irq_attach(TIMER0_IRQ, cmsdk_alarm_isr);
	hal_irq_enable(TIMER1_IRQ);
	hal_irq_enable(TIMER0_IRQ);
}

void board_console_write(const char* bytes, size_t count)
{
	cmsdk_uart_write(UART0_BASE, bytes, count);
}

size_t board_data_uart_read(uint8_t* into, size_t count)
{
	return uart_rx_read(&data_uart, into, count);
}

size_t board_data_uart_write(const uint8_t* bytes, size_t count)
{
	cmsdk_uart_write(UART1_BASE, (const char*)bytes, count);
	return count;
}

uint64_t board_now_ns(void)
{
	return cmsdk_clock_ticks() * NS_PER_TICK;
}

void board_extra_ram(char** start, size_t* size)
{
	*start = NULL;
	*size = 0;
}

uint64_t board_clock_wrap_ns(void)
{
	return (1ull << 32) * NS_PER_TICK;
}

void board_alarm_set(uint64_t deadline_ns)
{
	cmsdk_alarm_set(deadline_ns == HAL_TIME_INFINITE ? UINT64_MAX : (deadline_ns + NS_PER_TICK - 1) / NS_PER_TICK);
}

bool board_irq_available(unsigned vector)
{
	switch (vector) {
	case UART0_RX_IRQ:
	case UART0_TX_IRQ:
	case UART1_TX_IRQ:
	case TIMER0_IRQ:
	case TIMER1_IRQ:
	case UART_OVERFLOW_IRQ:
		return false;
	default:
		return vector < BOARD_IRQ_COUNT;
	}
}
