/*
 * main(): create the XS machine from the manifest's `creation`, install the host functions, run the "setup/*"
 * modules, import the main module, and run the event loop until nothing is left that could ever run.
 *
 * The loop is Moddable's shape: run promise jobs; when the alarm has passed or interrupts were recorded, call the
 * kernel's service routine (registered from JavaScript through native.setServiceHandler); otherwise sleep in WFI.
 * Interrupt handlers never enter XS: they only set flags and fill the ring in events.c.
 *
 * The program ends when the loop is idle with no alarm armed and no interrupt line enabled: no event can wake it.
 * It exits 0 if the main module completed, EXIT_DEADLOCK if the main module is still waiting (it never will finish),
 * or through native.exit(status) earlier. The boot line gives reset-to-main and machine-creation times; under
 * `qemu -icount shift=0` one nanosecond is one instruction, so those are instruction counts.
 */
#include "hal.h"
#include "runtime.h"

enum { MAIN_PENDING, MAIN_FULFILLED, MAIN_REJECTED };
static int main_state = MAIN_PENDING;

void fxCreateMachinePlatform(txMachine* the)
{
	the->promiseJobsPending = 0;
}

void fxDeleteMachinePlatform(txMachine* the) {}

void fxQueuePromiseJobs(txMachine* the)
{
	the->promiseJobsPending = 1;
}

static void fx_main_fulfilled(xsMachine* the)
{
	main_state = MAIN_FULFILLED;
}

static void fx_main_rejected(xsMachine* the)
{
	main_state = MAIN_REJECTED;
	mxException = xsArg(0);
	runtime_print("\n*** main module failed\n");
	fxAbort(the, XS_UNHANDLED_EXCEPTION_EXIT);
}

/* Moddable's order: every "setup/*" module (in manifest order, synchronously), then the main module. */
static void run_setup_modules(xsMachine* the)
{
	for (uint32_t i = 0; i < runtime_module_count; i++)
		if (!c_strncmp(runtime_modules[i].path, "setup/", 6))
			xsAwaitImport(runtime_modules[i].path, XS_IMPORT_NAMESPACE);
}

static void start_main(xsMachine* machine, uint64_t boot_ns, uint64_t created_ns)
{
	runtime_install_natives(machine);
	runtime_install_program_natives(machine);
	xsBeginHost(machine);
	{
		xsVars(2);
		xsVar(0) = xsGet(xsGlobal, xsID("native"));
		fxFromBigUint64(the, &xsVar(1), boot_ns);
		xsSet(xsVar(0), xsID("bootTime"), xsVar(1));
		fxFromBigUint64(the, &xsVar(1), created_ns);
		xsSet(xsVar(0), xsID("machineTime"), xsVar(1));
		run_setup_modules(the);
		xsVar(0) = xsAwaitImport(runtime_main_module, XS_IMPORT_ASYNC);
		xsCall2(xsVar(0), xsID("then"), xsNewHostFunction(fx_main_fulfilled, 1), xsNewHostFunction(fx_main_rejected, 1));
	}
	xsEndHost(machine);
}

static void run_promise_jobs(xsMachine* machine)
{
	xsBeginHost(machine);
	while (the->promiseJobsPending) {
		the->promiseJobsPending = 0;
		fxRunPromiseJobs(the);
	}
	xsEndHost(machine);
}

static void run_service(xsMachine* machine)
{
	xsBeginHost(machine);
	runtime_call_service(the);
	xsEndHost(machine);
}

static bool idle_forever(void)
{
	return !runtime_alarm_armed() && !runtime_program_lines_enabled() && !runtime_events_pending();
}

static void finish(xsMachine* machine)
{
	xsBeginHost(machine);
	fxCheckUnhandledRejections(the, 1);
	xsEndHost(machine);
}

int main(void)
{
	uint64_t boot_ns = board_now_ns();
	xsMachine* machine = xsCreateMachine((xsCreation*)&runtime_creation, "main", C_NULL);
	if (!machine) {
		runtime_print("\n*** xs abort: the machine could not be created: lower creation sizes in manifest.json\n");
		return EXIT_ABORT_BASE + XS_NOT_ENOUGH_MEMORY_EXIT;
	}
	uint64_t created_ns = board_now_ns();
	runtime_memory_t memory;
	runtime_memory_report(&memory);
	runtime_print("[xs] ");
	runtime_print(board_name);
	runtime_print_int(": reset to main ", (long long)boot_ns);
	runtime_print_int(" ns, machine ", (long long)(created_ns - boot_ns));
	runtime_print_int(" ns, XS heap ", memory.chunk_bytes + memory.slot_bytes);
	runtime_print(" B\n");

	start_main(machine, boot_ns, created_ns);
	for (;;) {
		if (machine->promiseJobsPending)
			run_promise_jobs(machine);
		else if (runtime_take_events())
			run_service(machine);
		else if (idle_forever())
			break;
		else {
			uint32_t state = hal_irq_lock();
			if (!runtime_events_pending() && !machine->promiseJobsPending)
				hal_sleep();
			hal_irq_unlock(state);
		}
	}
	finish(machine);
	if (main_state != MAIN_FULFILLED) {
		runtime_print("\n*** deadlock: the main module is still waiting and nothing is left that could wake it\n");
		return EXIT_DEADLOCK;
	}
	return EXIT_OK;
}
