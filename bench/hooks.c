/*
 * The benchmark firmware's C side, installed as the global `bench` (typings: bench/hooks.d.ts):
 *
 * - C baselines: the port and channel fast paths written plainly in C (rings of fixed-size slots and memcpy), timed
 *   with the same clock as the JavaScript benchmarks, so the report can give "kernel / C" ratios from one run.
 *   Ring operations are separate, non-inlined functions, as a C kernel's syscalls would be; bench.c(name, n) runs
 *   one of them n times and returns elapsed nanoseconds ("empty" is the bare loop, subtracted like JavaScript's).
 * - An interrupt source for irq_to_js, on boards whose manifest platform entry names one (bench/manifest.json: the
 *   MPS2 boards' CMSDK dual timer, line 10): it fires after a delay, while the CPU sleeps, as a peripheral would.
 *   Its counter keeps running from the moment it raised the line, so reading it when the code has the event gives
 *   the latency from the line rising (irq_elapsed_ns refines its 40 ns ticks to 4 instructions under -icount
 *   shift=0). bench.cIrq runs the same measurement with a bare C handler and a C sleep loop.
 * - Profile markers: bench_profile_begin/end are tiny functions whose addresses the insn_profile QEMU plugin
 *   watches; bench.profileBegin()/profileEnd() call them around a profiled loop.
 */
#include <stdlib.h>
#include <string.h>

#include "../hal/arch/cortex-m/cortex_m.h"
#include "hal.h"
#include "mc.defines.h"
#include "runtime.h"

/* --- profile markers --- */

/* Distinct bodies: identical ones would be folded into one function (-Os enables -fipa-icf), leaving one address. */
static volatile uint32_t profile_region_open;

__attribute__((noinline, used)) void bench_profile_begin(void)
{
	profile_region_open = 1;
}

__attribute__((noinline, used)) void bench_profile_end(void)
{
	profile_region_open = 0;
}

/* --- C baselines --- */

#define RING 16 /* slots; a power of two */
#define PORT_PACKET 48
#define V1_MAX 128
#define MESSAGE 64
#define MESSAGE_HANDLES 4
#define BIG 65536

typedef struct {
	uint8_t bytes[PORT_PACKET];
} port_slot_t;

typedef struct {
	uint32_t size;
	uint8_t bytes[V1_MAX];
} v1_slot_t;

typedef struct {
	uint32_t size, handle_count;
	uint8_t bytes[MESSAGE];
	uint32_t handles[MESSAGE_HANDLES];
} message_slot_t;

typedef struct {
	uint32_t size;
	uint8_t* bytes; /* one slot, 64 KiB, allocated for the run */
} big_slot_t;

/* Allocated for the duration of a run (the C heap, not XS's), so the baseline adds nothing to the firmware's static
 * RAM or to its reset-to-main time (.bss is cleared at reset). */
typedef struct {
	port_slot_t port[RING];
	v1_slot_t v1[RING];
	message_slot_t message[RING];
	uint8_t in[V1_MAX], out[V1_MAX];
} rings_t;

static rings_t* rings;
static big_slot_t big_slot;
static uint32_t head, tail;

#define FULL() (head - tail == RING)
#define EMPTY() (head == tail)
#define NOINLINE __attribute__((noinline))

NOINLINE static int port_queue(const uint8_t* packet)
{
	if (FULL())
		return -1;
	memcpy(rings->port[head++ % RING].bytes, packet, PORT_PACKET);
	return 0;
}

NOINLINE static int port_wait(uint8_t* packet)
{
	if (EMPTY())
		return -1;
	memcpy(packet, rings->port[tail++ % RING].bytes, PORT_PACKET);
	return 0;
}

NOINLINE static int v1_queue(const uint8_t* packet, uint32_t size)
{
	if (size > V1_MAX || FULL())
		return -1;
	v1_slot_t* slot = &rings->v1[head++ % RING];
	slot->size = size;
	memcpy(slot->bytes, packet, size);
	return 0;
}

NOINLINE static int v1_wait(uint8_t* packet, uint32_t capacity)
{
	if (EMPTY())
		return -1;
	v1_slot_t* slot = &rings->v1[tail % RING];
	if (slot->size > capacity)
		return -2;
	memcpy(packet, slot->bytes, slot->size);
	tail++;
	return 0;
}

NOINLINE static int channel_write(const uint8_t* bytes, uint32_t size, const uint32_t* handles, uint32_t count)
{
	if (size > MESSAGE || count > MESSAGE_HANDLES || FULL())
		return -1;
	message_slot_t* slot = &rings->message[head++ % RING];
	slot->size = size;
	slot->handle_count = count;
	memcpy(slot->bytes, bytes, size);
	memcpy(slot->handles, handles, count * sizeof(uint32_t));
	return 0;
}

