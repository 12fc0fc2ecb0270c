/*
 * The data plane's interrupt bindings: an interrupt object's packet goes straight into its port's prefix when the
 * port is plain, and a synchronous mx_port_wait on such a port sleeps in here and is served as soon as the CPU
 * wakes, without a trip through JavaScript (issue 11's "interrupt -> port in the HAL's hands").
 *
 * kernel/interrupt.ts stays the description of an interrupt object: a binding keeps pointers to its two fields that
 * decide whether a record becomes a packet (the object's `pending`, its packet's `queued`) and writes them as
 * interrupt.ts would; any record whose object is not plain goes to interrupt.ts's own sink. Records are still taken
 * only outside interrupt handlers: the handlers record into the HAL's ring (hal/runtime/events.c), as always.
 */
#include "dataplane.h"

#define BINDINGS 16

typedef struct {
	txSlot* pending; /* the interrupt object's `pending`: written */
	txSlot* queued;  /* its packet's `queued`: written */
	uint32_t vector;
	uint32_t key_lo, key_hi;
	uint8_t port; /* port plus one; 0: the port is gone (interrupt.ts then finds it dead) */
	bool in_use;
} binding_t;

static binding_t bindings[BINDINGS];

static binding_t* binding_arg(xsMachine* the)
{
	binding_t* b = &bindings[dp_int_arg(the, 0, BINDINGS)];
	if (!b->in_use)
		xsRangeError("dataplane: interrupt binding %d is free", (int)(b - bindings));
	return b;
}

static binding_t* binding_for(uint32_t vector)
{
	for (binding_t* b = bindings; b < bindings + BINDINGS; b++)
		if (b->in_use && b->vector == vector)
			return b;
	return NULL;
}

/* Whether interrupt.ts would queue this binding's packet now on a port with nothing but a prefix. */
static bool plain(const binding_t* b)
{
	return b->port && dp_port_plain(&dp_ports[b->port - 1]) && b->pending->kind == XS_BOOLEAN_KIND && !b->pending->value.boolean &&
	       b->queued->kind == XS_BOOLEAN_KIND && !b->queued->value.boolean;
}

/* The packet of plain binding `b` appended to its port's prefix; false (nothing done) when the pool is full. */
static bool queue_packet(binding_t* b, uint8_t** entry)
{
	*entry = dp_port_append(&dp_ports[b->port - 1], (unsigned)(b - bindings) + 1);
	if (!*entry)
		return false;
	uint32_t words[4] = { b->key_lo, b->key_hi, MX_PKT_TYPE_INTERRUPT, MX_OK };
	memcpy(*entry, words, sizeof(words));
	memset(*entry + sizeof(words), 0, PACKET_SIZE - sizeof(words));
	b->pending->value.boolean = 1;
	b->queued->value.boolean = 1;
	return true;
}

static void stamp(uint8_t* entry, uint64_t timestamp)
{
	memcpy(entry + 16, &timestamp, sizeof(timestamp)); /* little-endian, as the packet */
}

void dp_interrupt_dequeued(unsigned owner)
{
	bindings[owner - 1].queued->value.boolean = 0;
}

void dp_interrupt_port_destroyed(const port_t* p)
{
	for (binding_t* b = bindings; b < bindings + BINDINGS; b++)
		if (b->port && &dp_ports[b->port - 1] == p)
			b->port = 0;
}

bool dp_interrupt_bound_to(const port_t* p)
{
	for (const binding_t* b = bindings; b < bindings + BINDINGS; b++)
		if (b->port && &dp_ports[b->port - 1] == p)
			return true;
	return false;
}

