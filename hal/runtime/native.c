/*
 * The host functions JavaScript sees on the device: `trace`, `console.log`, and the `native` object that
 * hal/device.ts turns into the kernel's HAL (its typings are hal/native.d.ts).
 *
 * XS 13.3 has no `native("name")` binding syntax and the classic `@ "name"` form is not TypeScript, so the functions
 * are created from C and attached to the global object. They are created once, into the base heap (base.c), so a
 * machine gets them without allocating; what belongs to one machine (the boot clock readings that `bootTime` and
 * `machineTime` report, the remembered service handler) is attached when it boots. The service handler is also
 * kept on the `native` object (read-only `serviceHandler`), because the kernel registers it while it is preloaded,
 * in the machine the base heap is made from. Each function checks its arguments the way JavaScript callers would
 * expect (ToNumber, ToBigInt) and throws TypeError/RangeError rather than misbehaving.
 */
#include "../arch/cortex-m/cortex_m.h"
#include "hal.h"
#include "runtime.h"

static xsSlot service_handler;
static uint32_t enabled_lines[(BOARD_IRQ_COUNT + 31) / 32];
static uint64_t boot_time_ns, machine_time_ns;

static void write_text(const char* text)
{
	board_console_write(text, strlen(text));
}

static void fx_native_trace(xsMachine* the)
{
	xsIntegerValue count = xsToInteger(xsArgc);
	for (xsIntegerValue i = 0; i < count; i++)
		write_text(xsToString(xsArg(i)));
}

static void fx_native_console_log(xsMachine* the)
{
	xsIntegerValue count = xsToInteger(xsArgc);
	for (xsIntegerValue i = 0; i < count; i++) {
		if (i)
			write_text(" ");
		write_text(xsToString(xsArg(i)));
	}
	write_text("\n");
}

static void fx_now(xsMachine* the)
{
	fxFromBigUint64(the, &xsResult, board_now_ns());
}

static void fx_set_alarm(xsMachine* the)
{
	runtime_set_alarm(fxToBigUint64(the, &xsArg(0)));
}

static void fx_idle(xsMachine* the)
{
	uint32_t state = hal_irq_lock();
	if (!runtime_events_pending())
		hal_sleep();
	hal_irq_unlock(state);
	runtime_take_events();
}

static void fx_set_service_handler(xsMachine* the)
{
	if (!xsIsInstanceOf(xsArg(0), xsFunctionPrototype))
		xsTypeError("service handler is not a function");
	xsVars(1);
	xsVar(0) = xsGet(xsGlobal, xsID("native"));
	xsDefine(xsVar(0), xsID("serviceHandler"), xsArg(0), xsDontEnum | xsDontSet);
	/* A remembered slot is linked into XS's root list through its own `next` field: assigning the whole slot
	 * would overwrite the link, so unlink, assign, relink. */
	xsForget(service_handler);
	service_handler = xsArg(0);
	xsRemember(service_handler);
}

static unsigned vector_argument(xsMachine* the, int index)
{
	xsNumberValue value = xsToNumber(xsArg(index));
	if (!(value >= 0 && value < BOARD_IRQ_COUNT) || value != (unsigned)value)
		xsRangeError("no interrupt vector %g on this board", value);
	return (unsigned)value;
}

static void fx_interrupt_available(xsMachine* the)
{
	xsNumberValue value = xsToNumber(xsArg(0));
	bool available = value >= 0 && value < BOARD_IRQ_COUNT && value == (unsigned)value && board_irq_available((unsigned)value);
	xsResult = xsBoolean(available);
}

static bool line_enabled(unsigned vector)
{
	return enabled_lines[vector >> 5] & (1u << (vector & 31));
}

/* Lines with a driver (hal_irq_offer) are switched at the device too; plain lines only at the NVIC, where the ISR
 * masks them after one record. */