NOINLINE static int channel_read(uint8_t* bytes, uint32_t capacity, uint32_t* handles, uint32_t handle_capacity)
{
	if (EMPTY())
		return -1;
	message_slot_t* slot = &rings->message[tail % RING];
	if (slot->size > capacity || slot->handle_count > handle_capacity)
		return -2;
	memcpy(bytes, slot->bytes, slot->size);
	memcpy(handles, slot->handles, slot->handle_count * sizeof(uint32_t));
	tail++;
	return 0;
}

NOINLINE static int big_write(const uint8_t* bytes, uint32_t size)
{
	if (big_slot.size != 0)
		return -1;
	memcpy(big_slot.bytes, bytes, size);
	big_slot.size = size;
	return 0;
}

NOINLINE static int big_read(uint8_t* bytes, uint32_t capacity)
{
	uint32_t size = big_slot.size;
	if (size == 0 || size > capacity)
		return -1;
	memcpy(bytes, big_slot.bytes, size);
	big_slot.size = 0;
	return 0;
}

/* The loop of baseline `name`, n times; nonzero if the name is unknown or an operation failed. */
static int run_loop(const char* name, uint32_t n, const uint8_t* big_in, uint8_t* big_out)
{
	uint8_t* in = rings->in;
	uint8_t* out = rings->out;
	uint32_t handles[1] = { 7 };
	int failed = 0;
	if (!strcmp(name, "empty"))
		for (uint32_t i = 0; i < n; i++)
			__asm volatile("" ::: "memory");
	else if (!strcmp(name, "port_v2_roundtrip"))
		for (uint32_t i = 0; i < n; i++) {
			failed |= port_queue(in);
			failed |= port_wait(out);
		}
	else if (!strcmp(name, "port_v1_16_roundtrip"))
		for (uint32_t i = 0; i < n; i++) {
			failed |= v1_queue(in, 16);
			failed |= v1_wait(out, 16);
		}
	else if (!strcmp(name, "port_v1_128_roundtrip"))
		for (uint32_t i = 0; i < n; i++) {
			failed |= v1_queue(in, 128);
			failed |= v1_wait(out, 128);
		}
	else if (!strcmp(name, "channel_64_roundtrip"))
		for (uint32_t i = 0; i < n; i++) {
			failed |= channel_write(in, 64, handles, 0);
			failed |= channel_read(out, 64, handles, 0);
		}
	else if (!strcmp(name, "channel_64_handle_roundtrip"))
		for (uint32_t i = 0; i < n; i++) {
			failed |= channel_write(in, 64, handles, 1);
			failed |= channel_read(out, 64, handles, 1);
		}
	else if (!strcmp(name, "channel_64k_roundtrip") && big_in)
		for (uint32_t i = 0; i < n; i++) {
			failed |= big_write(big_in, BIG);
			failed |= big_read(big_out, BIG);
		}
	else
		failed = 1;
	return failed;
}

/* Runs baseline `name` n times: elapsed ns (the string compare before the loop is inside the timing, and also
 * inside "empty"'s, so it cancels), or -1 for an unknown name or a failed operation. */
static double run_baseline(const char* name, uint32_t n)
{
	uint8_t *big_in = NULL, *big_out = NULL;
	rings = calloc(1, sizeof(rings_t));
	if (!rings)
		return -1;
	head = tail = 0;
	big_slot.size = 0;
	if (!strcmp(name, "channel_64k_roundtrip")) {
		big_in = calloc(1, BIG);
		big_out = malloc(BIG);
		big_slot.bytes = malloc(BIG);
	}
	bool allocated = big_in && big_out && big_slot.bytes;
	uint64_t start = board_now_ns();
	int failed = run_loop(name, n, allocated ? big_in : NULL, big_out);
	uint64_t elapsed = board_now_ns() - start;
	free(big_in);
	free(big_out);
	free(big_slot.bytes);
	big_slot.bytes = NULL;
	free(rings);
	rings = NULL;
	return failed ? -1 : (double)elapsed;
}

/* --- the dual timer as an interrupt source --- */

#ifdef MODDEF_BENCH_DUALTIMER_BASE
#define DUALTIMER_BASE MODDEF_BENCH_DUALTIMER_BASE
#define DUALTIMER_IRQ MODDEF_BENCH_DUALTIMER_IRQ
#define DT_LOAD REG32(DUALTIMER_BASE + 0x00)
#define DT_VALUE REG32(DUALTIMER_BASE + 0x04)
#define DT_CONTROL REG32(DUALTIMER_BASE + 0x08)
#define DT_INTCLR REG32(DUALTIMER_BASE + 0x0C)
#define DT_ENABLE 0x80u
#define DT_PERIODIC 0x40u
#define DT_INT_ENABLE 0x20u
#define DT_32BIT 0x02u
#define NS_PER_TICK 40

static uint32_t irq_delay;

/* Periodic mode: after raising the line the counter reloads and keeps counting down from the delay, so the ticks
 * since the line rose stay readable until the next period. */
