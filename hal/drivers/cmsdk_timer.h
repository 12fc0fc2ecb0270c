/*
 * Arm CMSDK APB timer (32-bit down-counter with reload): one instance extended to a 64-bit monotonic clock, another
 * used as the one-shot deadline alarm. Used by every MPS2 board.
 */
#ifndef CMSDK_TIMER_H
#define CMSDK_TIMER_H

#include <stdint.h>

/* Starts `base` free-running from 0xFFFFFFFF with its wrap interrupt. Uses no RAM: call it from board_early_init. */
void cmsdk_clock_start(uintptr_t base);
/* Makes `base` the clock that cmsdk_clock_ticks reads; call once RAM is initialised. */
void cmsdk_clock_init(uintptr_t base);
/* Ticks since cmsdk_clock_start, 64 bits, monotonic across wraps. */
uint64_t cmsdk_clock_ticks(void);
/* The clock timer's interrupt handler (counts wraps). */
void cmsdk_clock_isr(unsigned vector);

/* The alarm timer: base address and the clock it measures deadlines against. */
void cmsdk_alarm_init(uintptr_t base);
/* Arms for an absolute tick deadline (UINT64_MAX: disarm). */
void cmsdk_alarm_set(uint64_t deadline_ticks);
void cmsdk_alarm_isr(unsigned vector);

#endif
