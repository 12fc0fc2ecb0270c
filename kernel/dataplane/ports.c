/*
 * The data plane's V2 port queues: the oldest packets of each V2 port (its prefix; kernel/port.ts keeps the rest, its
 * suffix), as 48-byte images in one pool, and the port syscall entries mx_port_queue and mx_port_wait.
 *
 * A prefix entry is a user packet (counted against the port's limit) or the one packet of an interrupt binding
 * (interrupts.c), which is told when its packet leaves the queue, as kernel/interrupt.ts would be. Whether a port
 * is plain the data plane reads from the port object's own fields, kept from portCreate to portDestroy (XS never
 * moves a slot; the port is destroyed with its object's last handle).
 */
#include "dataplane.h"

#define POOL_PACKETS 32 /* PREFIX_POOL_PACKETS in dataplane.ts */
#define PACKET_TYPE_OFFSET 8

port_t dp_ports[PORTS];
static uint8_t pool[POOL_PACKETS][PACKET_SIZE];
static uint8_t pool_link[POOL_PACKETS];  /* next entry plus one */
static uint8_t pool_owner[POOL_PACKETS]; /* interrupt binding plus one; 0: a user packet */
static uint32_t pool_free;               /* a free entry plus one; 0: take a fresh one */
static uint32_t pool_fresh;              /* entries never used start here */

static port_t* port_arg(xsMachine* the)
{
	port_t* p = &dp_ports[dp_int_arg(the, 0, PORTS)];
	if (!p->suffix)
		xsRangeError("dataplane: port %d is free", (int)(p - dp_ports));
	return p;
}

uint8_t* dp_port_append(port_t* p, unsigned owner)
{
	unsigned e;
	if (pool_free) {
		e = pool_free - 1;
		pool_free = pool_link[e];
	} else if (pool_fresh < POOL_PACKETS) {
		e = pool_fresh++;
	} else {
		return NULL;
	}
	pool_link[e] = 0;
	pool_owner[e] = (uint8_t)owner;
	if (p->tail)
		pool_link[p->tail - 1] = (uint8_t)(e + 1);
	else
		p->head = (uint8_t)(e + 1);
	p->tail = (uint8_t)(e + 1);
	p->length++;
	if (!owner)
		p->count++;
	return pool[e];
}

/* Unlinks entry `e` (after `prev`, an entry plus one; 0: it is the head) and frees it. */
static void unlink_entry(port_t* p, unsigned e, unsigned prev)
{
	if (prev)
		pool_link[prev - 1] = pool_link[e];
	else
		p->head = pool_link[e];
	if (p->tail == e + 1)
		p->tail = (uint8_t)prev;
	p->length--;
	if (pool_owner[e])
		dp_interrupt_dequeued(pool_owner[e]);
	else
		p->count--;
	pool_link[e] = (uint8_t)pool_free;
	pool_free = e + 1;
}

/* Takes the oldest packet: its 48 bytes, valid until the next append. */
static const uint8_t* pop_entry(port_t* p)
{
	unsigned e = p->head - 1u;
	unlink_entry(p, e, 0);
	return pool[e];
}

void dp_port_remove_owned(port_t* p, unsigned owner)
{
	for (unsigned e = p->head, prev = 0; e; prev = e, e = pool_link[e - 1])
		if (pool_owner[e - 1] == owner) {
			unlink_entry(p, e - 1, prev);
			return;
		}
}

bool dp_port_plain(const port_t* p)
{
	return p->suffix && p->suffix->kind == XS_NULL_KIND && p->waiters->kind == XS_NULL_KIND &&
	       p->dead->kind == XS_BOOLEAN_KIND && !p->dead->value.boolean;
}

/* (object): a prefix for V2 port object `object` (its PortFields); the port's index, or -1 if none is left. */
static void fx_port_create(xsMachine* the)
{
	txSlot* waiters = dp_own_field(the, mxArgv(0), "waiters");
	port_t port = {
		.suffix = dp_own_field(the, mxArgv(0), "head"),
		.waiters = waiters ? dp_own_field(the, waiters, "head") : NULL,
		.dead = dp_own_field(the, mxArgv(0), "dead"),
	};
	txInteger index = -1;
	for (unsigned i = 0; port.suffix && port.waiters && port.dead && i < PORTS; i++)
		if (!dp_ports[i].suffix) {
			dp_ports[i] = port;
			index = (txInteger)i;
			break;
		}
	xsResult = xsInteger(index);
}