static void irq_arm(uint32_t ticks)
{
	irq_delay = ticks;
	DT_CONTROL = 0;
	DT_INTCLR = 1;
	DT_LOAD = ticks;
	DT_CONTROL = DT_ENABLE | DT_PERIODIC | DT_INT_ENABLE | DT_32BIT;
}

/*
 * Nanoseconds (instructions) since the line rose, exact to within 4: a tick is 40 ns, so after the first read this
 * spins, 4 instructions a turn, until the counter changes, and counts back from that tick edge. QEMU's model shows
 * 0 for the tick after the line rises, then the reload value (LOAD), then LOAD-1, ...: the edge to value v is
 * (LOAD - v + 1) ticks after the line rose. The first loop read is 1 instruction after the first read.
 */
static uint32_t irq_elapsed_ns(void)
{
	volatile uint32_t* reg = &DT_VALUE;
	uint32_t first, value, spins = 0;
	__asm volatile(
		"	ldr %[first], [%[reg]]\n"
		"1:	ldr %[value], [%[reg]]\n"
		"	adds %[spins], #1\n"
		"	cmp %[value], %[first]\n"
		"	beq 1b\n"
		: [first] "=&r"(first), [value] "=&r"(value), [spins] "+r"(spins)
		: [reg] "r"(reg)
		: "cc", "memory");
	uint32_t edge = (irq_delay - value + 1) * NS_PER_TICK;
	return edge - 1 - 4 * (spins - 1);
}

static void irq_stop(void)
{
	DT_CONTROL = 0;
	DT_INTCLR = 1;
}

static volatile bool c_irq_seen;

static void c_irq_handler(unsigned vector)
{
	(void)vector;
	DT_INTCLR = 1;
	c_irq_seen = true;
}

/* The C baseline of irq_to_js: line rises while the CPU sleeps → handler → the sleeping loop sees the event. */
static double run_c_irq(uint32_t n, uint32_t delay)
{
	uint64_t total = 0;
	hal_irq_attach(DUALTIMER_IRQ, c_irq_handler);
	hal_irq_enable(DUALTIMER_IRQ);
	for (uint32_t i = 0; i < n; i++) {
		c_irq_seen = false;
		irq_arm(delay);
		for (;;) {
			uint32_t state = hal_irq_lock();
			if (c_irq_seen) {
				hal_irq_unlock(state);
				break;
			}
			hal_sleep();
			hal_irq_unlock(state);
		}
		total += irq_elapsed_ns();
		irq_stop();
	}
	hal_irq_disable(DUALTIMER_IRQ);
	hal_irq_attach(DUALTIMER_IRQ, NULL);
	return (double)total;
}
#endif

/* --- host functions --- */

static uint32_t count_argument(xsMachine* the, int index)
{
	xsNumberValue value = xsToNumber(xsArg(index));
	if (!(value >= 1 && value <= 0xFFFFFFFFu) || value != (uint32_t)value)
		xsRangeError("expected a count from 1 to 2^32-1, got %g", value);
	return (uint32_t)value;
}

static void fx_c(xsMachine* the)
{
	xsResult = xsNumber(run_baseline(xsToString(xsArg(0)), count_argument(the, 1)));
}

#ifdef DUALTIMER_BASE
static void fx_c_irq(xsMachine* the)
{
	xsResult = xsNumber(run_c_irq(count_argument(the, 0), count_argument(the, 1)));
}

static void fx_irq_arm(xsMachine* the)
{
	irq_arm(count_argument(the, 0));
}

static void fx_irq_elapsed(xsMachine* the)
{
	xsResult = xsNumber(irq_elapsed_ns());
}

static void fx_irq_stop(xsMachine* the)
{
	irq_stop();
}
#endif

static void fx_profile_begin(xsMachine* the)
{
	bench_profile_begin();
}

static void fx_profile_end(xsMachine* the)
{
	bench_profile_end();
}

static void install(xsMachine* the)
{
	static const runtime_function_t functions[] = {
		{ "c", fx_c, 2 },
		{ "profileBegin", fx_profile_begin, 0 },
		{ "profileEnd", fx_profile_end, 0 },
#ifdef DUALTIMER_BASE
		{ "cIrq", fx_c_irq, 2 },
		{ "irqArm", fx_irq_arm, 1 },
		{ "irqElapsed", fx_irq_elapsed, 0 },
		{ "irqStop", fx_irq_stop, 0 },
#endif
	};
	xsVars(1);
	xsVar(0) = xsNewObject();
	runtime_define_functions(the, &xsVar(0), functions, sizeof(functions) / sizeof(functions[0]));
#ifdef DUALTIMER_BASE
	xsSet(xsVar(0), xsID("irqVector"), xsInteger(DUALTIMER_IRQ));
#else
	xsSet(xsVar(0), xsID("irqVector"), xsInteger(-1));
#endif
	xsDefine(xsGlobal, xsID("bench"), xsVar(0), xsDontEnum);
}

RUNTIME_NATIVES(install);