static void fx_interrupt_enable(xsMachine* the)
{
	unsigned vector = vector_argument(the, 0);
	if (!board_irq_available(vector))
		xsRangeError("interrupt vector %u is reserved by the board", vector);
	bool enabled = xsToBoolean(xsArg(1));
	const hal_irq_driver_t* driver = hal_irq_driver(vector);
	if (enabled) {
		enabled_lines[vector >> 5] |= 1u << (vector & 31);
		if (driver) {
			driver->enable(vector, true);
			hal_irq_enable(vector);
		}
		else {
			hal_irq_attach(vector, NULL);
			hal_irq_unmask_clean(vector);
		}
	}
	else {
		enabled_lines[vector >> 5] &= ~(1u << (vector & 31));
		hal_irq_disable(vector);
		if (driver)
			driver->enable(vector, false);
	}
}

static void fx_interrupt_ack(xsMachine* the)
{
	unsigned vector = vector_argument(the, 0);
	if (!line_enabled(vector))
		return;
	const hal_irq_driver_t* driver = hal_irq_driver(vector);
	if (driver)
		driver->ack(vector);
	else
		hal_irq_unmask_clean(vector);
}

static void fx_drain_interrupts(xsMachine* the)
{
	uint32_t vector;
	uint64_t timestamp;
	xsVars(1);
	xsVar(0) = xsArg(0);
	uint64_t now = board_now_ns();
	while (runtime_irq_next(&vector, &timestamp, now))
		xsCallFunction2(xsVar(0), xsUndefined, xsInteger(vector), xsNumber((xsNumberValue)timestamp));
	xsResult = xsInteger(runtime_irq_take_lost());
}

/* The time the alarm interrupt last ran, for measuring how late timers fire (tests, benchmarks). */
static void fx_alarm_fired_at(xsMachine* the)
{
	fxFromBigUint64(the, &xsResult, runtime_alarm_fired_ns());
}

static void fx_host_mailbox(xsMachine* the)
{
	xsResult = xsNumber(runtime_host_mailbox);
}

/*
 * (buffer: Uint8Array, count?): the bytes to move; count defaults to the buffer's length. The buffer is judged from
 * its internal slots (user_memory.c), never by asking it: a look-alike whose `byteLength` claimed more than its
 * buffer holds would have the driver write past the end of it.
 */
static size_t byte_view(xsMachine* the, uint8_t** data, bool writable)
{
	/* count first: converting it may run the caller's code or collect (XS moves chunks), so the buffer's address
	 * is taken last, with nothing of XS's between it and the driver's copy. */
	xsIntegerValue argc = xsToInteger(xsArgc);
	bool counted = argc > 1 && xsTypeOf(xsArg(1)) != xsUndefinedType;
	xsIntegerValue count = counted ? xsToInteger(xsArg(1)) : 0;
	txInteger length;
	if (argc < 1 || !runtime_uint8_array(the, &xsArg(0), data, &length, writable))
		xsTypeError(writable ? "expected a writable Uint8Array" : "expected a Uint8Array");
	if (!counted)
		count = length;
	if (count < 0 || count > length)
		xsRangeError("count %d is outside the buffer (%d bytes)", (int)count, (int)length);
	return (size_t)count;
}

static void fx_uart_read(xsMachine* the)
{
	uint8_t* data;
	size_t count = byte_view(the, &data, true);
	xsResult = xsInteger((xsIntegerValue)board_data_uart_read(data, count));
}

static void fx_uart_write(xsMachine* the)
{
	uint8_t* data;
	size_t count = byte_view(the, &data, false);
	xsResult = xsInteger((xsIntegerValue)board_data_uart_write(data, count));
}

/* queueJob(job, ...args): job(...args) runs as a job of its own after the current one, in order with promise jobs,
 * as a promise reaction would, without the promises and resolving functions `Promise.resolve().then` allocates.
 * The job must not throw: XS aborts the machine on an exception that escapes a job. */
