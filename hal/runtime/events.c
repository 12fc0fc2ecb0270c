/*
 * What wakes the event loop: the alarm, and interrupt records in a ring.
 *
 * Interrupt handlers only write here; JavaScript drains the ring later (native.drainInterrupts), never from an ISR.
 * The ring is lock-free single-producer/single-consumer: every interrupt line runs at the same NVIC priority, so
 * handlers never preempt each other and together act as one producer; the event loop is the one consumer. The
 * producer publishes a record with a barrier before moving `head`, so the consumer never sees a half-written record.
 * A full ring drops the new record and counts it: overflow is reported, never corrupts.
 */
#include "../arch/cortex-m/cortex_m.h"
#include "hal.h"
#include "runtime.h"

#ifndef RUNTIME_IRQ_RING_SIZE
#define RUNTIME_IRQ_RING_SIZE 64
#endif
#if RUNTIME_IRQ_RING_SIZE & (RUNTIME_IRQ_RING_SIZE - 1)
#error "RUNTIME_IRQ_RING_SIZE must be a power of two"
#endif

typedef struct {
	uint32_t vector;
	uint64_t timestamp_ns;
} irq_record_t;

static irq_record_t ring[RUNTIME_IRQ_RING_SIZE];
static volatile uint32_t ring_head; /* written by interrupt handlers */
static volatile uint32_t ring_tail; /* written by the event loop */
static volatile uint32_t ring_lost;

static volatile bool alarm_fired;
static bool alarm_armed;

void hal_alarm_fired(void)
{
	alarm_fired = true;
}

void hal_irq_record(unsigned vector)
{
	uint32_t head = ring_head;
	if (head - ring_tail >= RUNTIME_IRQ_RING_SIZE) {
		ring_lost++;
		return;
	}
	irq_record_t* record = &ring[head & (RUNTIME_IRQ_RING_SIZE - 1)];
	record->vector = vector;
	record->timestamp_ns = board_now_ns();
	cm_dmb();
	ring_head = head + 1;
}

bool runtime_events_pending(void)
{
	return alarm_fired || ring_head != ring_tail || ring_lost;
}

/* Clears the alarm flag; true if the kernel's service routine should run. */
bool runtime_take_events(void)
{
	bool pending = runtime_events_pending();
	if (alarm_fired) {
		alarm_fired = false;
		alarm_armed = false;
	}
	return pending;
}

void runtime_set_alarm(uint64_t deadline_ns)
{
	alarm_armed = deadline_ns != HAL_TIME_INFINITE;
	board_alarm_set(deadline_ns);
}

bool runtime_alarm_armed(void)
{
	return alarm_armed && !alarm_fired;
}

/* Hands one record to the caller; false when the ring is empty. */
bool runtime_irq_next(uint32_t* vector, uint64_t* timestamp_ns)
{
	uint32_t tail = ring_tail;
	if (tail == ring_head)
		return false;
	cm_dmb();
	irq_record_t* record = &ring[tail & (RUNTIME_IRQ_RING_SIZE - 1)];
	*vector = record->vector;
	*timestamp_ns = record->timestamp_ns;
	ring_tail = tail + 1;
	return true;
}

uint32_t runtime_irq_take_lost(void)
{
	uint32_t state = hal_irq_lock();
	uint32_t lost = ring_lost;
	ring_lost = 0;
	hal_irq_unlock(state);
	return lost;
}
