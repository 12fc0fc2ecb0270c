/*
 * STM32 TIM2/TIM5 as the monotonic clock: the 32-bit counter runs free and each reading extends it to 64 bits by
 * noticing when it has wrapped since the previous reading.
 *
 * The update (wrap) interrupt is not used: QEMU's model of these timers schedules its events at the wrong time
 * (it adds the absolute hit time to the current time), so only the counter itself is trustworthy there. Readings
 * happen at least once per wrap because the board's SysTick housekeeping reads the clock periodically.
 */
#include "stm32_tim.h"

#include "../arch/cortex-m/cortex_m.h"
#include "hal.h"

#define TIM_CR1(base) REG32((base) + 0x00)
#define TIM_PSC(base) REG32((base) + 0x28)
#define TIM_ARR(base) REG32((base) + 0x2C)
#define TIM_CNT(base) REG32((base) + 0x24)
#define TIM_EGR(base) REG32((base) + 0x14)

static uintptr_t counter_base;
static uint32_t last;
static uint32_t high;

void stm32_counter_start(uintptr_t base)
{
	TIM_CR1(base) = 0;
	TIM_PSC(base) = 0;
	TIM_ARR(base) = 0xFFFFFFFFu;
	TIM_EGR(base) = 1; /* load the prescaler and restart from 0 */
	TIM_CNT(base) = 0;
	TIM_CR1(base) = 1;
}

void stm32_counter_init(uintptr_t base)
{
	counter_base = base;
}

uint64_t stm32_counter_ticks(void)
{
	uint32_t state = hal_irq_lock();
	uint32_t now = TIM_CNT(counter_base);
	if (now < last)
		high++;
	last = now;
	uint64_t ticks = ((uint64_t)high << 32) | now;
	hal_irq_unlock(state);
	return ticks;
}

/* --- the alarm --- */

#define TIM_DIER(base) REG32((base) + 0x0C)
#define TIM_SR(base) REG32((base) + 0x10)
#define CR1_CEN 1u
#define CR1_OPM 8u
#define DIER_UIE 1u

static uintptr_t alarm_base;
static uint32_t alarm_hz;
static bool alarm_emulated;
static uint64_t (*alarm_now)(void);
static uint64_t alarm_deadline = UINT64_MAX;

/*
 * The timer is aimed LEAD_NS before the deadline and the ISR waits out the rest on the clock, so the alarm takes
 * effect at the deadline itself rather than an interrupt latency (a few hundred instructions) after it. A deadline
 * further than SPIN_MAX_NS away when the ISR runs is re-armed instead, so the wait stays bounded.
 */
#define LEAD_NS 1000u
#define SPIN_MAX_NS 4000u

void stm32_alarm_init(uintptr_t base, uint32_t timer_hz, bool emulated, uint64_t (*now_ns)(void))
{
	alarm_base = base;
	alarm_hz = timer_hz;
	alarm_emulated = emulated;
	alarm_now = now_ns;
	TIM_CR1(base) = 0;
	TIM_DIER(base) = 0;
	TIM_SR(base) = 0;
}

/*
 * QEMU's model counts at 1 GHz (a tick is a nanosecond) and, on a write to CNT at time C with value v and prescaler
 * p - 1, schedules its event at C + (ARR + floor(C / p) - v) * p; while the timer stays enabled it then re-arms
 * itself every (ARR + floor(C / p) - v) * p. If that sum is zero or negative the model re-fires at the same instant
 * forever and the guest never runs again, so v must never exceed floor(C / p): writing v = floor(now / p), with now
 * a clock reading taken before the write, guarantees it. The event then lands near now + 2 * (C - now) + ARR * p,
 * and C - now is the fixed number of instructions between the reading and the write under -icount plus the clock's
 * own offset (measured: EMULATED_WRITE_DELAY). An error in that figure only moves the event a little, which the
 * ISR's spin absorbs. p grows with the time so that now / p fits the 32-bit counter (p = 1 for the first 2.1 s,
 * 41 ns at three minutes). The event is aimed early rather than late: a late alarm cannot be taken back.
 */
#define EMULATED_WRITE_DELAY 300u

static void program_emulated(uint64_t now, uint64_t target)
{
	uint32_t p = (uint32_t)(now >> 31) + 1;
	uint64_t earliest = now + 2 * EMULATED_WRITE_DELAY;
	uint64_t count = target > earliest ? (target - earliest) / p : 0;
	if (count == 0)
		count = 1;
	if (count > 0x7FFFFFFFu)
		count = 0x7FFFFFFFu; /* the ISR re-arms for the rest */
	uint32_t value = (uint32_t)(now / p);
	/* Enabled last: an event the PSC and ARR writes schedule from stale state is ignored while CEN is clear. */
	TIM_PSC(alarm_base) = p - 1;
	TIM_ARR(alarm_base) = (uint32_t)count;
	TIM_CNT(alarm_base) = value;
	TIM_CR1(alarm_base) = CR1_CEN;
}

static void program_chip(uint64_t now, uint64_t target)
{
	uint64_t delay = target > now ? target - now : 1;
	uint64_t ticks = delay / 1000000000u * alarm_hz + (delay % 1000000000u * alarm_hz + 999999999u) / 1000000000u;
	if (ticks < 2)
		ticks = 2;
	if (ticks > 0xFFFFFFFFu)
		ticks = 0xFFFFFFFFu;
	TIM_PSC(alarm_base) = 0;
	TIM_ARR(alarm_base) = (uint32_t)ticks - 1;
	TIM_CNT(alarm_base) = 0;
	TIM_SR(alarm_base) = 0;
	TIM_CR1(alarm_base) = CR1_CEN | CR1_OPM;
}

/* With interrupts masked. */
static void alarm_program(void)
{
	TIM_CR1(alarm_base) = 0;
	TIM_SR(alarm_base) = 0;
	if (alarm_deadline == UINT64_MAX) {
		TIM_DIER(alarm_base) = 0;
		return;
	}
	TIM_DIER(alarm_base) = DIER_UIE;
	uint64_t now = alarm_now();
	uint64_t target = alarm_deadline > LEAD_NS ? alarm_deadline - LEAD_NS : 0;
	if (alarm_emulated)
		program_emulated(now, target);
	else
		program_chip(now, target);
}

void stm32_alarm_set(uint64_t deadline_ns)
{
	uint32_t state = hal_irq_lock();
	alarm_deadline = deadline_ns;
	alarm_program();
	hal_irq_unlock(state);
}

void stm32_alarm_isr(unsigned vector)
{
	(void)vector;
	TIM_CR1(alarm_base) = 0; /* stops QEMU's model from scheduling another event too */
	TIM_SR(alarm_base) = 0;
	if (alarm_deadline != UINT64_MAX && alarm_now() + SPIN_MAX_NS >= alarm_deadline) {
		while (alarm_now() < alarm_deadline)
			;
		alarm_deadline = UINT64_MAX;
		hal_alarm_fired();
	}
	alarm_program();
}