static void fx_queue_job(xsMachine* the)
{
	txInteger count = mxArgc - 1;
	if (count < 0 || !fxIsCallable(the, mxArgv(0)))
		xsTypeError("queueJob: (job, ...args) with job a function");
	mxPushUndefined();
	mxPushSlot(mxArgv(0));
	mxCall();
	for (txInteger i = 1; i <= count; i++)
		mxPushSlot(mxArgv(i));
	fxQueueJob(the, count, C_NULL);
}

/* cloneObject(template): a new ordinary object with the template's prototype and a copy of its own properties (their
 * values and attributes), made in one engine call (xsType.c fxDuplicateInstance, as XS copies a Compartment's
 * functions): where `new` adds properties one at a time, each a walk of the prototype chain. Only ordinary objects:
 * an array, a typed array, a host object or anything with internal state is refused. */
static void fx_clone_object(xsMachine* the)
{
	txSlot* template = mxArgc > 0 ? fxGetInstance(the, mxArgv(0)) : C_NULL;
	bool internal = template && template->next && (template->next->flag & XS_INTERNAL_FLAG);
	if (!template || (template->flag & XS_EXOTIC_FLAG) || internal)
		xsTypeError("cloneObject: not an ordinary object");
	fxDuplicateInstance(the, template);
	mxPullSlot(mxResult);
}

static void fx_exit(xsMachine* the)
{
	hal_exit(xsToInteger(xsArg(0)));
}

static void fx_memory(xsMachine* the)
{
	runtime_memory_t memory;
	runtime_memory_report(&memory);
	xsResult = xsNewObject();
	xsSet(xsResult, xsID("chunkBytes"), xsInteger(memory.chunk_bytes));
	xsSet(xsResult, xsID("slotBytes"), xsInteger(memory.slot_bytes));
	xsSet(xsResult, xsID("peakBytes"), xsInteger(memory.peak_bytes));
	xsSet(xsResult, xsID("limitBytes"), xsInteger(memory.limit_bytes));
	xsSet(xsResult, xsID("mallocBytes"), xsInteger(memory.malloc_bytes));
	xsSet(xsResult, xsID("heapRoomBytes"), xsInteger(memory.room_bytes));
}

/* Bytes of XS chunks and slots in use after a full collection: what the live objects hold (memory() reports what
 * XS has taken from the C heap, which grows in blocks and never shrinks). Costs a collection: for measurements. */
static void fx_live_bytes(xsMachine* the)
{
	xsCollectGarbage();
	xsResult = xsInteger((xsIntegerValue)(the->currentChunksSize + the->currentHeapCount * sizeof(txSlot)));
}

static void fx_boot_time(xsMachine* the)
{
	fxFromBigUint64(the, &xsResult, boot_time_ns);
}

static void fx_machine_time(xsMachine* the)
{
	fxFromBigUint64(the, &xsResult, machine_time_ns);
}

/* A getter, not a value: the natives object is built into the base heap before board_init has measured the clock
 * (a board may learn its timer frequency only then, as the Netduino does between QEMU and the chip). */
static void fx_clock_wrap(xsMachine* the)
{
	xsResult = xsNumber((xsNumberValue)board_clock_wrap_ns());
}

static void define_function(xsMachine* the, xsSlot* target, const char* name, xsCallback callback, int length)
{
	xsDefine(*target, xsID(name), xsNewHostFunction(callback, length), xsDontEnum);
}

static void define_getter(xsMachine* the, xsSlot* target, const char* name, xsCallback callback)
{
	xsDefine(*target, xsID(name), xsNewHostFunction(callback, 0), xsIsGetter | xsDontEnum);
}

void runtime_define_functions(xsMachine* the, xsSlot* target, const runtime_function_t* functions, size_t count)
{
	for (size_t i = 0; i < count; i++)
		define_function(the, target, functions[i].name, functions[i].callback, functions[i].length);
}