static void fx_port_destroy(xsMachine* the)
{
	port_t* p = port_arg(the);
	while (p->head)
		pop_entry(p);
	dp_interrupt_port_destroyed(p);
	*p = (port_t){ 0 };
}

/* (port): user packets in the prefix, | all its packets << 16. */
static void fx_port_count(xsMachine* the)
{
	port_t* p = port_arg(the);
	xsResult = xsInteger((txInteger)(p->count | (uint32_t)p->length << 16));
}

/* (port, dst): dst is the kernel's own 48-byte buffer. */
static void fx_port_pop(xsMachine* the)
{
	port_t* p = port_arg(the);
	uint8_t* dst;
	txInteger length;
	if (!runtime_uint8_array(the, mxArgv(1), &dst, &length, true) || length < PACKET_SIZE)
		xsTypeError("dataplane: portPop needs 48 writable bytes");
	bool popped = p->head != 0;
	if (popped)
		memcpy(dst, pop_entry(p), PACKET_SIZE);
	xsResult = xsBoolean(popped);
}

static void fx_port_check(xsMachine* the)
{
	port_t* p = port_arg(the);
	unsigned n = 0, users = 0, last = 0;
	for (unsigned e = p->head; e; last = e, e = pool_link[e - 1]) {
		if (++n > POOL_PACKETS) {
			xsResult = xsString("its prefix does not end");
			return;
		}
		users += !pool_owner[e - 1];
	}
	xsResult = xsString(n != p->length || users != p->count ? "its prefix's counts disagree with its packets"
	                    : last != p->tail                    ? "its prefix's tail is not its last packet"
	                                                         : "");
}

/* args.ts isU64: a bigint in 0..2^64-1, or a non-negative safe integer. */
static bool is_u64(txSlot* slot)
{
	switch (slot->kind) {
	case XS_INTEGER_KIND:
		return slot->value.integer >= 0;
	case XS_NUMBER_KIND:
		return slot->value.number >= 0 && slot->value.number <= 9007199254740991.0 &&
		       slot->value.number == (double)(int64_t)slot->value.number;
	case XS_BIGINT_KIND:
	case XS_BIGINT_X_KIND: {
		const txBigInt* b = &slot->value.bigint;
		if (b->sign)
			return false;
		for (unsigned i = 2; i < b->size; i++)
			if (b->data[i])
				return false;
		return true;
	}
	default:
		return false;
	}
}

/*
 * mx_port_packet_t's private #bytes, read as `#bytes in p ? p.#bytes : p` (packet.ts) would, running nothing of the
 * caller's: the private field's class check and name are learned, once a boot, from a genuine packet that
 * bindPacketSample kept ("packetSample"), as XS stores them (an XS_PRIVATE_KIND property: the class's check, then
 * its fields).
 */
static txSlot* brand_check;
static txID brand_id;

static bool learn_brand(xsMachine* the)
{
	xsResult = xsGet(xsFunction, xsID("packetSample"));
	if (xsResult.kind != XS_REFERENCE_KIND)
		return false;
	for (txSlot* p = xsResult.value.reference->next; p; p = p->next)
		if (p->kind == XS_PRIVATE_KIND)
			for (txSlot* field = p->value.private.first; field; field = field->next) {
				uint8_t* data;
				txInteger length;
				if (runtime_uint8_array(the, field, &data, &length, false)) {
					brand_check = p->value.private.check;
					brand_id = field->ID;
					return true;
				}
			}
	return false;
}

/* The packet argument's bytes; NULL when that cannot be told here (the slow path then decides). */
static txSlot* packet_bytes(xsMachine* the, txSlot* packet)
{
	if (packet->kind != XS_REFERENCE_KIND)
		return packet;
	if (!brand_check && !learn_brand(the))
		return NULL;
	txSlot* instance = packet->value.reference;
	if (instance->ID && the->aliasArray[instance->ID])
		instance = the->aliasArray[instance->ID];
	for (txSlot* p = instance->next; p; p = p->next)
		if (p->kind == XS_PRIVATE_KIND && p->value.private.check == brand_check) {
			for (txSlot* field = p->value.private.first; field; field = field->next)
				if (field->ID == brand_id)
					return field;
			return NULL;
		}
	return packet;
}

