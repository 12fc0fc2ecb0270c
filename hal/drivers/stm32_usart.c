/*
 * STM32F4 USART driver (USART1/2/6 register layout). Transmit is polled, receive goes through uart_rx: reading DR
 * clears RXNE and with it the interrupt, so there is nothing else to acknowledge. Clearing RXNEIE does not lower
 * QEMU 7.2's interrupt output while a byte waits (the chip's does), which is why uart_rx masks the NVIC line too.
 */
#include "stm32_usart.h"

#include "../arch/cortex-m/cortex_m.h"

#define USART_SR(base) REG32((base) + 0x00)
#define USART_DR(base) REG32((base) + 0x04)
#define USART_BRR(base) REG32((base) + 0x08)
#define USART_CR1(base) REG32((base) + 0x0C)
#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5)
#define CR1_UE (1u << 13)

void stm32_usart_init(uintptr_t base, uint32_t brr)
{
	USART_BRR(base) = brr;
	USART_CR1(base) = CR1_UE | CR1_TE | CR1_RE;
}

void stm32_usart_write(uintptr_t base, const char* bytes, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		while (!(USART_SR(base) & SR_TXE))
			;
		USART_DR(base) = (uint8_t)bytes[i];
	}
}

static bool byte_ready(uintptr_t base)
{
	return USART_SR(base) & SR_RXNE;
}

static uint8_t read_byte(uintptr_t base)
{
	return (uint8_t)USART_DR(base);
}

static void set_irq(uintptr_t base, bool enabled)
{
	if (enabled)
		USART_CR1(base) |= CR1_RXNEIE;
	else
		USART_CR1(base) &= ~CR1_RXNEIE;
}

static const uart_rx_ops_t ops = { byte_ready, read_byte, set_irq, NULL };

void stm32_usart_rx_init(uart_rx_t* uart, uintptr_t base, uint32_t brr, unsigned vector)
{
	stm32_usart_init(base, brr);
	uart_rx_init(uart, base, &ops, vector);
}
