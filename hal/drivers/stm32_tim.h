/*
 * STM32 general-purpose 32-bit timer (TIM2/TIM5) as a free-running counter, extended to 64 bits in software.
 */
#ifndef STM32_TIM_H
#define STM32_TIM_H

#include <stdbool.h>
#include <stdint.h>

/* Starts the counter from 0. Uses no RAM: call it from board_early_init. */
void stm32_counter_start(uintptr_t base);
/* Makes `base` the counter stm32_counter_ticks reads; call once RAM is initialised. */
void stm32_counter_init(uintptr_t base);
/* Ticks since start, 64 bits. Must run at least once per counter wrap (2^32 ticks): boards arrange a periodic read. */
uint64_t stm32_counter_ticks(void);

/*
 * The deadline alarm: a second 32-bit timer (TIM5) counting `timer_hz`, one shot at a time. `emulated` selects the
 * arithmetic for QEMU's model of these timers, which schedules an event at (time of the write) + (ARR + the
 * counter's offset) instead of when the counter reaches ARR; see stm32_tim.c.
 */
void stm32_alarm_init(uintptr_t base, uint32_t timer_hz, bool emulated, uint64_t (*now_ns)(void));
void stm32_alarm_set(uint64_t deadline_ns);
void stm32_alarm_isr(unsigned vector);

#endif
