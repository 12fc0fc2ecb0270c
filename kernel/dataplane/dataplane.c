/*
 * The data plane's C module: it installs the functions of handles.c, ports.c, channels.c and interrupts.c as the
 * global `dataplane` (which kernel/dataplane/device.ts binds and removes), and holds what their syscall entries share.
 *
 * The entries (mx_port_queue, mx_port_wait, mx_channel_write, mx_channel_read) are host functions the kernel
 * exports as the syscalls themselves, so a program's call enters compiled code directly. Whatever is not plain
 * goes on, with the same arguments, to the control plane's implementation of the syscall, which bindSlowPath kept
 * on the entry (property "slowPath": calling it directly is calling the same syscall, so it needs no hiding). Each
 * process has entries of its own (processes.c), so that they run in its handle table.
 */
#include "dataplane.h"

uint32_t dp_current_process;
bool dp_deadline_armed;
uint64_t dp_deadline;
bool dp_foreign_hal;
uint32_t dp_packet_limit;
uint32_t dp_message_limit;
uint32_t dp_queue_limit;
uint32_t dp_queued_bytes[PROCESSES];
static txSlot undefined_slot; /* kind 0: XS_UNDEFINED_KIND */

txInteger dp_int_arg(xsMachine* the, int index, txInteger limit)
{
	txSlot* slot = mxArgv(index);
	if (slot->kind != XS_INTEGER_KIND || slot->value.integer < 0 || slot->value.integer >= limit)
		xsRangeError("dataplane: argument %d", index);
	return slot->value.integer;
}

bool dp_deadline_due(void)
{
	return dp_deadline_armed && (dp_foreign_hal || board_now_ns() >= dp_deadline);
}

txSlot* dp_arg(xsMachine* the, int index)
{
	return index < mxArgc ? mxArgv(index) : &undefined_slot;
}

bool dp_is_zero(txSlot* slot)
{
	return (slot->kind == XS_INTEGER_KIND && slot->value.integer == 0) ||
	       (slot->kind == XS_NUMBER_KIND && slot->value.number == 0);
}

txSlot* dp_own_field_cached(xsMachine* the, txSlot* object, const char* name, txID* cache)
{
	if (object->kind != XS_REFERENCE_KIND)
		return NULL;
	if (*cache == XS_NO_ID)
		*cache = xsID(name);
	txID id = *cache;
	for (txSlot* p = object->value.reference->next; p; p = p->next)
		if (p->ID == id && !(p->flag & XS_INTERNAL_FLAG) && p->kind != XS_ACCESSOR_KIND)
			return p;
	return NULL;
}

void dp_slow_path(xsMachine* the, int argc)
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
		fxPush(*dp_arg(the, i));
	fxRunCount(the, argc);
	xsResult = fxPop();
}

/* (name, slowPath): the control plane's implementation of entry `name`, kept on it, once, while the kernel is
 * preloaded. */
static void fx_bind_slow_path(xsMachine* the)
{
	xsVars(1);
	xsVar(0) = xsGet(xsThis, xsToID(xsArg(0)));
	xsDefine(xsVar(0), xsID("slowPath"), xsArg(1), xsDontEnum | xsDontSet | xsDontDelete);
}

/* (deadline: bigint): the kernel's earliest deadline, MX_TIME_INFINITE when none is armed. */
static void fx_set_next_deadline(xsMachine* the)
{
	dp_deadline = fxToBigUint64(the, &xsArg(0));
	dp_deadline_armed = dp_deadline != HAL_TIME_INFINITE;
}

static void fx_set_foreign_hal(xsMachine* the)
{
	dp_foreign_hal = xsToBoolean(xsArg(0));
}

/* (maxPacketsPerPort, maxMessagesPerChannel, maxQueuedBytesPerProcess): counts limits.ts has checked (1..2^31-1,
 * as any number kind). */
static void fx_set_limits(xsMachine* the)
{
	dp_packet_limit = (uint32_t)xsToInteger(xsArg(0));
	dp_message_limit = (uint32_t)xsToInteger(xsArg(1));
	dp_queue_limit = (uint32_t)xsToInteger(xsArg(2));
}

/* (proc) */
static void fx_queued_bytes(xsMachine* the)
{
	xsResult = xsInteger((txInteger)dp_queued_bytes[dp_int_arg(the, 0, PROCESSES)]);
}

/* (proc, delta): the control plane's suffix; never below 0 (a kernel bug otherwise). */
static void fx_queue_bytes(xsMachine* the)
{
	uint32_t* queued = &dp_queued_bytes[dp_int_arg(the, 0, PROCESSES)];
	txInteger delta = xsToInteger(xsArg(1));
	if (delta < 0 && (uint32_t)-delta > *queued)
		xsRangeError("dataplane: more bytes dequeued than queued");
	*queued += (uint32_t)delta;
}

static void install(xsMachine* the)
{
	static const runtime_function_t functions[] = {
		{ "bindSlowPath", fx_bind_slow_path, 2 },
		{ "setNextDeadline", fx_set_next_deadline, 1 },
		{ "setForeignHal", fx_set_foreign_hal, 1 },
		{ "setLimits", fx_set_limits, 3 },
		{ "queuedBytes", fx_queued_bytes, 1 },
		{ "queueBytes", fx_queue_bytes, 2 },
	};
	xsVars(1);
	xsVar(0) = xsNewObject();
	runtime_define_functions(the, &xsVar(0), functions, sizeof(functions) / sizeof(functions[0]));
	runtime_define_functions(the, &xsVar(0), dp_handle_functions, dp_handle_function_count);
	runtime_define_functions(the, &xsVar(0), dp_port_functions, dp_port_function_count);
	runtime_define_functions(the, &xsVar(0), dp_channel_functions, dp_channel_function_count);
	runtime_define_functions(the, &xsVar(0), dp_interrupt_functions, dp_interrupt_function_count);
	runtime_define_functions(the, &xsVar(0), dp_process_functions, dp_process_function_count);
	xsDefine(xsGlobal, xsID("dataplane"), xsVar(0), xsDontEnum);
}

RUNTIME_NATIVES(install);
