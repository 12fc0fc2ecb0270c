/*
 * The data plane's channel endpoints: each endpoint's prefix of messages (up to 128 bytes and 4 handles, one block
 * each; kernel/channel.ts keeps the rest of the queue), its peer, and the channel syscall entries mx_channel_write
 * and mx_channel_read. A message's handles travel as in the control plane: in transit in the handle table while
 * queued (handles.c), given new values when read.
 *
 * An endpoint keeps pointers to the five fields of the control plane's objects that the entries read or write
 * (channelCreate). XS never moves a slot, and the endpoint is destroyed when its object's last handle goes, before
 * the object can be collected, so the pointers stay valid for exactly as long as they are used.
 */
#include "dataplane.h"

#define MESSAGE_BLOCKS 16       /* PREFIX_POOL_MESSAGES in dataplane.ts */
#define MESSAGE_BLOCK_SIZE 128  /* PREFIX_MESSAGE_BYTES */
#define MESSAGE_HANDLES 4       /* PREFIX_MESSAGE_HANDLES */

typedef struct {
	txSlot* signals;    /* tracker.signals: written */
	txSlot* count;      /* tracker.count (messages queued, prefix and suffix): written */
	txSlot* observers;  /* tracker.head: null when nobody observes the endpoint */
	txSlot* suffix;     /* the endpoint's own head: null when the control plane queues nothing behind the prefix */
	txSlot* callers;    /* callers.head: null when no mx_channel_call waits for a reply here */
	uint8_t peer;       /* endpoint plus one; 0: closed */
	uint8_t head, tail; /* message block plus one; 0: empty */
	uint8_t in_use;
	uint32_t prefix_count;
} endpoint_t;

static endpoint_t endpoints[ENDPOINTS];
static uint8_t blocks[MESSAGE_BLOCKS][MESSAGE_BLOCK_SIZE];
static uint8_t block_size[MESSAGE_BLOCKS]; /* a message's size less one: 1..128 bytes */
static uint8_t block_link[MESSAGE_BLOCKS];
static uint8_t block_nh[MESSAGE_BLOCKS];
static uint8_t block_writer[MESSAGE_BLOCKS]; /* the process that wrote it: its bytes count against that process */
static uint32_t block_handles[MESSAGE_BLOCKS][MESSAGE_HANDLES]; /* values as written (in transit) */
static uint32_t block_free, block_fresh; /* a free block plus one (0: take a fresh one); blocks never used */

static endpoint_t* endpoint_arg(xsMachine* the, int index)
{
	endpoint_t* e = &endpoints[dp_int_arg(the, index, ENDPOINTS)];
	if (!e->in_use)
		xsRangeError("dataplane: endpoint %d is free", (int)(e - endpoints));
	return e;
}

