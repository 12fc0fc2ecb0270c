/*
 * Fatal errors and engine reports: fxAbort prints a reason a person can act on, then ends the program with a
 * defined exit status (EXIT_ABORT_BASE + XS's status; README "Exit status").
 *
 * Moddable users' most common complaint is an out-of-memory abort with no hint, so "memory full" and "not enough
 * keys" name the manifest `creation` field to raise and show what was in use. Stack overflow is not fatal: it is
 * thrown as a RangeError, which aborts only if nothing catches it. For an uncaught
 * exception or rejection, the value and its JavaScript stack are printed when the machine can still run code.
 */
#include "hal.h"
#include "runtime.h"

void runtime_print(const char* text)
{
	if (hal_generating_base_heap())
		hal_host_print(text);
	else
		board_console_write(text, c_strlen(text));
}

/* newlib-nano's printf has no 64-bit conversions, and instruction counts outgrow 32 bits. */
void runtime_print_int(const char* label, long long value)
{
	char buffer[24];
	char* p = buffer + sizeof(buffer);
	unsigned long long magnitude = value < 0 ? -(unsigned long long)value : (unsigned long long)value;
	*--p = 0;
	do
		*--p = (char)('0' + magnitude % 10);
	while (magnitude /= 10);
	if (value < 0)
		*--p = '-';
	runtime_print(label);
	runtime_print(p);
}

static void print_memory(txMachine* the)
{
	runtime_memory_t memory;
	runtime_memory_report(&memory);
	runtime_print_int("    XS heap in use: chunks ", memory.chunk_bytes);
	runtime_print_int(" B, slots ", memory.slot_bytes);
	runtime_print_int(" B, peak ", memory.peak_bytes);
	if (memory.limit_bytes)
		runtime_print_int(" B, creation.static ", memory.limit_bytes);
	runtime_print(" B\n");
}

static void print_exception(txMachine* the)
{
	static bool printing;
	if (printing)
		return;
	printing = true;
	xsBeginHost(the);
	{
		xsVars(1);
		xsTry {
			/* An Error's stack starts with "Name: message"; anything else is shown as its string value. */
			xsVar(0) = mxException;
			if (xsIsInstanceOf(xsVar(0), xsErrorPrototype) && xsTest(xsGet(xsVar(0), xsID("stack"))))
				xsVar(0) = xsGet(xsVar(0), xsID("stack"));
			runtime_print("    ");
			runtime_print(xsToString(xsVar(0)));
			runtime_print("\n");
		}
		xsCatch {
			runtime_print("    (the exception could not be converted to a string)\n");
		}
	}
	xsEndHost(the);
	printing = false;
}

void fxAbort(txMachine* the, int status)
{
	/* Running out of JavaScript or C stack is recoverable: unwind with a RangeError the program can catch, as Node
	 * does ("Maximum call stack size exceeded"). It becomes an abort only if nothing catches it. */
	if (status == XS_STACK_OVERFLOW_EXIT)
		mxRangeError("stack overflow (creation.stack is %d slots)", (int)runtime_creation.stackCount);
	static const char* const reasons[] = {
		[XS_DEBUGGER_EXIT] = "debugger exit",
		[XS_NOT_ENOUGH_MEMORY_EXIT] = "memory full: raise creation.static, creation.chunk or creation.heap in manifest.json",
		[XS_FATAL_CHECK_EXIT] = "fatal check failed inside the engine",
		[XS_DEAD_STRIP_EXIT] = "a built-in was stripped from this firmware",
		[XS_UNHANDLED_EXCEPTION_EXIT] = "unhandled exception",
		[XS_NO_MORE_KEYS_EXIT] = "not enough keys: raise creation.keys in manifest.json",
		[XS_TOO_MUCH_COMPUTATION_EXIT] = "too much computation in one turn (defines.meter.turn)",
		[XS_UNHANDLED_REJECTION_EXIT] = "unhandled promise rejection",
	};
	const char* reason = status >= 0 && status < (int)(sizeof(reasons) / sizeof(reasons[0])) && reasons[status] ? reasons[status] : "unknown";
	if (status == XS_NOT_ENOUGH_MEMORY_EXIT && runtime_base_generating()) {
		runtime_print("\n*** base heap: the preloaded modules need more RAM than QEMU models for this board, where the base heap is built: preload less (manifest.json \"preload\")\n");
		hal_exit(EXIT_BAD_IMAGE);
	}
	runtime_print("\n*** xs abort: ");
	runtime_print(reason);
	runtime_print("\n");
	if (status == XS_UNHANDLED_EXCEPTION_EXIT || status == XS_UNHANDLED_REJECTION_EXIT)
		print_exception(the);
	else if (status == XS_NOT_ENOUGH_MEMORY_EXIT)
		print_memory(the);
	hal_exit(EXIT_ABORT_BASE + status);
}
