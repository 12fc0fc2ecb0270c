/*
 * SysTick one-shot alarm (see systick.h). The counter is reloaded for at most 2^24 - 1 core clock ticks at a time:
 * the ISR checks the board clock, fires the alarm when the deadline has passed, and otherwise arms the next step.
 * With no deadline, it still runs every housekeeping period, so a board's clock extension sees every counter wrap.
 */
#include "systick.h"

#include "cortex_m.h"
#include "hal.h"

#define SYST_CSR REG32(0xE000E010)
#define SYST_RVR REG32(0xE000E014)
#define SYST_CVR REG32(0xE000E018)
#define CSR_ENABLE 1u
#define CSR_TICKINT 2u
#define CSR_CLKSOURCE_CORE 4u
#define MAX_COUNT 0xFFFFFFu

static uint32_t core_hz;
static uint64_t (*clock_now)(void);
static uint64_t deadline = UINT64_MAX;
static void (*housekeeping)(void);
static uint64_t housekeeping_ns = UINT64_MAX;

void systick_alarm_init(uint32_t hz, uint64_t (*now_ns)(void))
{
	core_hz = hz;
	clock_now = now_ns;
	SYST_CSR = 0;
}

void systick_set_housekeeping(void (*function)(void), uint32_t period_ms)
{
	housekeeping = function;
	housekeeping_ns = (uint64_t)period_ms * 1000000u;
	systick_alarm_set(deadline);
}

/* Called with interrupts masked: arms SysTick for the next step towards the deadline (or housekeeping). */
static void program(uint64_t now)
{
	uint64_t wait_ns = deadline > now ? deadline - now : 0;
	if (wait_ns > housekeeping_ns)
		wait_ns = housekeeping_ns;
	if (wait_ns == UINT64_MAX) {
		SYST_CSR = 0;
		return;
	}
	/* Round up so the step never ends before the deadline; the ISR re-checks against the clock anyway. */
	uint64_t ticks = (wait_ns * core_hz + 999999999u) / 1000000000u;
	if (ticks < 2)
		ticks = 2;
	if (ticks > MAX_COUNT)
		ticks = MAX_COUNT;
	SYST_CSR = 0;
	SYST_RVR = (uint32_t)ticks - 1;
	SYST_CVR = 0;
	SYST_CSR = CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE_CORE;
}

void systick_alarm_set(uint64_t deadline_ns)
{
	uint32_t state = hal_irq_lock();
	deadline = deadline_ns;
	program(clock_now());
	hal_irq_unlock(state);
}

void systick_handler(void)
{
	uint64_t now = clock_now();
	if (housekeeping)
		housekeeping();
	if (deadline != UINT64_MAX && now >= deadline) {
		deadline = UINT64_MAX;
		hal_alarm_fired();
	}
	program(now);
}