void runtime_install_natives(xsMachine* machine)
{
	/* Hottest first: XS finds a property by walking the object's list. */
	static const runtime_function_t natives[] = {
		{ "copyBytes", fx_user_copy_bytes, 5 },
		{ "byteLength", fx_user_byte_length, 1 },
		{ "now", fx_now, 0 },
		{ "setAlarm", fx_set_alarm, 1 },
		{ "idle", fx_idle, 0 },
		{ "setServiceHandler", fx_set_service_handler, 1 },
		{ "interruptAvailable", fx_interrupt_available, 1 },
		{ "interruptEnable", fx_interrupt_enable, 2 },
		{ "interruptAck", fx_interrupt_ack, 1 },
		{ "drainInterrupts", fx_drain_interrupts, 1 },
		{ "alarmFiredAt", fx_alarm_fired_at, 0 },
		{ "hostMailbox", fx_host_mailbox, 0 },
		{ "uartRead", fx_uart_read, 2 },
		{ "uartWrite", fx_uart_write, 2 },
		{ "exit", fx_exit, 1 },
		{ "memory", fx_memory, 0 },
		{ "log", fx_native_console_log, 1 },
		{ "queueJob", fx_queue_job, 1 },
		{ "cloneObject", fx_clone_object, 1 },
		{ "liveBytes", fx_live_bytes, 0 },
	};
	xsBeginHost(machine);
	xsVars(2);
	xsVar(0) = xsNewObject();
	runtime_define_functions(the, &xsVar(0), natives, sizeof(natives) / sizeof(natives[0]));
	define_getter(the, &xsVar(0), "bootTime", fx_boot_time);
	define_getter(the, &xsVar(0), "machineTime", fx_machine_time);
	define_getter(the, &xsVar(0), "clockWrap", fx_clock_wrap);
	xsSet(xsVar(0), xsID("board"), xsString((xsStringValue)board_name));
	xsSet(xsVar(0), xsID("build"), xsString((xsStringValue)runtime_build_id));
	xsSet(xsVar(0), xsID("uartVector"), xsInteger((xsIntegerValue)board_data_uart_vector));
	xsSet(xsVar(0), xsID("alarmResolution"), xsInteger((xsIntegerValue)board_alarm_resolution_ns));
	xsSet(xsVar(0), xsID("spareLines"), xsNewArray(0));
	xsVar(1) = xsGet(xsVar(0), xsID("spareLines"));
	for (unsigned i = 0; i < board_spare_line_count; i++)
		xsSetAt(xsVar(1), xsInteger(i), xsInteger(board_spare_lines[i]));
	xsDefine(xsGlobal, xsID("native"), xsVar(0), xsDontEnum);

	xsVar(1) = xsNewObject();
	define_function(the, &xsVar(1), "log", fx_native_console_log, 0);
	xsDefine(xsGlobal, xsID("console"), xsVar(1), xsDontEnum);
	define_function(the, &xsGlobal, "trace", fx_native_trace, 1);
	xsEndHost(machine);
}

extern const runtime_natives_installer_t __runtime_natives_start__[], __runtime_natives_end__[];

void runtime_install_module_natives(xsMachine* machine)
{
	for (const runtime_natives_installer_t* installer = __runtime_natives_start__; installer < __runtime_natives_end__;
	     installer++) {
		xsBeginHost(machine);
		(*installer)(the);
		xsEndHost(machine);
	}
}

void runtime_attach_natives(xsMachine* machine, uint64_t boot_ns, uint64_t created_ns)
{
	boot_time_ns = boot_ns;
	machine_time_ns = created_ns;
	xsBeginHost(machine);
	service_handler = xsGet(xsGet(xsGlobal, xsID("native")), xsID("serviceHandler"));
	xsRemember(service_handler);
	xsEndHost(machine);
}

/* Runs the kernel's service routine, if JavaScript registered one. */
void runtime_call_service(xsMachine* the)
{
	if (xsTest(service_handler))
		xsCallFunction0(service_handler, xsUndefined);
}

bool runtime_program_lines_enabled(void)
{
	for (size_t i = 0; i < sizeof(enabled_lines) / sizeof(enabled_lines[0]); i++)
		if (enabled_lines[i])
			return true;
	return false;
}
