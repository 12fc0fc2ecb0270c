/*
 * Reset and exception entry for ARMv7-M (Cortex-M3/M4): the vector table, the reset handler that builds the C
 * environment, fault reporting, and the interrupt dispatch that lets drivers and the kernel share one table.
 *
 * Every external interrupt enters irq_dispatch(), which reads the active vector from IPSR. That costs a few
 * instructions over a per-vector table but lets the runtime attach handlers at run time (a driver, or "record into
 * the kernel ring" for lines a program binds with mx_interrupt_create) without regenerating the vector table.
 */
#include <stddef.h>
#include <string.h>

#include "cortex_m.h"
#include "hal.h"
#include "systick.h"

#ifndef BOARD_IRQ_COUNT
#error "BOARD_IRQ_COUNT must be defined by the board (number of external interrupt lines)"
#endif

extern uint32_t __data_load__, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top__;
extern int main(void);

static hal_irq_handler_t irq_handlers[BOARD_IRQ_COUNT];
static const hal_irq_driver_t* irq_drivers[BOARD_IRQ_COUNT];

void hal_irq_attach(unsigned vector, hal_irq_handler_t handler)
{
	if (vector < BOARD_IRQ_COUNT)
		irq_handlers[vector] = handler;
}

void hal_irq_offer(unsigned vector, const hal_irq_driver_t* driver)
{
	if (vector < BOARD_IRQ_COUNT) {
		irq_drivers[vector] = driver;
		irq_handlers[vector] = driver->handler;
	}
}

const hal_irq_driver_t* hal_irq_driver(unsigned vector)
{
	return vector < BOARD_IRQ_COUNT ? irq_drivers[vector] : NULL;
}

void hal_irq_enable(unsigned vector)
{
	if (vector < BOARD_IRQ_COUNT)
		NVIC_ISER(vector >> 5) = 1u << (vector & 31);
}

void hal_irq_unmask_clean(unsigned vector)
{
	if (vector < BOARD_IRQ_COUNT) {
		NVIC_ICPR(vector >> 5) = 1u << (vector & 31);
		NVIC_ISER(vector >> 5) = 1u << (vector & 31);
	}
}

void hal_irq_disable(unsigned vector)
{
	if (vector < BOARD_IRQ_COUNT) {
		NVIC_ICER(vector >> 5) = 1u << (vector & 31);
		cm_dsb();
		cm_isb();
	}
}

uint32_t hal_irq_lock(void)
{
	uint32_t primask;
	__asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
	return primask;
}

void hal_irq_unlock(uint32_t previous)
{
	__asm volatile("msr primask, %0" ::"r"(previous) : "memory");
}

void hal_sleep(void)
{
	cm_dsb();
	__asm volatile("wfi" ::: "memory");
}

static void irq_dispatch(void)
{
	unsigned vector = cm_ipsr() - 16;
	hal_irq_handler_t handler = vector < BOARD_IRQ_COUNT ? irq_handlers[vector] : NULL;
	if (handler)
		handler(vector);
	else {
		/* A program-owned line: mask it until the kernel acknowledges the packet (mx_interrupt_ack). */
		hal_irq_disable(vector);
		hal_irq_record(vector);
	}
}

static void console_print(const char* text)
{
	if (hal_generating_base_heap())
		hal_host_print(text);
	else
		board_console_write(text, strlen(text));
}

static void console_hex(const char* label, uint32_t value)
{
	char buffer[20];
	static const char digits[] = "0123456789abcdef";
	char* p = buffer;
	*p++ = ' ';
	for (int shift = 28; shift >= 0; shift -= 4)
		*p++ = digits[(value >> shift) & 15];
	*p = 0;
	console_print(label);
	console_print(buffer);
}

/* Exit status of a CPU fault: see README "Exit status". */
#define FAULT_EXIT_STATUS 120

#define SEMIHOSTING_BKPT 0xBEABu

/* Called from fault_entry with the stacked exception frame (r0-r3, r12, lr, pc, xpsr). */
void fault_report(uint32_t* frame, uint32_t exc_return)
{
	static const char* const names[] = { "", "", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault" };
	unsigned exception = cm_ipsr();
	if (exception == 3 && *(const uint16_t*)frame[6] == SEMIHOSTING_BKPT) {
		/* A semihosting call with no debugger attached: skip it and report failure (r0 = -1) to the caller. */
		frame[6] += 2;
		frame[0] = (uint32_t)-1;
		return;
	}
	console_print("\r\n*** fault: ");
	console_print(exception < 7 ? names[exception] : "unexpected exception");
	console_hex("\r\n    pc", frame[6]);
	console_hex(" lr", frame[5]);
	console_hex(" xpsr", frame[7]);
	console_hex("\r\n    cfsr", SCB_CFSR);
	console_hex(" hfsr", SCB_HFSR);
	console_hex(" mmfar", SCB_MMFAR);
	console_hex(" bfar", SCB_BFAR);
	console_print("\r\n");
	(void)exc_return;
	hal_exit(FAULT_EXIT_STATUS);
}

/* Naked: it must see the stack pointer and EXC_RETURN exactly as the exception left them. fault_report returns
 * through EXC_RETURN only when it skipped a semihosting call. */
__attribute__((naked)) static void fault_entry(void)
{
	__asm volatile(
		"tst lr, #4\n"
		"ite eq\n"
		"mrseq r0, msp\n"
		"mrsne r0, psp\n"
		"mov r1, lr\n"
		"b fault_report\n");
}

static void unexpected_exception(void)
{
	fault_entry();
}

__attribute__((noreturn)) void reset_handler(void)
{
	bool generating = hal_generating_base_heap();
	if (!generating)
		board_early_init();
	memcpy(&__data_start__, &__data_load__, (size_t)((char*)&__data_end__ - (char*)&__data_start__));
	memset(&__bss_start__, 0, (size_t)((char*)&__bss_end__ - (char*)&__bss_start__));
#if defined(__ARM_FP)
	SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: full access to the FPU */
	cm_dsb();
	cm_isb();
#endif
	SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18); /* separate MemManage, BusFault, UsageFault reports */
	hal_protect_flash();
	if (!generating)
		board_init();
	hal_exit(main());
}

/* Moves the main stack pointer to stack_top and calls function, which must not return: whatever was on the old
 * stack is given up, so the new one may overlap it. */
__attribute__((naked, noreturn)) void hal_continue_on_stack(void (*function)(void), void* stack_top)
{
	__asm volatile(
		"mov sp, r1\n"
		"bx r0\n");
}

typedef void (*vector_t)(void);

__attribute__((section(".vectors"), used)) static const vector_t vector_table[16 + BOARD_IRQ_COUNT] = {
	[0] = (vector_t)&__stack_top__,
	[1] = reset_handler,
	[2] = unexpected_exception, /* NMI */
	[3] = fault_entry, /* HardFault */
	[4] = fault_entry, /* MemManage */
	[5] = fault_entry, /* BusFault */
	[6] = fault_entry, /* UsageFault */
	[11] = unexpected_exception, /* SVCall */
	[12] = unexpected_exception, /* DebugMonitor */
	[14] = unexpected_exception, /* PendSV */
	[15] = systick_handler,
	[16 ... 16 + BOARD_IRQ_COUNT - 1] = irq_dispatch,
};
