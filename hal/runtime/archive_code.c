/*
 * Bytecode that stays in flash is run in place: a function made at run time by code of the base heap points into
 * the base heap's bytecode, and a string literal there is used where it is, instead of both being copied into RAM.
 *
 * XS compiles a nested function and a string literal into its enclosing code (XS_CODE_CODE_n, XS_CODE_STRING_n)
 * and, since that code may be freed, copies them into a new chunk each time they are evaluated: every closure a
 * kernel function makes costs a chunk and a memcpy of its bytecode, and every string literal evaluated costs a
 * chunk, all of it garbage to collect. The base heap's code is in flash for as long as the firmware runs, so its
 * copies are useless. XS already has the opcodes that skip them, for code it knows is permanent (Moddable rewrites a
 * mod's archive to them when it maps it): XS_CODE_CODE_ARCHIVE_n makes the function's code an external
 * (XS_CODE_X_KIND) pointer to the bytecode where it is, XS_CODE_STRING_ARCHIVE_n an external string
 * (XS_STRING_X_KIND). Same operands, same sizes: the generator rewrites the opcode bytes of every function of the
 * base heap, nested functions included, before the image is packed (base.c).
 *
 * Bytecode run from RAM (a program's modules, loaded per process into a buffer freed after their body ran) keeps the
 * copying opcodes: it is never rewritten.
 */
#include "runtime.h"

/* xsMemory.c's mark bit in a chunk's size (clear outside a collection; masked all the same). */
#define CHUNK_MARK 0x80000000u

/* The archive opcode that evaluates `op` in place, or `op` when it has none. */
static txU1 archived(txU1 op)
{
	switch (op) {
	case XS_CODE_CODE_1: return XS_CODE_CODE_ARCHIVE_1;
	case XS_CODE_CODE_2: return XS_CODE_CODE_ARCHIVE_2;
	case XS_CODE_CODE_4: return XS_CODE_CODE_ARCHIVE_4;
	case XS_CODE_STRING_1: return XS_CODE_STRING_ARCHIVE_1;
	case XS_CODE_STRING_2: return XS_CODE_STRING_ARCHIVE_2;
	case XS_CODE_STRING_4: return XS_CODE_STRING_ARCHIVE_4;
	default: return op;
	}
}

/* Little-endian operand of `size` bytes after the opcode at `p` (XS's mxDecode2/4 on a little-endian target). */
static txU4 operand(const txU1* p, int size)
{
	txU4 value = 0;
	for (int i = size; i > 0; i--)
		value = (value << 8) | p[i];
	return value;
}

/*
 * Rewrites the function whose bytecode fills the chunk at `code` (a function's code is copied into a chunk of its
 * own) and the functions nested in it, which lie inline after their XS_CODE_CODE_n. The walk is XS's own
 * (fxRemapIDs): an opcode's size from gxCodeSizes, a nested function's bytecode walked where it lies. It runs to the
 * chunk's end, since a function has an END wherever a return was (xsCode.c folds "branch to END" into END); the
 * chunk's alignment padding (at most 3 bytes) may decode as anything, and an opcode there that is none or would
 * reach past the end stops the walk. Rewriting a padding byte changes nothing that runs. Running it twice on the
 * same code (two functions that share it) changes nothing more: an archive opcode has the size of the one it
 * replaced.
 */
void runtime_archive_code(txByte* code)
{
	txU1* p = (txU1*)code;
	txU1* end = p + (((txChunk*)(code - sizeof(txChunk)))->size & ~CHUNK_MARK) - sizeof(txChunk);
	while (p < end) {
		txU1 op = *p;
		if (op >= XS_CODE_COUNT)
			return;
		txS1 size = gxCodeSizes[op];
		txU1* next;
		if (size > 0)
			next = p + size;
		else if (size == 0)
			next = p + 1 + sizeof(txID);
		else
			next = p + 1 + -size + operand(p, -size);
		if (next > end || next <= p)
			return;
		*p = archived(op);
		p = next;
	}
}
