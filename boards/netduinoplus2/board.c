/*
 * Netduino Plus 2 (STM32F405RG). The same image runs on the board and on QEMU's netduinoplus2 machine:
 *
 * - Clocks. On the chip, the PLL is run from the internal 16 MHz oscillator (so no crystal assumption) to 168 MHz:
 *   APB1 42 MHz (timers 84 MHz), APB2 84 MHz. QEMU does not model the RCC (its registers read as 0, and waiting
 *   for a ready flag would hang), and its timers count at a fixed 1 GHz: reading RCC_CR tells the two apart.
 * - Clock: TIM2, 32-bit, free-running, extended to 64 bits in software (stm32_tim.c explains why not by interrupt);
 *   SysTick reads it every second so no wrap goes unseen.
 * - Alarm: TIM5, one shot, with the arithmetic QEMU's timer model needs when running there (stm32_tim.c). SysTick
 *   cannot serve: under -icount sleep=off, QEMU 7.2 wakes a core sleeping in WFI only on every second SysTick
 *   expiry (measured: a 5 ms SysTick wakes WFI after 10 ms), while TIM5 wakes it on time.
 * - Console: USART1 (PA9 TX, PA10 RX; QEMU's first -serial). Data UART: USART2 (PA2 TX, PA3 RX; second -serial),
 *   its interrupt line offered to programs. Both 115200 8N1 on the chip.
 */
#include "../../hal/arch/cortex-m/cortex_m.h"
#include "../../hal/arch/cortex-m/systick.h"
#include "../../hal/drivers/stm32_tim.h"
#include "../../hal/drivers/stm32_usart.h"
#include "hal.h"

#define RCC_CR REG32(0x40023800)
#define RCC_PLLCFGR REG32(0x40023804)
#define RCC_CFGR REG32(0x40023808)
#define RCC_AHB1ENR REG32(0x40023830)
#define RCC_APB1ENR REG32(0x40023840)
#define RCC_APB2ENR REG32(0x40023844)
#define FLASH_ACR REG32(0x40023C00)
#define GPIOA_MODER REG32(0x40020000)
#define GPIOA_AFRL REG32(0x40020020)
#define GPIOA_AFRH REG32(0x40020024)

#define TIM2_BASE 0x40000000u
#define TIM5_BASE 0x40000C00u
#define USART1_BASE 0x40011000u
#define USART2_BASE 0x40004400u
#define TIM2_IRQ 28
#define TIM5_IRQ 50
#define USART1_IRQ 37
#define USART2_IRQ 38

#define QEMU_TIMER_HZ 1000000000u
#define CORE_HZ 168000000u
#define TIMER_HZ 84000000u  /* APB1 timers: 2 x 42 MHz */
#define HSI_HZ 16000000u
#define USART1_BRR 0x2D9u   /* 84 MHz / 115200 */
#define USART2_BRR 0x16Du   /* 42 MHz / 115200 */

const char board_name[] = BOARD_NAME;
const unsigned board_data_uart_vector = USART2_IRQ;
/* TIM5 is aimed early and the ISR waits for the deadline on the clock (stm32_tim.c): what remains is reading it. */
const uint32_t board_alarm_resolution_ns = 100;
/* NVIC inputs QEMU's STM32F405 connects to no device. */
const uint8_t board_spare_lines[] = { 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70 };
const unsigned board_spare_line_count = sizeof(board_spare_lines);

static uint32_t timer_hz;
static uart_rx_t data_uart;

static bool running_on_qemu(void)
{
	return RCC_CR == 0;
}

/* Runs before RAM is initialised: registers only. Returns false if the PLL did not lock (the chip stays on HSI). */
static bool clocks_to_168mhz(void)
{
	FLASH_ACR = 0x705; /* 5 wait states, prefetch, instruction and data caches */
	RCC_PLLCFGR = 16u | (336u << 6) | (0u << 16) | (7u << 24); /* HSI/16 * 336 / 2 = 168 MHz; USB 48 MHz */
	RCC_CR |= 1u << 24;                                         /* PLLON */
	for (uint32_t spin = 0; !(RCC_CR & (1u << 25)); spin++)     /* PLLRDY */
		if (spin > 1000000u)
			return false;
	RCC_CFGR = (5u << 10) | (4u << 13) | 2u; /* APB1 /4, APB2 /2, system clock from the PLL */
	for (uint32_t spin = 0; ((RCC_CFGR >> 2) & 3u) != 2u; spin++)
		if (spin > 1000000u)
			return false;
	return true;
}

