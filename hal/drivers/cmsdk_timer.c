/*
 * CMSDK APB timer driver: a 64-bit monotonic clock and a one-shot alarm from two 32-bit down-counters.
 *
 * The clock counts down from 0xFFFFFFFF and interrupts when it reloads; the ISR adds 2^32 to a high word. A reader
 * masks interrupts, reads the counter, and if the wrap interrupt is pending but not yet handled, accounts for it
 * itself; so the clock never goes backwards, even when read just across a wrap.
 *
 * The alarm counts down the remaining ticks, at most 2^32-1 at a time: when a deadline is further away, its ISR
 * re-arms for the rest. Under QEMU -icount these timers are exactly repeatable, which the benchmarks rely on.
 */
#include "cmsdk_timer.h"

#include "../arch/cortex-m/cortex_m.h"
#include "hal.h"

#define TIMER_CTRL(base) REG32((base) + 0x0)
#define TIMER_VALUE(base) REG32((base) + 0x4)
#define TIMER_RELOAD(base) REG32((base) + 0x8)
#define TIMER_INTSTATUS(base) REG32((base) + 0xC)
#define TIMER_INTCLEAR(base) REG32((base) + 0xC)
#define CTRL_ENABLE 1u
#define CTRL_IRQ_ENABLE 8u

static uintptr_t clock_base;
static volatile uint32_t clock_high;

static uintptr_t alarm_base;
static uint64_t alarm_deadline = UINT64_MAX;

void cmsdk_clock_start(uintptr_t base)
{
	TIMER_CTRL(base) = 0;
	TIMER_RELOAD(base) = 0xFFFFFFFFu;
	TIMER_VALUE(base) = 0xFFFFFFFFu;
	TIMER_INTCLEAR(base) = 1;
	TIMER_CTRL(base) = CTRL_ENABLE | CTRL_IRQ_ENABLE;
}

static uint64_t clock_ticks_locked(void)
{
	uint32_t high = clock_high;
	uint32_t elapsed = 0xFFFFFFFFu - TIMER_VALUE(clock_base);
	if (TIMER_INTSTATUS(clock_base) & 1) {
		/* Wrapped but the ISR has not run: re-read so `elapsed` is known to be after the wrap. */
		elapsed = 0xFFFFFFFFu - TIMER_VALUE(clock_base);
		high++;
	}
	return ((uint64_t)high << 32) | elapsed;
}

uint64_t cmsdk_clock_ticks(void)
{
	uint32_t state = hal_irq_lock();
	uint64_t ticks = clock_ticks_locked();
	hal_irq_unlock(state);
	return ticks;
}

void cmsdk_clock_isr(unsigned vector)
{
	(void)vector;
	TIMER_INTCLEAR(clock_base) = 1;
	clock_high++;
}

void cmsdk_clock_init(uintptr_t base)
{
	clock_base = base;
}

void cmsdk_alarm_init(uintptr_t base)
{
	alarm_base = base;
	TIMER_CTRL(base) = 0;
	TIMER_INTCLEAR(base) = 1;
}

/* The interrupt comes one tick after the counter reaches zero (as it reloads): a count of n fires after n + 1
 * ticks. Measured under QEMU -icount: with this, the alarm interrupt arrives less than one tick after the deadline. */
#define CMSDK_ALARM_EXTRA_TICKS 1

/* Called with interrupts masked. The alarm counter is started right on an edge of the clock counter: the two
 * timers then count the same ticks, and the alarm fires on the deadline's tick instead of up to a tick after it
 * (they run from one clock, but each counts from the moment it was started). */
static void alarm_program(void)
{
	uint32_t value = TIMER_VALUE(clock_base);
	while (TIMER_VALUE(clock_base) == value)
		;
	uint64_t now = clock_ticks_locked();
	uint64_t remaining = alarm_deadline > now + CMSDK_ALARM_EXTRA_TICKS ? alarm_deadline - now - CMSDK_ALARM_EXTRA_TICKS : 1;
	uint32_t count = remaining > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)remaining;
	TIMER_CTRL(alarm_base) = 0;
	TIMER_INTCLEAR(alarm_base) = 1;
	/* RELOAD is not the count: QEMU's model (measured) then fires one period late, at twice the interval. The ISR
	 * stops the timer at the first interrupt, so what it would reload is never used. */
	TIMER_RELOAD(alarm_base) = 0xFFFFFFFFu;
	TIMER_VALUE(alarm_base) = count;
	TIMER_CTRL(alarm_base) = CTRL_ENABLE | CTRL_IRQ_ENABLE;
}

void cmsdk_alarm_set(uint64_t deadline_ticks)
{
	uint32_t state = hal_irq_lock();
	alarm_deadline = deadline_ticks;
	if (deadline_ticks == UINT64_MAX) {
		TIMER_CTRL(alarm_base) = 0;
		TIMER_INTCLEAR(alarm_base) = 1;
	}
	else
		alarm_program();
	hal_irq_unlock(state);
}

void cmsdk_alarm_isr(unsigned vector)
{
	(void)vector;
	TIMER_INTCLEAR(alarm_base) = 1;
	uint64_t now = clock_ticks_locked();
	if (alarm_deadline == UINT64_MAX)
		TIMER_CTRL(alarm_base) = 0;
	else if (now >= alarm_deadline) {
		TIMER_CTRL(alarm_base) = 0;
		alarm_deadline = UINT64_MAX;
		hal_alarm_fired();
	}
	else
		alarm_program();
}