/* Fills `e` from channel endpoint object `d`; false if it lacks a field the fast paths need. */
static bool attach_endpoint(xsMachine* the, endpoint_t* e, txSlot* d)
{
	txSlot* tracker = dp_own_field(the, d, "tracker");
	txSlot* callers = dp_own_field(the, d, "callers");
	*e = (endpoint_t){
		.signals = tracker ? dp_own_field(the, tracker, "signals") : NULL,
		.count = tracker ? dp_own_field(the, tracker, "count") : NULL,
		.observers = tracker ? dp_own_field(the, tracker, "head") : NULL,
		.suffix = dp_own_field(the, d, "head"),
		.callers = callers ? dp_own_field(the, callers, "head") : NULL,
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
	dp_queued_bytes[block_writer[block]] -= block_size[block] + 1u;
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

/* The oldest prefix message's size | its handle count << 16 (a block). */
static txInteger head_shape(const endpoint_t* e)
{
	unsigned block = e->head - 1u;
	return (txInteger)(block_size[block] + 1u) | (txInteger)block_nh[block] << 16;
}

/* (endpoint): the oldest prefix message's size | its handle count << 16, or -1. */
static void fx_channel_peek(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	xsResult = xsInteger(e->head ? head_shape(e) : -1);
}

/* (endpoint, dst, handles): the oldest prefix message moved into the kernel's buffer dst and its handle values
 * (still in transit) into the kernel's array `handles`; its size | handle count << 16, or -1. */
static void fx_channel_pop(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	uint8_t* dst;
	txInteger length;
	if (!e->head) {
		xsResult = xsInteger(-1);
		return;
	}
	txInteger shape = head_shape(e);
	if (!runtime_uint8_array(the, mxArgv(1), &dst, &length, true) || length < (shape & 0xffff))
		xsTypeError("dataplane: channelPop needs room for the message");
	unsigned block = pop_message(e);
	memcpy(dst, blocks[block], (size_t)(shape & 0xffff));
	for (unsigned i = 0; i < block_nh[block]; i++)
		xsSetAt(xsArg(2), xsInteger((txInteger)i), xsInteger((txInteger)block_handles[block][i]));
	xsResult = xsInteger(shape);
}

/* (endpoint, out): the values of the handles travelling in the prefix into the kernel's array `out`; how many. */
static void fx_channel_handles(xsMachine* the)
{
	endpoint_t* e = endpoint_arg(the, 0);
	txInteger k = 0;
	for (unsigned b = e->head; b; b = block_link[b - 1])
		for (unsigned i = 0; i < block_nh[b - 1]; i++)
			xsSetAt(xsArg(1), xsInteger(k++), xsInteger((txInteger)block_handles[b - 1][i]));
	xsResult = xsInteger(k);
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

/* A handle count the fast paths take: an integer in 0..MESSAGE_HANDLES; -1 otherwise. */
static int32_t handle_count(txSlot* slot)
{
	return slot->kind == XS_INTEGER_KIND && slot->value.integer >= 0 && slot->value.integer <= MESSAGE_HANDLES
	           ? slot->value.integer
	           : -1;
}

/*
 * The first `n` elements of a caller's plain Array of at least `length` elements, as the control plane would reach
 * them (`src[i]` of an array that Array.isArray accepts, user_copy.ts): a genuine array, dense, whose first n
 * elements are data, not holes or accessors, and, to be written, writable. NULL for anything else, including
 * arrays preloaded into the base heap (XS copies those on their first change; the control plane does that).
 */
static txSlot* array_elements(txSlot* slot, txInteger length, unsigned n, bool writable)
{
	if (slot->kind != XS_REFERENCE_KIND || slot->value.reference->ID)
		return NULL;
	txSlot* array = slot->value.reference->next;
	if (!array || array->kind != XS_ARRAY_KIND || !(array->flag & XS_INTERNAL_FLAG))
		return NULL;
	txSlot* address = array->value.array.address;
	if (!address || length < 0 || array->value.array.length < (txIndex)length ||
	    ((txChunk*)((txByte*)address - sizeof(txChunk)))->size / sizeof(txSlot) != array->value.array.length)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		txSlot* element = address + i;
		if (element->kind == XS_ACCESSOR_KIND || element->kind == XS_UNINITIALIZED_KIND ||
		    (writable && (element->flag & XS_DONT_SET_FLAG)))
			return NULL;
	}
	return address;
}

/* The data-plane endpoint a live channel handle with `need` names; NULL otherwise. */
static endpoint_t* fast_endpoint(txSlot* handle, uint32_t need)
{
	int index = dp_fast_object(handle, need, MX_OBJ_TYPE_CHANNEL);
	return index < 0 ? NULL : &endpoints[index];
}

/* mx_channel_write(handle, options, bytes, num_bytes, handles, num_handles): to a plain peer. */
void dp_channel_write_entry(xsMachine* the)
{
	endpoint_t* e = dp_is_zero(dp_arg(the, 1)) ? fast_endpoint(dp_arg(the, 0), MX_RIGHT_WRITE) : NULL;
	endpoint_t* peer = e && e->peer ? &endpoints[e->peer - 1] : NULL;
	int32_t n = small_count(dp_arg(the, 3), MESSAGE_BLOCK_SIZE);
	int32_t nh = handle_count(dp_arg(the, 5));
	txSlot* elements = nh > 0 ? array_elements(dp_arg(the, 4), nh, (unsigned)nh, false) : NULL;
	uint32_t values[MESSAGE_HANDLES];
	for (int32_t i = 0; elements && i < nh; i++) {
		if (elements[i].kind != XS_INTEGER_KIND || elements[i].value.integer <= 0)
			elements = NULL;
		else
			values[i] = (uint32_t)elements[i].value.integer;
	}
	uint8_t* src;
	txInteger length;
	if (!peer || n < 0 || nh < 0 || (nh == 0 ? !is_nullish(dp_arg(the, 4)) : !elements) || peer->observers->kind != XS_NULL_KIND ||
	    peer->suffix->kind != XS_NULL_KIND || peer->callers->kind != XS_NULL_KIND ||
	    peer->count->kind != XS_INTEGER_KIND || peer->signals->kind != XS_INTEGER_KIND ||
	    (uint32_t)peer->count->value.integer >= dp_message_limit ||
	    (dp_current_process && dp_queued_bytes[dp_current_process] + (uint32_t)n > dp_queue_limit) ||
	    (!block_free && block_fresh >= MESSAGE_BLOCKS) || !runtime_uint8_array(the, dp_arg(the, 2), &src, &length, false) ||
	    length < n || (nh > 0 && !dp_handles_send(values, (unsigned)nh, (int)(e - endpoints)))) {
		dp_slow_path(the, 6);
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
	block_nh[block] = (uint8_t)nh;
	block_writer[block] = (uint8_t)dp_current_process;
	dp_queued_bytes[dp_current_process] += (uint32_t)n;
	memcpy(block_handles[block], values, (size_t)nh * sizeof(values[0]));
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
void dp_channel_read_entry(xsMachine* the)
{
	endpoint_t* e = fast_endpoint(dp_arg(the, 0), MX_RIGHT_READ);
	unsigned size = e && e->head ? block_size[e->head - 1] + 1u : 0;
	unsigned nh = size ? block_nh[e->head - 1] : 0;
	txSlot* capacity = dp_arg(the, 4);
	txSlot* room = dp_arg(the, 5);
	txSlot* elements = nh && room->kind == XS_INTEGER_KIND ? array_elements(dp_arg(the, 3), room->value.integer, nh, true) : NULL;
	uint32_t values[MESSAGE_HANDLES];
	if (nh)
		memcpy(values, block_handles[e->head - 1], nh * sizeof(values[0]));
	uint8_t* dst;
	txInteger length;
	if (!size || !dp_is_zero(dp_arg(the, 1)) || e->observers->kind != XS_NULL_KIND || e->count->kind != XS_INTEGER_KIND ||
	    e->signals->kind != XS_INTEGER_KIND || small_count(capacity, 0x7fffffff) < (int32_t)size ||
	    room->kind != XS_INTEGER_KIND || (nh && (room->value.integer < (txInteger)nh || !elements)) ||
	    !is_nullish(dp_arg(the, 6)) || !is_nullish(dp_arg(the, 7)) ||
	    !runtime_uint8_array(the, dp_arg(the, 2), &dst, &length, true) || length < small_count(capacity, 0x7fffffff) ||
	    (nh && !dp_handles_receive(values, nh))) {
		dp_slow_path(the, 8);
		return;
	}
	for (unsigned i = 0; i < nh; i++) {
		elements[i].kind = XS_INTEGER_KIND;
		elements[i].value.integer = (txInteger)values[i];
	}
	memcpy(dst, blocks[pop_message(e)], size);
	if (--e->count->value.integer == 0)
		e->signals->value.integer &= ~MX_CHANNEL_READABLE;
	xsResult = xsInteger(MX_OK);
}

const runtime_function_t dp_channel_functions[] = {
	{ "channelCreate", fx_channel_create, 2 },
	{ "channelDestroy", fx_channel_destroy, 1 },
	{ "channelCount", fx_channel_count, 1 },
	{ "channelPeek", fx_channel_peek, 1 },
	{ "channelPop", fx_channel_pop, 3 },
	{ "channelHandles", fx_channel_handles, 2 },
	{ "channelCheck", fx_channel_check, 1 },
};
const size_t dp_channel_function_count = sizeof(dp_channel_functions) / sizeof(dp_channel_functions[0]);
