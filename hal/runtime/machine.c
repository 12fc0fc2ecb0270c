/*
 * main(): clone the XS machine from the base heap in flash (base.c) with the manifest's `creation`, attach the host
 * functions, run the "setup/*" modules that were not preloaded, import the main module, and run the event loop until
 * nothing is left that could ever run. A firmware whose base heap is still the linker's placeholder is being run by
 * the build to generate it, and does only that.
 *
 * The loop is Moddable's shape: run promise jobs; when the alarm has passed or interrupts were recorded, call the
 * kernel's service routine (registered from JavaScript through native.setServiceHandler); otherwise sleep in WFI.
 * Interrupt handlers never enter XS: they only set flags and fill the ring in events.c.
 *
 * The program ends when the loop is idle with no alarm armed and no interrupt line enabled: no event can wake it.
 * It exits 0 if the main module completed, EXIT_DEADLOCK if the main module is still waiting (it never will finish),
 * or through native.exit(status) earlier. The boot line gives reset-to-main and machine-creation times, the XS heap
 * and the RAM in use once the machine exists, and when the main module's import began; under `qemu -icount shift=0`
 * one nanosecond is one instruction, so those are instruction counts. It is printed once the main module has run to
 * its first await, so that printing does not delay the program.
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

/* Moddable's order: every "setup/*" module (in manifest order, synchronously), then the main module. A preloaded
 * setup module ran when the base heap was generated. */
static void run_setup_modules(xsMachine* the)
{
	for (const char* const* path = runtime_setup_modules; *path; path++)
		xsAwaitImport(*path, XS_IMPORT_NAMESPACE);
}

static void print_boot_line(uint64_t boot_ns, uint64_t created_ns, const runtime_memory_t* created, uint64_t main_ns)
{
	runtime_memory_t memory = *created;
	runtime_print("[xs] ");
	runtime_print(board_name);
	runtime_print_int(": reset to main ", (long long)boot_ns);
	runtime_print_int(" ns, machine ", (long long)(created_ns - boot_ns));
	runtime_print_int(" ns, XS heap ", memory.chunk_bytes + memory.slot_bytes);
	runtime_print_int(" B, RAM in use ", memory.malloc_bytes);
	runtime_print_int(" B, main module at ", (long long)main_ns);
	runtime_print(" ns\n");
}

static void start_main(xsMachine* machine, uint64_t boot_ns, uint64_t created_ns)
{
	runtime_memory_t created;
	runtime_memory_report(&created);
	runtime_attach_natives(machine, boot_ns, created_ns);
	xsBeginHost(machine);
	{
		xsVars(1);
		run_setup_modules(the);
		uint64_t main_ns = board_now_ns();
		xsVar(0) = xsAwaitImport(runtime_main_module, XS_IMPORT_ASYNC);
		/* After the main module's first turn, so that printing it does not delay the program. */
		print_boot_line(boot_ns, created_ns, &created, main_ns);
		xsCall2(xsVar(0), xsID("then"), xsNewHostFunction(fx_main_fulfilled, 1), xsNewHostFunction(fx_main_rejected, 1));
	}
	xsEndHost(machine);
}

static void run_promise_jobs(xsMachine* machine)
{
	xsBeginHost(machine);
	while (the->promiseJobsPending) {
		runtime_meter_turn(the); /* each batch of jobs: the ones queued when it starts */
		the->promiseJobsPending = 0;
		fxRunPromiseJobs(the);
		runtime_take_rejections(the);
	}
	xsEndHost(machine);
}

static void run_service(xsMachine* machine)
{
	runtime_meter_turn(machine);
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
	if (hal_generating_base_heap())
		return runtime_base_generate();
	uint64_t boot_ns = board_now_ns();
	int status;
	xsMachine* machine = runtime_base_clone(&status);
	if (!machine)
		return status;
	uint64_t created_ns = board_now_ns();
	runtime_meter_turn(machine);
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
