/*
 * The data plane on the device: the kernel state every IPC operation touches, and the fast paths that run entirely
 * here (kernel/dataplane/dataplane.ts says what each function does and the rule for falling back; twin.ts is the
 * same thing in TypeScript for Node, and test/kernel/dataplane.spec.ts holds both to it).
 *
 * Kernel code, not board code: it knows XS and the runtime's check of a caller's byte buffer, nothing of a chip.
 * Its state is C's, in .bss and the C heap, so it is empty at every boot, also when the base heap was generated:
 * the kernel creates no handle and no port while it is preloaded, and tells the data plane its packet limit again
 * with every port it creates.
 *
 * Shaped for the interpreter's cost model: every function takes plain integers and is one host call; the fast paths
 * read their arguments' slots directly, run none of the caller's code, and either finish the syscall or change
 * nothing and answer FALLBACK. Empty lists are 0 and indexes are stored plus one, so zeroed memory is a valid state.
 */
#include "runtime.h"

#define FALLBACK 1
#define MX_OK 0
#define MX_ERR_BAD_HANDLE (-11)
#define MX_ERR_WRONG_TYPE (-12)
#define MX_ERR_ACCESS_DENIED (-30)
#define MX_OBJ_TYPE_CHANNEL 4
#define MX_OBJ_TYPE_IOPORT2 20
#define MX_RIGHT_READ (1u << 2)
#define MX_RIGHT_WRITE (1u << 3)
#define MX_CHANNEL_READABLE (1 << 0)
#define PACKET_SIZE 48
#define PACKET_TYPE_OFFSET 8

#define PROCESSES 8
#define SLOT_BITS 16
#define SLOT_MASK 0xffffu
#define MAX_SLOTS 0x10000
#define MAX_GEN 0x7fffu
#define STATE_SHIFT 14
#define RIGHTS_MASK 0x3fffu
#define STATE_MASK (3u << STATE_SHIFT)
#define LIVE (1u << STATE_SHIFT)

#define PORTS 64
#define POOL_PACKETS 64 /* PREFIX_POOL_PACKETS in dataplane.ts */
#define ENDPOINTS 64
#define MESSAGE_BLOCKS 32    /* PREFIX_POOL_MESSAGES */
#define MESSAGE_BLOCK_SIZE 128 /* PREFIX_MESSAGE_BYTES */

/* One process's handle table; its arrays grow from the C heap, by doubling, up to 65,536 slots. */
typedef struct {
	uint32_t* meta;
	uint8_t* type;
	int16_t* obj; /* data-plane object index plus one; 0: none */
	uint16_t* next_free;
	uint32_t capacity, slots, used;
	uint32_t free_head, free_tail; /* slot plus one; 0: none */
} table_t;

static table_t tables[PROCESSES];

typedef struct {
	uint8_t head, tail; /* pool entry plus one; 0: empty */
	uint8_t state;      /* 0 free, 1 in use, 2 in use and slow */
	uint8_t unused;
	uint32_t count;
} port_t;

static port_t ports[PORTS];
static uint8_t pool[POOL_PACKETS][PACKET_SIZE];
static uint8_t pool_link[POOL_PACKETS]; /* next entry plus one */
static uint32_t pool_free;              /* a free entry plus one; 0: take a fresh one */
static uint32_t pool_fresh;             /* entries never used start here */
static uint32_t packet_limit;

/*
 * A channel endpoint: its prefix of messages (bytes only, each in one block), its peer, and pointers to the five
 * fields of the control plane's objects that the fast paths read or write (channelCreate says which). XS never
 * moves a slot, and the endpoint is destroyed when its object's last handle goes, before the object can be
 * collected, so the pointers stay valid for exactly as long as they are used.
 */
