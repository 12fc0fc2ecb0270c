/*
 * The data plane's handle tables, one per process: per slot a meta word (generation << 16 | state << 14 | rights),
 * the object's type, its data-plane object index, and pointers to the object's fields that say whether anything
 * waits through a handle to it (its tracker's observers, a port's waiters, a channel's call waiters): a handle that
 * arrives through a channel gets a new value and ends those waits, so the fast read may move it only while they are
 * all null. kernel/handle_table.ts keeps each slot's object beside it and explains the value encoding;
 * kernel/dataplane/dataplane.ts says what each function does.
 */
#include "dataplane.h"

#define SLOT_BITS 16
#define SLOT_MASK 0xffffu
#define MAX_SLOTS 0x10000
#define MAX_GEN 0x7fffu
#define STATE_SHIFT 14
#define RIGHTS_MASK 0x3fffu
#define STATE_MASK (3u << STATE_SHIFT)
#define LIVE (1u << STATE_SHIFT)
#define IN_TRANSIT (2u << STATE_SHIFT)
#define MX_RIGHT_TRANSFER (1u << 1)
#define OBJECTS 32 /* object indexes a slot can carry: PORTS and ENDPOINTS */

/* One process's handle table; its arrays grow from the C heap, by doubling, up to 65,536 slots. */
typedef struct {
	uint32_t* meta;
	uint8_t* type;
	int8_t* obj; /* data-plane object index plus one; 0: none */
	txSlot** watch; /* two per slot: fields that are null while nothing waits through a handle (or NULL) */
	uint32_t* next_free; /* next free slot plus one */
	uint32_t capacity, slots, used;
	uint32_t free_head, free_tail; /* slot plus one; 0: none */
} table_t;

static table_t tables[PROCESSES];

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
	return &tables[dp_int_arg(the, 0, PROCESSES)];
}

/* Process p's generations are p+1, p+1+PROCESSES, ... (dataplane.ts processOf says why). */
static uint32_t next_generation(uint32_t meta)
{
	uint32_t gen = meta >> SLOT_BITS;
	return (gen + PROCESSES > MAX_GEN ? ((gen - 1) & (PROCESSES - 1)) + 1 : gen + PROCESSES) << SLOT_BITS;
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

int dp_fast_object(txSlot* handle, uint32_t need, uint32_t type)
{
	if (dp_deadline_due())
		return -1;
	table_t* t = &tables[dp_current_process];
	txInteger r = lookup(t, handle_value(handle), need, type);
	return r < 0 ? -1 : t->obj[r & SLOT_MASK] - 1;
}

bool dp_handles_send(const uint32_t* values, unsigned n, int writer)
{
	table_t* t = &tables[dp_current_process];
	for (unsigned i = 0; i < n; i++) {
		txInteger r = lookup(t, (int32_t)values[i], MX_RIGHT_TRANSFER, 0);
		uint32_t slot = (uint32_t)r & SLOT_MASK;
		if (r < 0 || (t->type[slot] == MX_OBJ_TYPE_CHANNEL && t->obj[slot] - 1 == writer)) {
			while (i-- > 0)
				t->meta[values[i] & SLOT_MASK] ^= LIVE | IN_TRANSIT;
			return false;
		}
		t->meta[slot] ^= LIVE | IN_TRANSIT;
	}
	return true;
}

bool dp_handles_receive(uint32_t* values, unsigned n)
{
	table_t* t = &tables[dp_current_process];
	for (unsigned i = 0; i < n; i++) {
		uint32_t slot = values[i] & SLOT_MASK;
		txSlot** watch = &t->watch[2 * slot];
		if ((t->meta[slot] & ~RIGHTS_MASK) != ((values[i] & ~SLOT_MASK) | IN_TRANSIT) ||
		    (watch[0] && watch[0]->kind != XS_NULL_KIND) || (watch[1] && watch[1]->kind != XS_NULL_KIND))
			return false;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t slot = values[i] & SLOT_MASK;
		uint32_t gen = next_generation(t->meta[slot]);
		t->meta[slot] = gen | LIVE | (t->meta[slot] & RIGHTS_MASK);
		values[i] = gen | slot;
	}
	return true;
}

/* Grows one of a table's arrays to `n` elements of `size` bytes; false (the array unchanged) if memory is short. */
static bool grow(void* array, size_t n, size_t size)
{
	void* bigger = realloc(*(void**)array, n * size);
	if (bigger)
		*(void**)array = bigger;
	return bigger != NULL;
}

static bool table_grow(table_t* t)
{
	if (t->slots < t->capacity)
		return true;
	uint32_t n = t->capacity ? t->capacity * 2 : 16;
	/* What did grow is kept, and the capacity stays the old one until every array has grown. */
	if (n > MAX_SLOTS || !grow(&t->meta, n, sizeof *t->meta) || !grow(&t->type, n, sizeof *t->type) ||
	    !grow(&t->obj, n, sizeof *t->obj) || !grow(&t->next_free, n, sizeof *t->next_free) ||
	    !grow(&t->watch, 2 * n, sizeof *t->watch))
		return false;
	t->capacity = n;
	return true;
}

/* The fields of `object` that hold what waits through its handles: tracker.head, and waiters.head or callers.head. */
static void watch_fields(xsMachine* the, txSlot* object, txSlot** watch)
{
	txSlot* tracker = dp_own_field(the, object, "tracker");
	txSlot* queue = dp_own_field(the, object, "waiters");
	if (!queue)
		queue = dp_own_field(the, object, "callers");
	watch[0] = tracker && tracker->kind == XS_REFERENCE_KIND ? dp_own_field(the, tracker, "head") : NULL;
	watch[1] = queue ? dp_own_field(the, queue, "head") : NULL;
}

/* (proc, type, rights, obj, object) */
static void fx_handle_alloc(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t type = (uint32_t)dp_int_arg(the, 1, 256);
	uint32_t rights = rights_arg(the, 2);
	txSlot* obj_slot = mxArgv(3);
	int32_t obj = obj_slot->kind == XS_INTEGER_KIND && obj_slot->value.integer >= 0 && obj_slot->value.integer < OBJECTS
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
		gen = (uint32_t)(t - tables + 1) << SLOT_BITS;
	}
	t->used++;
	t->meta[slot] = gen | LIVE | rights;
	t->type[slot] = (uint8_t)type;
	t->obj[slot] = (int8_t)obj;
	t->next_free[slot] = 0;
	watch_fields(the, mxArgv(4), &t->watch[2 * slot]);
	xsResult = xsInteger((txInteger)(gen | slot));
}

