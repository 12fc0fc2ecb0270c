/*
 * The engine's built-in property names and symbol descriptions as keys that point at its constant strings in
 * flash, rather than XS's default (xsPlatforms.c), which copies each of the ~460 names into the heap: about 9 KB of
 * chunks in the base heap, which also have to be built in RAM when it is generated.
 */
#include "runtime.h"

void fxBuildKeys(txMachine* the)
{
	int i;
	for (i = 0; i < XS_SYMBOL_ID_COUNT; i++) {
		txSlot* description = fxNewSlot(the);
		fxStringX(the, description, gxIDStrings[i]);
		the->keyArray[the->keyIndex++] = description;
	}
	for (; i < XS_ID_COUNT; i++)
		fxNewNameX(the, gxIDStrings[i]);
}