typedef struct {
	txSlot* signals;   /* tracker.signals: written */
	txSlot* count;     /* tracker.count (messages queued, prefix and suffix): written */
	txSlot* observers; /* tracker.head: null when nobody observes the endpoint */
	txSlot* suffix;    /* the endpoint's own head: null when the control plane queues nothing behind the prefix */
	txSlot* callers;   /* callers.head: null when no mx_channel_call waits for a reply here */
	uint8_t peer;      /* endpoint plus one; 0: closed */
	uint8_t head, tail; /* message block plus one; 0: empty */
	uint8_t in_use;
	uint32_t prefix_count;
} endpoint_t;

static endpoint_t endpoints[ENDPOINTS];
static uint8_t blocks[MESSAGE_BLOCKS][MESSAGE_BLOCK_SIZE];
static uint8_t block_size[MESSAGE_BLOCKS]; /* a message's size less one: 1..128 bytes */
static uint8_t block_link[MESSAGE_BLOCKS];
static uint32_t block_free, block_fresh; /* as pool_free, pool_fresh */
static uint32_t message_limit;

/* Integer arguments the kernel itself passes (never a caller's value): anything else is a kernel bug. */
static txInteger int_arg(xsMachine* the, int index, txInteger limit)
{
	txSlot* slot = mxArgv(index);
	if (slot->kind != XS_INTEGER_KIND || slot->value.integer < 0 || slot->value.integer >= limit)
		xsRangeError("dataplane: argument %d", index);
	return slot->value.integer;
}

/* Rights masks: any integer, its low 14 bits (MX_RIGHT_SAME_RIGHTS and other high bits are never stored). */
static uint32_t rights_arg(xsMachine* the, int index)
{
	txSlot* slot = mxArgv(index);
	if (slot->kind != XS_INTEGER_KIND)
		xsRangeError("dataplane: argument %d", index);
	return (uint32_t)slot->value.integer & RIGHTS_MASK;
}

static table_t* table_arg(xsMachine* the)
{
	return &tables[int_arg(the, 0, PROCESSES)];
}

static port_t* port_arg(xsMachine* the)
{
	port_t* p = &ports[int_arg(the, 0, PORTS)];
	if (!p->state)
		xsRangeError("dataplane: port %d is free", (int)(p - ports));
	return p;
}

static uint32_t next_generation(uint32_t meta)
{
	uint32_t gen = meta >> SLOT_BITS;
	return (gen == MAX_GEN ? 1 : gen + 1) << SLOT_BITS;
}