int dp_interrupt_wait(port_t* p, uint64_t deadline)
{
	/* Records and sleep are another HAL's, or the kernel's own deadlines must wake it: the control plane waits. */
	if (dp_foreign_hal || dp_deadline_armed)
		return 1;
	bool armed = false;
	uint64_t kernel_alarm = runtime_alarm_deadline();
	int status = 1;
	for (;;) {
		uint32_t vector;
		uint64_t timestamp;
		uint8_t* entry;
		while (runtime_irq_peek(&vector)) {
			binding_t* b = binding_for(vector);
			if (!b || !plain(b) || !queue_packet(b, &entry))
				goto done;
			runtime_irq_next(&vector, &timestamp, 0);
			stamp(entry, timestamp);
		}
		if (runtime_irq_overflowed())
			goto done;
		if (p->head) {
			status = MX_OK;
			goto done;
		}
		if (deadline == 0 || board_now_ns() >= deadline) {
			status = MX_ERR_TIMED_OUT;
			goto done;
		}
		if (!armed && deadline != HAL_TIME_INFINITE) {
			runtime_set_alarm(deadline);
			armed = true;
		}
		uint32_t state = hal_irq_lock();
		if (!runtime_events_pending())
			hal_sleep();
		hal_irq_unlock(state);
		runtime_take_events();
	}
done:
	/* The alarm goes back to the deadline the kernel last set: clock.ts skips arming a deadline equal to the one it
	 * believes armed, so leaving the alarm off here could lose a timer restarted at that same deadline. A deadline
	 * that has passed meanwhile fires at once, and the kernel's service routine finds nothing due. */
	if (armed)
		runtime_set_alarm(kernel_alarm);
	return status;
}

/* (object, vector, port, keyLo, keyHi): a binding of interrupt object `object` (its `pending` and its packet's
 * `queued`) to data-plane port `port`; its index, or -1 if none is left. */
static void fx_interrupt_bind(xsMachine* the)
{
	txInteger index = -1;
	for (int i = 0; i < BINDINGS; i++)
		if (!bindings[i].in_use) {
			index = i;
			break;
		}
	txSlot* packet = index >= 0 ? dp_own_field(the, mxArgv(0), "packet") : NULL;
	binding_t b = {
		.pending = dp_own_field(the, mxArgv(0), "pending"),
		.queued = packet ? dp_own_field(the, packet, "queued") : NULL,
		.vector = (uint32_t)dp_int_arg(the, 1, 0x7fffffff),
		.port = (uint8_t)(dp_int_arg(the, 2, PORTS) + 1),
		.key_lo = (uint32_t)(uint64_t)xsToNumber(xsArg(3)),
		.key_hi = (uint32_t)(uint64_t)xsToNumber(xsArg(4)),
		.in_use = true,
	};
	if (index < 0 || !b.pending || b.pending->kind != XS_BOOLEAN_KIND || !b.queued || b.queued->kind != XS_BOOLEAN_KIND) {
		xsResult = xsInteger(-1);
		return;
	}
	bindings[index] = b;
	xsResult = xsInteger(index);
}

/* (binding): its packet leaves the prefix if it is there; the binding is free. */
static void fx_interrupt_unbind(xsMachine* the)
{
	binding_t* b = binding_arg(the);
	if (b->port)
		dp_port_remove_owned(&dp_ports[b->port - 1], (unsigned)(b - bindings) + 1);
	*b = (binding_t){ 0 };
}

/* (vector, timestamp): the sink the kernel gives the HAL's drainInterrupts. A plain binding's packet goes into its
 * port's prefix; any other record goes to the slow path, interrupt.ts's sink. */
static void fx_interrupt_sink(xsMachine* the)
{
	binding_t* b = binding_for((uint32_t)xsToInteger(xsArg(0)));
	uint8_t* entry;
	if (!b || !plain(b) || !queue_packet(b, &entry)) {
		dp_slow_path(the, 2);
		return;
	}
	stamp(entry, (uint64_t)xsToNumber(xsArg(1)));
}

const runtime_function_t dp_interrupt_functions[] = {
	{ "interruptBind", fx_interrupt_bind, 5 },
	{ "interruptUnbind", fx_interrupt_unbind, 1 },
	{ "interruptSink", fx_interrupt_sink, 2 },
};
const size_t dp_interrupt_function_count = sizeof(dp_interrupt_functions) / sizeof(dp_interrupt_functions[0]);