/* The data-plane port a live V2 port handle (WRITE) names, with size 0; NULL otherwise. */
static port_t* fast_port(txSlot* handle, txSlot* size)
{
	if (!dp_is_zero(size))
		return NULL;
	int index = dp_fast_object(handle, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
	return index < 0 ? NULL : &dp_ports[index];
}

/* mx_port_queue(handle, packet, size): a USER packet appended to a V2 port's prefix. */
void dp_port_queue_entry(xsMachine* the)
{
	port_t* p = fast_port(dp_arg(the, 0), dp_arg(the, 2));
	txSlot* bytes = p ? packet_bytes(the, dp_arg(the, 1)) : NULL;
	uint8_t *src, *entry;
	txInteger length;
	if (!bytes || !dp_port_plain(p) || p->count >= dp_packet_limit ||
	    !runtime_uint8_array(the, bytes, &src, &length, false) || length < PACKET_SIZE ||
	    !(entry = dp_port_append(p, 0))) {
		dp_slow_path(the, 3);
		return;
	}
	memcpy(entry, src, PACKET_SIZE);
	memset(entry + PACKET_TYPE_OFFSET, 0, 4); /* MX_PKT_TYPE_USER */
	xsResult = xsInteger(MX_OK);
}

/* A deadline argument's value (args.ts isU64 decides which are valid). */
static uint64_t u64_value(txSlot* slot)
{
	if (slot->kind == XS_INTEGER_KIND)
		return (uint64_t)slot->value.integer;
	if (slot->kind == XS_NUMBER_KIND)
		return (uint64_t)slot->value.number;
	const txBigInt* b = &slot->value.bigint;
	return b->size > 1 ? (uint64_t)b->data[1] << 32 | b->data[0] : b->data[0];
}

/*
 * mx_port_wait(handle, deadline, packet, size): the oldest prefix packet of a V2 port; on an empty one with
 * interrupts bound to it, the wait itself, asleep in here until an interrupt's packet arrives or the deadline passes.
 */
void dp_port_wait_entry(xsMachine* the)
{
	port_t* p = fast_port(dp_arg(the, 0), dp_arg(the, 3));
	txSlot* bytes = p && is_u64(dp_arg(the, 1)) ? packet_bytes(the, dp_arg(the, 2)) : NULL;
	uint8_t* dst;
	txInteger length;
	if (!bytes || !runtime_uint8_array(the, bytes, &dst, &length, true) || length < PACKET_SIZE) {
		dp_slow_path(the, 4);
		return;
	}
	if (!p->head) {
		int status = dp_port_plain(p) && dp_interrupt_bound_to(p) ? dp_interrupt_wait(p, u64_value(dp_arg(the, 1))) : 1;
		if (status != MX_OK) {
			if (status == 1)
				dp_slow_path(the, 4);
			else
				xsResult = xsInteger(status);
			return;
		}
	}
	memcpy(dst, pop_entry(p), PACKET_SIZE);
	xsResult = xsInteger(MX_OK);
}

/* (packetSample): a genuine mx_port_packet_t, kept on the port entries, that teaches them its private field. */
static void fx_bind_packet_sample(xsMachine* the)
{
	xsVars(1);
	xsVar(0) = xsGet(xsThis, xsID("mx_port_queue"));
	xsDefine(xsVar(0), xsID("packetSample"), xsArg(0), xsDontEnum | xsDontSet | xsDontDelete);
	xsVar(0) = xsGet(xsThis, xsID("mx_port_wait"));
	xsDefine(xsVar(0), xsID("packetSample"), xsArg(0), xsDontEnum | xsDontSet | xsDontDelete);
}

const runtime_function_t dp_port_functions[] = {
	{ "portCreate", fx_port_create, 1 },
	{ "portDestroy", fx_port_destroy, 1 },
	{ "portCount", fx_port_count, 1 },
	{ "portPop", fx_port_pop, 2 },
	{ "portCheck", fx_port_check, 1 },
	{ "bindPacketSample", fx_bind_packet_sample, 1 },
};
const size_t dp_port_function_count = sizeof(dp_port_functions) / sizeof(dp_port_functions[0]);