/* A handle value as the control plane accepts one: a positive int32 number (0 otherwise). */
static int32_t handle_value(txSlot* slot)
{
	if (slot->kind == XS_INTEGER_KIND)
		return slot->value.integer > 0 ? slot->value.integer : 0;
	if (slot->kind == XS_NUMBER_KIND && slot->value.number > 0 && slot->value.number <= 0x7fffffff &&
	    slot->value.number == (txInteger)slot->value.number)
		return (txInteger)slot->value.number;
	return 0;
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

/* Strictly 0 (the JavaScript `size === 0`). */
static bool is_zero(txSlot* slot)
{
	return (slot->kind == XS_INTEGER_KIND && slot->value.integer == 0) ||
	       (slot->kind == XS_NUMBER_KIND && slot->value.number == 0);
}

/* The lookup: rights << 16 | slot, or a status. */
static txInteger lookup(table_t* t, int32_t value, uint32_t need, uint32_t type)
{
	if (value <= 0)
		return MX_ERR_BAD_HANDLE;
	uint32_t slot = (uint32_t)value & SLOT_MASK;
	uint32_t meta = slot < t->slots ? t->meta[slot] : 0;
	if ((meta & ~RIGHTS_MASK) != (((uint32_t)value & ~SLOT_MASK) | LIVE))
		return MX_ERR_BAD_HANDLE;
	if ((meta & need) != need)
		return MX_ERR_ACCESS_DENIED;
	if (type && t->type[slot] != type)
		return MX_ERR_WRONG_TYPE;
	return (txInteger)(((meta & RIGHTS_MASK) << SLOT_BITS) | slot);
}

static bool table_grow(table_t* t)
{
	if (t->slots < t->capacity)
		return true;
	uint32_t n = t->capacity ? t->capacity * 2 : 16;
	if (n > MAX_SLOTS)
		return false;
	uint32_t* meta = realloc(t->meta, n * sizeof *meta);
	if (meta)
		t->meta = meta;
	uint8_t* type = realloc(t->type, n * sizeof *type);
	if (type)
		t->type = type;
	int16_t* obj = realloc(t->obj, n * sizeof *obj);
	if (obj)
		t->obj = obj;
	uint16_t* next_free = realloc(t->next_free, n * sizeof *next_free);
	if (next_free)
		t->next_free = next_free;
	if (!meta || !type || !obj || !next_free)
		return false; /* what did grow is kept; the capacity is the old one */
	t->capacity = n;
	return true;
}

/* (proc, type, rights, obj) */
static void fx_handle_alloc(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t type = (uint32_t)int_arg(the, 1, 256);
	uint32_t rights = rights_arg(the, 2);
	txSlot* obj_slot = mxArgv(3);
	int32_t obj = obj_slot->kind == XS_INTEGER_KIND && obj_slot->value.integer >= 0 && obj_slot->value.integer < PORTS
	                  ? obj_slot->value.integer + 1
	                  : 0;
	uint32_t slot, gen;
	if (t->free_head) {
		slot = t->free_head - 1;
		t->free_head = t->next_free[slot];
		if (!t->free_head)
			t->free_tail = 0;
		gen = t->meta[slot] & ~(STATE_MASK | RIGHTS_MASK);
	} else {
		if (!table_grow(t)) {
			xsResult = xsInteger(0);
			return;
		}
		slot = t->slots++;
		gen = 1u << SLOT_BITS;
	}
	t->used++;
	t->meta[slot] = gen | LIVE | rights;
	t->type[slot] = (uint8_t)type;
	t->obj[slot] = (int16_t)obj;
	t->next_free[slot] = 0;
	xsResult = xsInteger((txInteger)(gen | slot));
}

/* (proc, value, need, type) */
static void fx_handle_get(xsMachine* the)
{
	table_t* t = table_arg(the);
	xsResult = xsInteger(lookup(t, handle_value(mxArgv(1)), rights_arg(the, 2), (uint32_t)int_arg(the, 3, 256)));
}

/* (proc, slot) */
static void fx_handle_meta(xsMachine* the)
{
	table_t* t = table_arg(the);
	txInteger slot = int_arg(the, 1, MAX_SLOTS);
	xsResult = xsInteger((uint32_t)slot < t->slots ? (txInteger)t->meta[slot] : 0);
}

/* (proc, slot, from, to) */
static void fx_handle_set_state(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t slot = (uint32_t)int_arg(the, 1, MAX_SLOTS);
	uint32_t from = (uint32_t)int_arg(the, 2, 3), to = (uint32_t)int_arg(the, 3, 3);
	bool ok = slot < t->slots && (t->meta[slot] & STATE_MASK) == from << STATE_SHIFT;
	if (ok)
		t->meta[slot] = (t->meta[slot] & ~STATE_MASK) | (to << STATE_SHIFT);
	xsResult = xsBoolean(ok);
}

static uint32_t used_slot(xsMachine* the, table_t* t)
{
	uint32_t slot = (uint32_t)int_arg(the, 1, MAX_SLOTS);
	if (slot >= t->slots || !(t->meta[slot] & STATE_MASK))
		xsRangeError("dataplane: handle slot %d is free", (int)slot);
	return slot;
}

/* (proc, slot, rights) */
static void fx_handle_revalue(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t slot = used_slot(the, t);
	uint32_t gen = next_generation(t->meta[slot]);
	t->meta[slot] = gen | LIVE | rights_arg(the, 2);
	xsResult = xsInteger((txInteger)(gen | slot));
}

/* (proc, slot) */
static void fx_handle_release(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t slot = used_slot(the, t);
	t->meta[slot] = next_generation(t->meta[slot]);
	t->type[slot] = 0;
	t->obj[slot] = 0;
	t->next_free[slot] = 0;
	if (t->free_tail)
		t->next_free[t->free_tail - 1] = (uint16_t)(slot + 1);
	else
		t->free_head = slot + 1;
	t->free_tail = slot + 1;
	t->used--;
}

static void fx_handle_slots(xsMachine* the)
{
	xsResult = xsInteger((txInteger)table_arg(the)->slots);
}

static void fx_handle_count(xsMachine* the)
{
	xsResult = xsInteger((txInteger)table_arg(the)->used);
}

static void fx_handle_check(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t in_use = 0, free = 0;
	for (uint32_t slot = 0; slot < t->slots; slot++) {
		uint32_t state = (t->meta[slot] & STATE_MASK) >> STATE_SHIFT;
		if (state == 3) {
			xsResult = xsString("handle table: a slot in state 3");
			return;
		}
		in_use += state != 0;
	}
	if (in_use != t->used) {
		xsResult = xsString("handle table: the count in use disagrees with the slots");
		return;
	}
	for (uint32_t slot = t->free_head; slot && free <= t->slots; slot = t->next_free[slot - 1]) {
		if (t->meta[slot - 1] & STATE_MASK) {
			xsResult = xsString("handle table: a slot on the free list is in use");
			return;
		}
		free++;
	}
	xsResult = xsString(free == t->slots - t->used ? "" : "handle table: the free list disagrees with the slots");
}

static void fx_port_create(xsMachine* the)
{
	txInteger index = -1;
	for (unsigned i = 0; i < PORTS; i++)
		if (!ports[i].state) {
			ports[i] = (port_t){ .state = 1 };
			index = (txInteger)i;
			break;
		}
	xsResult = xsInteger(index);
}

static unsigned pop_entry(port_t* p)
{
	unsigned e = p->head - 1u;
	p->head = pool_link[e];
	if (!p->head)
		p->tail = 0;
	p->count--;
	pool_link[e] = (uint8_t)pool_free;
	pool_free = e + 1;
	return e;
}

static void fx_port_destroy(xsMachine* the)
{
	port_t* p = port_arg(the);
	while (p->head)
		pop_entry(p);
	p->state = 0;
}

/* (maxPacketsPerPort, maxMessagesPerChannel) */
static void fx_set_limits(xsMachine* the)
{
	packet_limit = (uint32_t)int_arg(the, 0, 0x7fffffff);
	message_limit = (uint32_t)int_arg(the, 1, 0x7fffffff);
}

static void fx_port_set_slow(xsMachine* the)
{
	port_t* p = port_arg(the);
	p->state = xsToBoolean(xsArg(1)) ? 2 : 1;
}

static void fx_port_count(xsMachine* the)
{
	xsResult = xsInteger((txInteger)port_arg(the)->count);
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
		memcpy(dst, pool[pop_entry(p)], PACKET_SIZE);
	xsResult = xsBoolean(popped);
}

static void fx_port_check(xsMachine* the)
{
	port_t* p = port_arg(the);
	unsigned n = 0, last = 0;
	for (unsigned e = p->head; e; last = e, e = pool_link[e - 1])
		if (++n > POOL_PACKETS) {
			xsResult = xsString("its prefix does not end");
			return;
		}
	xsResult = xsString(n != p->count   ? "its prefix count disagrees with its packets"
	                    : last != p->tail ? "its prefix's tail is not its last packet"
	                                      : "");
}

/* An own data property of `object` (a JavaScript object reference) named `name`, or NULL. */
static txSlot* own_field(xsMachine* the, txSlot* object, const char* name)
{
	if (object->kind != XS_REFERENCE_KIND)
		return NULL;
	txID id = xsID(name);
	for (txSlot* p = object->value.reference->next; p; p = p->next)
		if (p->ID == id && !(p->flag & XS_INTERNAL_FLAG) && p->kind != XS_ACCESSOR_KIND)
			return p;
	return NULL;
}

static endpoint_t* endpoint_arg(xsMachine* the, int index)
{
	endpoint_t* e = &endpoints[int_arg(the, index, ENDPOINTS)];
	if (!e->in_use)
		xsRangeError("dataplane: endpoint %d is free", (int)(e - endpoints));
	return e;
}

/* Fills `e` from channel endpoint object `d`; false if it lacks a field the fast paths need. */
static bool attach_endpoint(xsMachine* the, endpoint_t* e, txSlot* d)
{
	txSlot* tracker = own_field(the, d, "tracker");
	txSlot* callers = own_field(the, d, "callers");
	*e = (endpoint_t){
		.signals = tracker ? own_field(the, tracker, "signals") : NULL,
		.count = tracker ? own_field(the, tracker, "count") : NULL,
		.observers = tracker ? own_field(the, tracker, "head") : NULL,
		.suffix = own_field(the, d, "head"),
		.callers = callers ? own_field(the, callers, "head") : NULL,
		.in_use = 1,
	};
	return e->signals && e->signals->kind == XS_INTEGER_KIND && e->count && e->count->kind == XS_INTEGER_KIND &&
	       e->observers && e->suffix && e->callers;
}

/* (a, b): two connected channel endpoint objects; a's index | b's index << 8, or -1 if none are left. */
static void fx_channel_create(xsMachine* the)
{
	int a = -1, b = -1;
	for (int i = 0; i < ENDPOINTS && b < 0; i++)
		if (!endpoints[i].in_use) {
			if (a < 0)
				a = i;
			else
				b = i;
		}
	if (b < 0 || !attach_endpoint(the, &endpoints[a], mxArgv(0)) || !attach_endpoint(the, &endpoints[b], mxArgv(1))) {
		if (a >= 0)
			endpoints[a].in_use = 0;
		xsResult = xsInteger(-1);
		return;
	}
	endpoints[a].peer = (uint8_t)(b + 1);
	endpoints[b].peer = (uint8_t)(a + 1);
	xsResult = xsInteger(a | b << 8);
}

static unsigned pop_message(endpoint_t* e)
{
	unsigned block = e->head - 1u;
	e->head = block_link[block];
	if (!e->head)
		e->tail = 0;
	e->prefix_count--;
	block_link[block] = (uint8_t)block_free;
	block_free = block + 1;
	return block;
}

/* (endpoint): its prefix dropped, its peer told it is gone (the control plane has emptied it first). */
static void fx_channel_destroy(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	while (e->head)
		pop_message(e);
	if (e->peer)
		endpoints[e->peer - 1].peer = 0;
	*e = (endpoint_t){ 0 };
}

static void fx_channel_count(xsMachine* the)
{
	xsResult = xsInteger((txInteger)endpoint_arg(the, 0)->prefix_count);
}

/* (endpoint): the size of the oldest prefix message, or -1. */
static void fx_channel_peek(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	xsResult = xsInteger(e->head ? block_size[e->head - 1] + 1 : -1);
}

/* (endpoint, dst): the oldest prefix message moved into the kernel's buffer dst; its size, or -1. */
static void fx_channel_pop(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	uint8_t* dst;
	txInteger length;
	if (!e->head) {
		xsResult = xsInteger(-1);
		return;
	}
	unsigned size = block_size[e->head - 1] + 1u;
	if (!runtime_uint8_array(the, mxArgv(1), &dst, &length, true) || length < (txInteger)size)
		xsTypeError("dataplane: channelPop needs room for the message");
	memcpy(dst, blocks[pop_message(e)], size);
	xsResult = xsInteger((txInteger)size);
}

static void fx_channel_check(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	unsigned n = 0, last = 0;
	for (unsigned b = e->head; b; last = b, b = block_link[b - 1])
		if (++n > MESSAGE_BLOCKS) {
			xsResult = xsString("its prefix does not end");
			return;
		}
	xsResult = xsString(n != e->prefix_count                        ? "its prefix count disagrees with its messages"
	                    : last != e->tail                           ? "its prefix's tail is not its last message"
	                    : e->peer && endpoints[e->peer - 1].peer != (uint8_t)(e - endpoints + 1) ? "its peer is not linked back"
	                                                                : "");
}

/*
 * The syscall entries. mx_port_queue and mx_port_wait are these host functions themselves, so a program's call
 * enters compiled code directly; whatever is not plain goes on, with the same arguments, to the control plane's
 * implementation of the syscall, which bindSlowPaths kept on each function (property "slowPath": calling it directly
 * is calling the same syscall, so it needs no hiding). They run in the current process: 0 until processes exist.
 */
static uint32_t current_process;
static bool kernel_work; /* deadlines armed: the control plane serves them at every syscall's entry */
static txSlot undefined_slot; /* kind 0: XS_UNDEFINED_KIND */

static txSlot* arg(xsMachine* the, int index)
{
	return index < mxArgc ? mxArgv(index) : &undefined_slot;
}

/*
 * mx_port_packet_t's private #bytes, read as `#bytes in p ? p.#bytes : p` (packet.ts) would, running nothing of the
 * caller's: the private field's class check and name are learned, once a boot, from a genuine packet bindSlowPaths
 * kept ("packetSample"), as XS stores them (an XS_PRIVATE_KIND property: the class's check, then its fields).
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
	if (kernel_work || !is_zero(size))
		return NULL;
	table_t* t = &tables[current_process];
	txInteger r = lookup(t, handle_value(handle), MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
	if (r < 0)
		return NULL;
	int16_t obj = t->obj[r & SLOT_MASK];
	return obj ? &ports[obj - 1] : NULL;
}

/* Hands the call, its `argc` arguments unchanged (missing ones undefined), to the entry's slowPath. */
static void slow_path(xsMachine* the, int argc)
{
	static txID slow_path_id;
	if (!slow_path_id)
		slow_path_id = xsID("slowPath");
	xsVars(1);
	xsVar(0) = xsGet(xsFunction, slow_path_id);
	xsOverflow(-XS_FRAME_COUNT - argc);
	fxPush(xsUndefined);
	fxPush(xsVar(0));
	fxCall(the);
	for (int i = 0; i < argc; i++)
		fxPush(*arg(the, i));
	fxRunCount(the, argc);
	xsResult = fxPop();
}

/* mx_port_queue(handle, packet, size): a USER packet appended to a V2 port's prefix. */
static void fx_mx_port_queue(xsMachine* the)
{
	port_t* p = fast_port(arg(the, 0), arg(the, 2));
	txSlot* bytes = p ? packet_bytes(the, arg(the, 1)) : NULL;
	uint8_t* src;
	txInteger length;
	if (!bytes || p->state != 1 || p->count >= packet_limit || (!pool_free && pool_fresh >= POOL_PACKETS) ||
	    !runtime_uint8_array(the, bytes, &src, &length, false) || length < PACKET_SIZE) {
		slow_path(the, 3);
		return;
	}
	unsigned e;
	if (pool_free) {
		e = pool_free - 1;
		pool_free = pool_link[e];
	} else {
		e = pool_fresh++;
	}
	memcpy(pool[e], src, PACKET_SIZE);
	memset(pool[e] + PACKET_TYPE_OFFSET, 0, 4); /* MX_PKT_TYPE_USER */
	pool_link[e] = 0;
	if (p->tail)
		pool_link[p->tail - 1] = (uint8_t)(e + 1);
	else
		p->head = (uint8_t)(e + 1);
	p->tail = (uint8_t)(e + 1);
	p->count++;
	xsResult = xsInteger(MX_OK);
}

/* mx_port_wait(handle, deadline, packet, size): the oldest prefix packet of a V2 port. */
static void fx_mx_port_wait(xsMachine* the)
{
	port_t* p = fast_port(arg(the, 0), arg(the, 3));
	txSlot* bytes = p && p->head && is_u64(arg(the, 1)) ? packet_bytes(the, arg(the, 2)) : NULL;
	uint8_t* dst;
	txInteger length;
	if (!bytes || !runtime_uint8_array(the, bytes, &dst, &length, true) || length < PACKET_SIZE) {
		slow_path(the, 4);
		return;
	}
	memcpy(dst, pool[pop_entry(p)], PACKET_SIZE);
	xsResult = xsInteger(MX_OK);
}

/* A strictly-0 options word, a count in 1..limit, or an integer: the argument kinds the fast paths take as they are. */
static int32_t small_count(txSlot* slot, int32_t limit)
{
	if (slot->kind == XS_INTEGER_KIND)
		return slot->value.integer >= 1 && slot->value.integer <= limit ? slot->value.integer : -1;
	if (slot->kind == XS_NUMBER_KIND && slot->value.number >= 1 && slot->value.number <= limit &&
	    slot->value.number == (int32_t)slot->value.number)
		return (int32_t)slot->value.number;
	return -1;
}

static bool is_nullish(txSlot* slot)
{
	return slot->kind == XS_UNDEFINED_KIND || slot->kind == XS_NULL_KIND;
}

/* The data-plane endpoint a live channel handle with `need` names; NULL otherwise. */
static endpoint_t* fast_endpoint(txSlot* handle, uint32_t need)
{
	if (kernel_work)
		return NULL;
	table_t* t = &tables[current_process];
	txInteger r = lookup(t, handle_value(handle), need, MX_OBJ_TYPE_CHANNEL);
	if (r < 0)
		return NULL;
	int16_t obj = t->obj[r & SLOT_MASK];
	return obj ? &endpoints[obj - 1] : NULL;
}

/* mx_channel_write(handle, options, bytes, num_bytes, handles, num_handles): bytes only, to an unobserved peer. */
static void fx_mx_channel_write(xsMachine* the)
{
	endpoint_t* e = is_zero(arg(the, 1)) ? fast_endpoint(arg(the, 0), MX_RIGHT_WRITE) : NULL;
	endpoint_t* peer = e && e->peer ? &endpoints[e->peer - 1] : NULL;
	int32_t n = small_count(arg(the, 3), MESSAGE_BLOCK_SIZE);
	uint8_t* src;
	txInteger length;
	if (!peer || n < 0 || !is_zero(arg(the, 5)) || !is_nullish(arg(the, 4)) || peer->observers->kind != XS_NULL_KIND ||
	    peer->suffix->kind != XS_NULL_KIND || peer->callers->kind != XS_NULL_KIND ||
	    peer->count->kind != XS_INTEGER_KIND || peer->signals->kind != XS_INTEGER_KIND ||
	    (uint32_t)peer->count->value.integer >= message_limit ||
	    (!block_free && block_fresh >= MESSAGE_BLOCKS) || !runtime_uint8_array(the, arg(the, 2), &src, &length, false) ||
	    length < n) {
		slow_path(the, 6);
		return;
	}
	unsigned block;
	if (block_free) {
		block = block_free - 1;
		block_free = block_link[block];
	} else {
		block = block_fresh++;
	}
	memcpy(blocks[block], src, (size_t)n);
	block_size[block] = (uint8_t)(n - 1); /* 1..128 stored as 0..127 */
	block_link[block] = 0;
	if (peer->tail)
		block_link[peer->tail - 1] = (uint8_t)(block + 1);
	else
		peer->head = (uint8_t)(block + 1);
	peer->tail = (uint8_t)(block + 1);
	peer->prefix_count++;
	peer->count->value.integer++;
	peer->signals->value.integer |= MX_CHANNEL_READABLE;
	xsResult = xsInteger(MX_OK);
}

/* mx_channel_read(handle, options, bytes, handles, num_bytes, num_handles, actual_bytes, actual_handles). */
static void fx_mx_channel_read(xsMachine* the)
{
	endpoint_t* e = fast_endpoint(arg(the, 0), MX_RIGHT_READ);
	unsigned size = e && e->head ? block_size[e->head - 1] + 1u : 0;
	txSlot* capacity = arg(the, 4);
	uint8_t* dst;
	txInteger length;
	if (!size || !is_zero(arg(the, 1)) || e->observers->kind != XS_NULL_KIND || e->count->kind != XS_INTEGER_KIND ||
	    e->signals->kind != XS_INTEGER_KIND ||
	    small_count(capacity, 0x7fffffff) < (int32_t)size || arg(the, 5)->kind != XS_INTEGER_KIND ||
	    !is_nullish(arg(the, 6)) || !is_nullish(arg(the, 7)) ||
	    !runtime_uint8_array(the, arg(the, 2), &dst, &length, true) || length < small_count(capacity, 0x7fffffff)) {
		slow_path(the, 8);
		return;
	}
	memcpy(dst, blocks[pop_message(e)], size);
	if (--e->count->value.integer == 0)
		e->signals->value.integer &= ~MX_CHANNEL_READABLE;
	xsResult = xsInteger(MX_OK);
}

/* (name, slowPath): the control plane's implementation of entry `name`, kept on it, once, while the kernel is
 * preloaded. */
static void fx_bind_slow_path(xsMachine* the)
{
	xsVars(1);
	xsVar(0) = xsGet(xsThis, xsToID(xsArg(0)));
	xsDefine(xsVar(0), xsID("slowPath"), xsArg(1), xsDontEnum | xsDontSet | xsDontDelete);
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

static void fx_set_kernel_work(xsMachine* the)
{
	kernel_work = xsToBoolean(xsArg(0));
}

static void install(xsMachine* the)
{
	static const runtime_function_t functions[] = {
		{ "handleAlloc", fx_handle_alloc, 4 },
		{ "handleGet", fx_handle_get, 4 },
		{ "handleMeta", fx_handle_meta, 2 },
		{ "handleSetState", fx_handle_set_state, 4 },
		{ "handleRevalue", fx_handle_revalue, 3 },
		{ "handleRelease", fx_handle_release, 2 },
		{ "handleSlots", fx_handle_slots, 1 },
		{ "handleCount", fx_handle_count, 1 },
		{ "handleCheck", fx_handle_check, 1 },
		{ "portCreate", fx_port_create, 0 },
		{ "portDestroy", fx_port_destroy, 1 },
		{ "setLimits", fx_set_limits, 2 },
		{ "portSetSlow", fx_port_set_slow, 2 },
		{ "portCount", fx_port_count, 1 },
		{ "portPop", fx_port_pop, 2 },
		{ "portCheck", fx_port_check, 1 },
		{ "mx_port_queue", fx_mx_port_queue, 3 },
		{ "mx_port_wait", fx_mx_port_wait, 4 },
		{ "mx_channel_write", fx_mx_channel_write, 6 },
		{ "mx_channel_read", fx_mx_channel_read, 8 },
		{ "bindSlowPath", fx_bind_slow_path, 2 },
		{ "bindPacketSample", fx_bind_packet_sample, 1 },
		{ "channelCreate", fx_channel_create, 2 },
		{ "channelDestroy", fx_channel_destroy, 1 },
		{ "channelCount", fx_channel_count, 1 },
		{ "channelPeek", fx_channel_peek, 1 },
		{ "channelPop", fx_channel_pop, 2 },
		{ "channelCheck", fx_channel_check, 1 },
		{ "setKernelWork", fx_set_kernel_work, 1 },
	};
	xsVars(1);
	xsVar(0) = xsNewObject();
	runtime_define_functions(the, &xsVar(0), functions, sizeof(functions) / sizeof(functions[0]));
	xsDefine(xsGlobal, xsID("dataplane"), xsVar(0), xsDontEnum);
}

RUNTIME_NATIVES(install);
