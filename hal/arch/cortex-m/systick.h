/*
 * The ARMv7-M SysTick as a one-shot deadline alarm, for boards whose own timers cannot serve (QEMU's STM32 timer
 * model schedules its compare events at the wrong time). Deadlines are in the board clock's nanoseconds; SysTick
 * counts the core clock, 24 bits at a time, so long deadlines are reached in steps, each step re-armed from its ISR.
 */
#ifndef SYSTICK_H
#define SYSTICK_H

#include <stdint.h>

/* `core_hz`: the SysTick (processor) clock; `now_ns`: the board clock the deadlines refer to. */
void systick_alarm_init(uint32_t core_hz, uint64_t (*now_ns)(void));
void systick_alarm_set(uint64_t deadline_ns);

/* The exception handler (vector 15). Also calls `housekeeping` on every expiry, if set: boards whose clock must be
 * read at least once per counter wrap get a periodic reading even when no deadline is armed. */
void systick_handler(void);
void systick_set_housekeeping(void (*housekeeping)(void), uint32_t period_ms);

#endif