void board_early_init(void)
{
	if (!running_on_qemu()) {
		clocks_to_168mhz();
		RCC_AHB1ENR |= 1u;                    /* GPIOA */
		RCC_APB1ENR |= (1u << 0) | (1u << 3) | (1u << 17); /* TIM2, TIM5, USART2 */
		RCC_APB2ENR |= 1u << 4;               /* USART1 */
		/* PA2, PA3, PA9, PA10: alternate function 7 (USART) */
		GPIOA_MODER = (GPIOA_MODER & ~((3u << 4) | (3u << 6) | (3u << 18) | (3u << 20))) | (2u << 4) | (2u << 6) | (2u << 18) | (2u << 20);
		GPIOA_AFRL = (GPIOA_AFRL & ~((15u << 8) | (15u << 12))) | (7u << 8) | (7u << 12);
		GPIOA_AFRH = (GPIOA_AFRH & ~((15u << 4) | (15u << 8))) | (7u << 4) | (7u << 8);
	}
	stm32_counter_start(TIM2_BASE);
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	if (timer_hz == 1000000000u)
		return ticks; /* QEMU: skip the 64-bit division, which would make every clock read cost ~150 instructions */
	return ticks / timer_hz * 1000000000u + ticks % timer_hz * 1000000000u / timer_hz;
}

uint64_t board_now_ns(void)
{
	return ticks_to_ns(stm32_counter_ticks());
}

/*
 * The chip's other 64 KiB: core-coupled RAM at 0x10000000, which the C heap's arena (SRAM, memory.ld) cannot span.
 * QEMU 7.2 does not model CCM, but its netduinoplus2 SRAM is 192 KiB in one block: the same 64 KiB sits right after
 * the 128 KiB the image is linked for. Either way the XS heap gets the chip's 192 KiB.
 */
extern char __extra_ram_size__[]; /* memory.ld: an absolute symbol, its address is the size */

void board_extra_ram(char** start, size_t* size)
{
	*start = running_on_qemu() ? (char*)0x20020000u : (char*)0x10000000u;
	*size = (size_t)__extra_ram_size__;
}

uint64_t board_clock_wrap_ns(void)
{
	return ticks_to_ns(1ull << 32);
}

static void read_clock(void)
{
	stm32_counter_ticks();
}

void board_init(void)
{
	bool qemu = running_on_qemu();
	bool pll = !qemu && ((RCC_CFGR >> 2) & 3u) == 2u;
	timer_hz = qemu ? QEMU_TIMER_HZ : pll ? TIMER_HZ : HSI_HZ;
	uint32_t core_hz = qemu || pll ? CORE_HZ : HSI_HZ;
	stm32_counter_init(TIM2_BASE);
	stm32_usart_init(USART1_BASE, USART1_BRR);
	stm32_usart_rx_init(&data_uart, USART2_BASE, USART2_BRR, USART2_IRQ);
	stm32_alarm_init(TIM5_BASE, timer_hz, qemu, board_now_ns);
	hal_irq_attach(TIM5_IRQ, stm32_alarm_isr);
	hal_irq_enable(TIM5_IRQ);
	systick_alarm_init(core_hz, board_now_ns);
	systick_set_housekeeping(read_clock, 1000);
}

void board_console_write(const char* bytes, size_t count)
{
	stm32_usart_write(USART1_BASE, bytes, count);
}

void board_alarm_set(uint64_t deadline_ns)
{
	stm32_alarm_set(deadline_ns);
}

size_t board_data_uart_read(uint8_t* into, size_t count)
{
	return uart_rx_read(&data_uart, into, count);
}

size_t board_data_uart_write(const uint8_t* bytes, size_t count)
{
	stm32_usart_write(USART2_BASE, (const char*)bytes, count);
	return count;
}

bool board_irq_available(unsigned vector)
{
	return vector < BOARD_IRQ_COUNT && vector != TIM2_IRQ && vector != TIM5_IRQ && vector != USART1_IRQ;
}
