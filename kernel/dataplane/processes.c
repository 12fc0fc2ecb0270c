/*
 * Each process's own syscall entries. A fast path looks handles up in the table of the process that called it, and a
 * host function cannot carry data of its own without a property lookup on every call (~640 instructions on XS), so
 * every process gets its own four C functions: each sets dp_current_process and runs the shared body (ports.c,
 * channels.c), and sets it back to 0 after. Their slow paths are shared by all processes (property "slowPath", bound
 * once on process 0's entry as "processSlowPath"): a slow path learns whose call it serves from takeProcess, which
 * answers the process whose entry is running, once; so a process that calls a slow path itself (it can read the
 * property) is no one's, and the control plane refuses it. Process 0's entries are the ones dataplane.c installs
 * with the rest of the data plane.
 */
#include "dataplane.h"

#define ENTRY(name, p)                                                                                                 \
	static void name##_##p(xsMachine* the)                                                                          \
	{                                                                                                              \
		dp_current_process = p;                                                                                    \
		dp_##name##_entry(the);                                                                                    \
		dp_current_process = 0;                                                                                    \
	}
#define ENTRIES(p) ENTRY(port_queue, p) ENTRY(port_wait, p) ENTRY(channel_write, p) ENTRY(channel_read, p)
#define ROW(p) { port_queue_##p, port_wait_##p, channel_write_##p, channel_read_##p }

ENTRIES(0)
ENTRIES(1)
ENTRIES(2)
ENTRIES(3)
ENTRIES(4)
ENTRIES(5)
ENTRIES(6)
ENTRIES(7)
ENTRIES(8)
ENTRIES(9)
ENTRIES(10)
ENTRIES(11)
ENTRIES(12)
ENTRIES(13)
ENTRIES(14)
ENTRIES(15)

static const xsCallback entries[PROCESSES][4] = {
	ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7),
	ROW(8), ROW(9), ROW(10), ROW(11), ROW(12), ROW(13), ROW(14), ROW(15),
};
_Static_assert(PROCESSES == 16, "one ENTRIES row per process");

static const char* const names[4] = { "mx_port_queue", "mx_port_wait", "mx_channel_write", "mx_channel_read" };
static const int lengths[4] = { 3, 4, 6, 8 };

/* Keys found once, at first use (fast paths are made for a process once per process that uses them). */
static txID names_id[4];
static txID slow_path_id;
static txID process_slow_path_id;

static txID key(xsMachine* the, txID* cache, const char* name)
{
	if (!*cache)
		*cache = xsID(name);
	return *cache;
}

/* (): the process whose entry handed its call to the slow path now running, once (0 afterwards: a body either ends
 * in C or goes to its slow path, which takes this first thing; if the slow path throws, it was taken already). */
static void fx_take_process(xsMachine* the)
{
	xsResult = xsInteger((txInteger)dp_current_process);
	dp_current_process = 0;
}

/* (name, slowPath): the slow path of entry `name` for every process but 0, kept on process 0's entry. */
static void fx_bind_process_slow_path(xsMachine* the)
{
	xsVars(1);
	xsVar(0) = xsGet(xsThis, xsToID(xsArg(0)));
	xsDefine(xsVar(0), key(the, &process_slow_path_id, "processSlowPath"), xsArg(1), xsDontEnum | xsDontSet | xsDontDelete);
}

/* (proc): process `proc`'s entries, each carrying the shared process slow path of the same name. */
static void fx_process_entries(xsMachine* the)
{
	txInteger proc = dp_int_arg(the, 0, PROCESSES);
	if (proc == 0)
		xsRangeError("dataplane: process 0's entries are the module's");
	xsVars(3);
	xsVar(0) = xsNewObject();
	for (int i = 0; i < 4; i++) {
		txID name = key(the, &names_id[i], names[i]);
		xsVar(1) = xsNewHostFunction(entries[proc][i], lengths[i]);
		xsVar(2) = xsGet(xsThis, name);
		xsVar(2) = xsGet(xsVar(2), key(the, &process_slow_path_id, "processSlowPath"));
		xsDefine(xsVar(1), key(the, &slow_path_id, "slowPath"), xsVar(2), xsDontEnum | xsDontSet | xsDontDelete);
		xsDefine(xsVar(0), name, xsVar(1), xsDefault);
	}
	xsResult = xsVar(0);
}

/* An ended process's entry: it never looks at a table again (a new process may have it) nor calls JavaScript. */
static void revoked_entry(xsMachine* the)
{
	xsResult = xsInteger(MX_ERR_BAD_STATE);
}

/* (entries): the process the entries belong to has ended (processEntries' result; its functions change in place). */
static void fx_process_entries_revoke(xsMachine* the)
{
	xsVars(1);
	for (int i = 0; i < 4; i++) {
		xsVar(0) = xsGet(xsArg(0), key(the, &names_id[i], names[i]));
		txSlot* callback = xsVar(0).kind == XS_REFERENCE_KIND ? xsVar(0).value.reference->next : NULL;
		bool ours = false;
		for (int p = 1; callback && callback->kind == XS_CALLBACK_KIND && p < PROCESSES; p++)
			ours = ours || callback->value.callback.address == entries[p][i];
		if (!ours)
			xsRangeError("dataplane: not a process's entry");
		callback->value.callback.address = revoked_entry;
	}
}

const runtime_function_t dp_process_functions[] = {
	{ "mx_port_queue", port_queue_0, 3 },
	{ "mx_port_wait", port_wait_0, 4 },
	{ "mx_channel_write", channel_write_0, 6 },
	{ "mx_channel_read", channel_read_0, 8 },
	{ "bindProcessSlowPath", fx_bind_process_slow_path, 2 },
	{ "takeProcess", fx_take_process, 0 },
	{ "processEntries", fx_process_entries, 1 },
	{ "processEntriesRevoke", fx_process_entries_revoke, 1 },
};
const size_t dp_process_function_count = sizeof(dp_process_functions) / sizeof(dp_process_functions[0]);