/* (proc, value, need, type) */
static void fx_handle_get(xsMachine* the)
{
	table_t* t = table_arg(the);
	xsResult = xsInteger(lookup(t, handle_value(mxArgv(1)), rights_arg(the, 2), (uint32_t)dp_int_arg(the, 3, 256)));
}

/* (proc, slot) */
static void fx_handle_meta(xsMachine* the)
{
	table_t* t = table_arg(the);
	txInteger slot = dp_int_arg(the, 1, MAX_SLOTS);
	xsResult = xsInteger((uint32_t)slot < t->slots ? (txInteger)t->meta[slot] : 0);
}

/* (proc, slot, from, to) */
static void fx_handle_set_state(xsMachine* the)
{
	table_t* t = table_arg(the);
	uint32_t slot = (uint32_t)dp_int_arg(the, 1, MAX_SLOTS);
	uint32_t from = (uint32_t)dp_int_arg(the, 2, 3), to = (uint32_t)dp_int_arg(the, 3, 3);
	bool ok = slot < t->slots && (t->meta[slot] & STATE_MASK) == from << STATE_SHIFT;
	if (ok)
		t->meta[slot] = (t->meta[slot] & ~STATE_MASK) | (to << STATE_SHIFT);
	xsResult = xsBoolean(ok);
}

static uint32_t used_slot(xsMachine* the, table_t* t)
{
	uint32_t slot = (uint32_t)dp_int_arg(the, 1, MAX_SLOTS);
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
	t->watch[2 * slot] = t->watch[2 * slot + 1] = NULL;
	if (t->free_tail)
		t->next_free[t->free_tail - 1] = slot + 1;
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

const runtime_function_t dp_handle_functions[] = {
	{ "handleAlloc", fx_handle_alloc, 5 },
	{ "handleGet", fx_handle_get, 4 },
	{ "handleMeta", fx_handle_meta, 2 },
	{ "handleSetState", fx_handle_set_state, 4 },
	{ "handleRevalue", fx_handle_revalue, 3 },
	{ "handleRelease", fx_handle_release, 2 },
	{ "handleSlots", fx_handle_slots, 1 },
	{ "handleCount", fx_handle_count, 1 },
	{ "handleCheck", fx_handle_check, 1 },
};
const size_t dp_handle_function_count = sizeof(dp_handle_functions) / sizeof(dp_handle_functions[0]);
