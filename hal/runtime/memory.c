/*
 * XS chunk and slot allocation on the newlib heap, with the manifest's `creation.static` as a hard cap.
 *
 * Moddable's `static` is one fixed block for stack, slots and chunks; here it caps the sum of what XS has taken
 * from malloc, so a program that outgrows its budget fails with XS's "memory full" abort (abort.c prints which
 * creation value to raise) instead of silently eating the C heap. Each block carries its size in a small header so
 * frees can be accounted without help from malloc.
 *
 * A board may also have RAM the C heap cannot reach: a second region (board_extra_ram: the STM32F405's 64 KiB of
 * core-coupled RAM). Blocks that do not fit the C heap come from there, through a first-fit list. XS asks for few
 * blocks (it grows its heaps kilobytes at a time) and rarely frees one, so a linear walk is enough.
 */
#include <malloc.h>

#include "runtime.h"

typedef struct {
	uint32_t size;
	uint32_t kind; /* 0 chunks, 1 slots; EXTRA_BLOCK set when the block is in the extra region */
} block_header_t;

#define EXTRA_BLOCK 0x100u

/* The extra region is a sequence of spans, each a header followed by `size` bytes. */
typedef struct {
	uint32_t size;
	uint32_t free;
} span_t;

#define MIN_SPLIT 64u

static span_t* extra_start;
static span_t* extra_end;

static void extra_init(void)
{
	char* start;
	size_t size;
	board_extra_ram(&start, &size);
	if (!size)
		return;
	extra_start = (span_t*)(((uintptr_t)start + 7) & ~(uintptr_t)7);
	extra_end = (span_t*)(start + size);
	extra_start->size = (uint32_t)((char*)extra_end - (char*)(extra_start + 1));
	extra_start->free = 1;
}

static span_t* next_span(span_t* span)
{
	return (span_t*)((char*)(span + 1) + span->size);
}

static void* extra_alloc(size_t size)
{
	if (!extra_start)
		extra_init();
	size = (size + 7) & ~(size_t)7;
	for (span_t* span = extra_start; span && span < extra_end; span = next_span(span)) {
		if (!span->free || span->size < size)
			continue;
		if (span->size >= size + sizeof(span_t) + MIN_SPLIT) {
			span_t* rest = (span_t*)((char*)(span + 1) + size);
			rest->size = span->size - (uint32_t)size - sizeof(span_t);
			rest->free = 1;
			span->size = (uint32_t)size;
		}
		span->free = 0;
		return span + 1;
	}
	return C_NULL;
}

static void extra_free(void* memory)
{
	((span_t*)memory - 1)->free = 1;
	for (span_t* span = extra_start; span < extra_end; span = next_span(span))
		while (span->free && next_span(span) < extra_end && next_span(span)->free)
			span->size += sizeof(span_t) + next_span(span)->size;
}

static uint32_t used[2]; /* [0] chunks, [1] slots */
static uint32_t peak;
static bool uncapped;

/* The base heap generator (base.c) builds the shared root, which the program's budget is not meant for. */
void runtime_memory_uncap(void)
{
	uncapped = true;
}

static void* allocate(txMachine* the, size_t size, int kind)
{
	uint32_t limit = uncapped ? 0 : runtime_creation.staticSize;
	if (limit && used[0] + used[1] + size > limit)
		return C_NULL;
	block_header_t* block = c_malloc(sizeof(block_header_t) + size);
	uint32_t where = 0;
	if (!block) {
		block = extra_alloc(sizeof(block_header_t) + size);
		where = EXTRA_BLOCK;
	}
	if (!block)
		return C_NULL;
	block->size = size;
	block->kind = kind | where;
	used[kind] += size;
	if (used[0] + used[1] > peak)
		peak = used[0] + used[1];
	return block + 1;
}

static void release(void* memory)
{
	if (memory) {
		block_header_t* block = (block_header_t*)memory - 1;
		used[block->kind & 1] -= block->size;
		if (block->kind & EXTRA_BLOCK)
			extra_free(block);
		else
			c_free(block);
	}
}

void* fxAllocateChunks(txMachine* the, txSize size)
{
	return allocate(the, size, 0);
}

void fxFreeChunks(txMachine* the, void* chunks)
{
	release(chunks);
}

txSlot* fxAllocateSlots(txMachine* the, txSize count)
{
	return allocate(the, count * sizeof(txSlot), 1);
}

void fxFreeSlots(txMachine* the, void* slots)
{
	release(slots);
}

void runtime_memory_report(runtime_memory_t* out)
{
	extern char __heap_start__[], __heap_end__[];
	out->malloc_bytes = (uint32_t)mallinfo().uordblks;
	char* extra;
	size_t extra_size;
	board_extra_ram(&extra, &extra_size);
	out->room_bytes = (uint32_t)(__heap_end__ - __heap_start__ + extra_size);
	out->chunk_bytes = used[0];
	out->slot_bytes = used[1];
	out->peak_bytes = peak;
	out->limit_bytes = runtime_creation.staticSize;
}

extern char __stack_limit__[];

/* XS checks the C stack against this before deep recursion (the parser, JSON, regular expressions, calls). */
static char* c_stack_limit = __stack_limit__ + 2048;

/* The base heap generator runs on a stack of its own (base.c). */
void runtime_set_c_stack_limit(char* limit)
{
	c_stack_limit = limit + 2048;
}

char* fxCStackLimit(void)
{
	return c_stack_limit;
}
