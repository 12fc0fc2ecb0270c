/*
 * XS chunk and slot allocation on the newlib heap, with the manifest's `creation.static` as a hard cap.
 *
 * Moddable's `static` is one fixed block for stack, slots and chunks; here it caps the sum of what XS has taken
 * from malloc, so a program that outgrows its budget fails with XS's "memory full" abort (abort.c prints which
 * creation value to raise) instead of silently eating the C heap. Each block carries its size in a small header so
 * frees can be accounted without help from malloc.
 */
#include <malloc.h>

#include "runtime.h"

typedef struct {
	uint32_t size;
	uint32_t kind;
} block_header_t;

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
	if (!block)
		return C_NULL;
	block->size = size;
	block->kind = kind;
	used[kind] += size;
	if (used[0] + used[1] > peak)
		peak = used[0] + used[1];
	return block + 1;
}

static void release(void* memory)
{
	if (memory) {
		block_header_t* block = (block_header_t*)memory - 1;
		used[block->kind] -= block->size;
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
	out->malloc_bytes = (uint32_t)mallinfo().uordblks;
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
