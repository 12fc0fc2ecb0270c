/*
 * Release firmware carries no JavaScript parser: every module is bytecode compiled on the host. This fxParseScript
 * stands in for XS's so eval, new Function and similar fail the way an engine without a parser should, with a
 * SyntaxError, and the parser's ~100 KB of code is never linked. Debug builds define XS_WITH_PARSER and get XS's own.
 */
#ifndef XS_WITH_PARSER
#include "runtime.h"

txScript* fxParseScript(txMachine* the, void* stream, txGetter getter, txUnsigned flags)
{
	mxSyntaxError("this firmware has no parser: compile the code into it (manifest.json modules)");
	return C_NULL;
}
#endif
