/*
 * The few ARMv7-M system registers the runtime touches (SCB, NVIC, SysTick-free), without CMSIS: the whole port
 * needs a dozen registers, and pulling a vendor header set for that would tie the arch layer to one vendor.
 */
#ifndef CORTEX_M_H
#define CORTEX_M_H

#include <stdint.h>

#define REG32(address) (*(volatile uint32_t*)(address))

#define SCB_ICSR REG32(0xE000ED04)
#define SCB_VTOR REG32(0xE000ED08)
#define SCB_SHCSR REG32(0xE000ED24)
#define SCB_CFSR REG32(0xE000ED28)
#define SCB_HFSR REG32(0xE000ED2C)
#define SCB_MMFAR REG32(0xE000ED34)
#define SCB_BFAR REG32(0xE000ED38)
#define SCB_CPACR REG32(0xE000ED88)

#define NVIC_ISER(n) REG32(0xE000E100 + 4 * (n))
#define NVIC_ICER(n) REG32(0xE000E180 + 4 * (n))
#define NVIC_ISPR(n) REG32(0xE000E200 + 4 * (n))
#define NVIC_ICPR(n) REG32(0xE000E280 + 4 * (n))
#define NVIC_IPR8(n) (*(volatile uint8_t*)(0xE000E400 + (n)))

static inline void cm_dmb(void) { __asm volatile("dmb" ::: "memory"); }
static inline void cm_dsb(void) { __asm volatile("dsb" ::: "memory"); }
static inline void cm_isb(void) { __asm volatile("isb" ::: "memory"); }

static inline uint32_t cm_ipsr(void)
{
	uint32_t value;
	__asm volatile("mrs %0, ipsr" : "=r"(value));
	return value;
}

#endif
