/*
 * What wakes the event loop: the alarm, and interrupt records in a ring.
 *
 * Interrupt handlers only write here; JavaScript drains the ring later (native.drainInterrupts), never from an ISR.
 * The ring is lock-free single-producer/single-consumer: every interrupt line runs at the same NVIC priority, so
 * handlers never preempt each other and together act as one producer; the event loop is the one consumer. The
 * producer publishes a record with a barrier before moving `head`, so the consumer never sees a half-written record.
 *
 * Each line records at most once until the kernel acknowledges it (the line is masked, or its driver disarmed), so
 * the ring needs no more entries than lines fire at once. It is deliberately smaller than the board's line count:
 * a full ring drops the record's timestamp but not the event. The line is noted in an overflow mask and delivered
 * with the drain time instead, and the number of such records is reported, so a storm is counted and a line is
 * never left masked forever waiting for a packet that was lost.
 */
#include "../arch/cortex-m/cortex_m.h"
#include "hal.h"
#include "runtime.h"

#ifndef RUNTIME_IRQ_RING_SIZE
#define RUNTIME_IRQ_RING_SIZE 16
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
static volatile uint32_t overflow_lines[(BOARD_IRQ_COUNT + 31) / 32];

/*
 * `alarm_fired` says the event loop has an alarm to hand to the kernel; `alarm_armed` says the hardware holds a
 * deadline that has yet to fire. They are separate because the kernel may arm the next deadline before the event
 * loop has seen the previous one fire: the alarm interrupt can land while JavaScript runs, and the next syscall then
 * serves the due deadline itself and arms the next. Only the interrupt handler disarms, and only setting arms, so
 * taking the fired flag can never forget a deadline armed since (it did, and an awaitable wait slept for ever).
 */
static volatile bool alarm_fired;
static volatile uint64_t alarm_fired_ns;
static volatile bool alarm_armed;
static volatile uint64_t alarm_deadline_ns = HAL_TIME_INFINITE; /* the last deadline set, fired or not */

/* A word the host may write through a debugger or QEMU's qtest (`writel`), for tests that need an answer from the
 * host (runtime_host_mailbox). Its address comes from the ELF's symbol table. */
volatile uint32_t runtime_host_mailbox;

void hal_alarm_fired(void)
{
	alarm_fired_ns = board_now_ns();
	alarm_armed = false;
	alarm_fired = true;
}

void hal_irq_record(unsigned vector)
{
	uint32_t head = ring_head;
	if (head - ring_tail >= RUNTIME_IRQ_RING_SIZE) {
		if (vector < BOARD_IRQ_COUNT)
			overflow_lines[vector >> 5] |= 1u << (vector & 31);
		ring_lost++;
		return;
	}
	irq_record_t* record = &ring[head & (RUNTIME_IRQ_RING_SIZE - 1)];
	record->vector = vector;
	record->timestamp_ns = board_now_ns();
	cm_dmb();
	ring_head = head + 1;
}

static bool overflow_pending(void)
{
	for (size_t i = 0; i < sizeof(overflow_lines) / sizeof(overflow_lines[0]); i++)
		if (overflow_lines[i])
			return true;
	return false;
}

bool runtime_events_pending(void)
{
	return alarm_fired || ring_head != ring_tail || overflow_pending();
}

/* Clears the alarm flag; true if the kernel's service routine should run. Under the interrupt lock: an alarm that
 * fired between the check and the clear would otherwise be cleared unseen, and the kernel, which believes its
 * deadline is still armed, would never arm it again (a storm test slept for ever that way, once in many runs). */
bool runtime_take_events(void)
{
	uint32_t state = hal_irq_lock();
	bool pending = runtime_events_pending();
	alarm_fired = false;
	hal_irq_unlock(state);
	return pending;
}

/* Under the interrupt lock, so the handler of a deadline set before cannot disarm the one being set now. */
void runtime_set_alarm(uint64_t deadline_ns)
{
	uint32_t state = hal_irq_lock();
	alarm_armed = deadline_ns != HAL_TIME_INFINITE;
	alarm_deadline_ns = deadline_ns;
	board_alarm_set(deadline_ns);
	hal_irq_unlock(state);
}

bool runtime_alarm_armed(void)
{
	return alarm_armed;
}

uint64_t runtime_alarm_deadline(void)
{
	return alarm_deadline_ns;
}

uint64_t runtime_alarm_fired_ns(void)
{
	return alarm_fired_ns;
}

/* Hands one record to the caller, oldest first, then the lines whose records overflowed (stamped `now_ns`); false
 * when there is nothing left. */
bool runtime_irq_next(uint32_t* vector, uint64_t* timestamp_ns, uint64_t now_ns)
{
	uint32_t tail = ring_tail;
	if (tail != ring_head) {
		cm_dmb();
		irq_record_t* record = &ring[tail & (RUNTIME_IRQ_RING_SIZE - 1)];
		*vector = record->vector;
		*timestamp_ns = record->timestamp_ns;
		ring_tail = tail + 1;
		return true;
	}
	for (size_t i = 0; i < sizeof(overflow_lines) / sizeof(overflow_lines[0]); i++) {
		uint32_t state = hal_irq_lock();
		uint32_t lines = overflow_lines[i];
		uint32_t bit = lines & -lines;
		overflow_lines[i] = lines & ~bit;
		hal_irq_unlock(state);
		if (bit) {
			*vector = (uint32_t)(i * 32 + __builtin_ctz(bit));
			*timestamp_ns = now_ns;
			return true;
		}
	}
	return false;
}

/* The vector of the oldest record, left in the ring; false when the ring is empty (lines that overflowed it are not
 * records: runtime_irq_overflowed says whether there are any). */
bool runtime_irq_peek(uint32_t* vector)
{
	uint32_t tail = ring_tail;
	if (tail == ring_head)
		return false;
	cm_dmb();
	*vector = ring[tail & (RUNTIME_IRQ_RING_SIZE - 1)].vector;
	return true;
}

bool runtime_irq_overflowed(void)
{
	return overflow_pending();
}

uint32_t runtime_irq_take_lost(void)
{
	uint32_t state = hal_irq_lock();
	uint32_t lost = ring_lost;
	ring_lost = 0;
	hal_irq_unlock(state);
	return lost;
}
