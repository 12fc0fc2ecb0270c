/*
 * A process's unhandled rejection ends that process, not the firmware. XS lists a promise rejected with no handler
 * and aborts the machine if it is collected so, or at exit; with processes sharing the machine, one process's
 * forgotten rejection would then end every process, at some later garbage collection. The engine calls
 * fxUnhandledRejectionHook as the rejection happens (tools/xs-patches/rejection-hook.patch), when the frames that
 * run say whose code it is: a Compartment the kernel registered for a process (native.processCompartment). A
 * rejection still unhandled at the end of the batch of promise jobs after the one it happened in (the program had
 * one more turn to handle it: a host's "after the microtasks" would never come while processes keep the queue busy)
 * leaves XS's list and goes to the kernel's handler
 * (native.setRejectionHandler: the process faults); one from a Compartment no live process has is dropped; one from
 * the main program keeps XS's behaviour.
 */
#include "runtime.h"

#define PROCESS_SLOTS 16 /* kernel/dataplane/dataplane.ts PROCESSES */
#define PENDING 16
#define NOBODY 0xff

static xsSlot compartments[PROCESS_SLOTS]; /* process p's Compartment (remembered), or undefined */
static xsSlot pending[PENDING];            /* rejected promises of this batch (remembered until it ends) */
static uint8_t pending_process[PENDING];
static uint32_t pending_batch[PENDING];
static unsigned pending_count;
static uint32_t batch; /* batches of promise jobs run so far */
static uint32_t flooded; /* processes that left more unhandled rejections than the pending list holds */
static bool rooted;

static void root_slots(txMachine* the)
{
	if (rooted)
		return;
	rooted = true;
	for (unsigned i = 0; i < PROCESS_SLOTS; i++)
		fxRemember(the, &compartments[i]);
	for (unsigned i = 0; i < PENDING; i++)
		fxRemember(the, &pending[i]);
}

/* Assigns a remembered slot: its `next` links it into XS's root list, so only kind and value change. */
static void set_slot(xsSlot* slot, const txSlot* value)
{
	((txSlot*)slot)->kind = value->kind;
	((txSlot*)slot)->value = value->value;
}

txSlot* runtime_running_module(txMachine* the, txSlot** realm)
{
	for (txSlot* frame = the->frame; frame; frame = frame->next) {
		txSlot* function = frame + 3;
		if (function->kind != XS_REFERENCE_KIND)
			continue;
		txSlot* module = mxFunctionInstanceHome(function->value.reference)->value.home.module;
		if (!module || module->kind != XS_INSTANCE_KIND)
			continue;
		txSlot* internal = mxModuleInstanceInternal(module);
		if (internal->kind != XS_MODULE_KIND)
			continue;
		*realm = internal->value.module.realm;
		return internal;
	}
	return NULL;
}

bool runtime_realm_is_main(txMachine* the, txSlot* realm)
{
	return realm == mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
}

/* Takes `promise` off XS's list of unhandled rejections, its reason into `reason`; false if it is not there (it was
 * handled meanwhile). */
static bool take_unhandled(txMachine* the, txSlot* promise, txSlot* reason)
{
	txSlot** address = &mxUnhandledPromises.value.reference->next;
	for (txSlot* slot; (slot = *address); address = &slot->next->next) {
		if (slot->value.weakRef.target == promise) {
			*reason = *slot->next;
			*address = slot->next->next;
			return true;
		}
	}
	return false;
}

void fxUnhandledRejectionHook(txMachine* the, txSlot* promise)
{
	txSlot* realm;
	if (!runtime_running_module(the, &realm) || runtime_realm_is_main(the, realm))
		return;
	root_slots(the);
	uint8_t owner = NOBODY;
	for (unsigned p = 0; p < PROCESS_SLOTS; p++) {
		txSlot* c = (txSlot*)&compartments[p];
		if (c->kind == XS_REFERENCE_KIND && mxModuleInstanceInternal(c->value.reference)->value.module.realm == realm)
			owner = (uint8_t)p;
	}
	if (pending_count == PENDING) {
		/* A flood: no room to give it its turn. It leaves XS's list now (so it cannot end the machine), and its
		 * process faults at the end of this batch. */
		txSlot reason;
		take_unhandled(the, promise, &reason);
		if (owner != NOBODY)
			flooded |= 1u << owner;
		return;
	}
	txSlot reference = { .kind = XS_REFERENCE_KIND, .value.reference = promise };
	set_slot(&pending[pending_count], &reference);
	pending_batch[pending_count] = batch;
	pending_process[pending_count++] = owner;
}

void runtime_take_rejections(txMachine* machine)
{
	batch++;
	if (!pending_count && !flooded)
		return;
	xsBeginHost(machine);
	xsVars(2);
	for (unsigned p = 0; flooded && p < PROCESS_SLOTS; p++) {
		if (!(flooded & 1u << p))
			continue;
		flooded &= ~(1u << p);
		xsVar(0) = xsGet(xsGet(xsGlobal, xsID("native")), xsID("rejectionHandler"));
		if (xsTest(xsVar(0)))
			xsCallFunction2(xsVar(0), xsUndefined, xsInteger((xsIntegerValue)p), xsString("more unhandled rejections than the runtime follows at once"));
	}
	unsigned kept = 0;
	for (unsigned i = 0; i < pending_count; i++) {
		txSlot* p = (txSlot*)&pending[i];
		if (batch - pending_batch[i] < 2) { /* happened in the batch just run: it has one more */
			set_slot(&pending[kept], p);
			pending_batch[kept] = pending_batch[i];
			pending_process[kept++] = pending_process[i];
			continue;
		}
		txSlot reason;
		if (p->kind == XS_REFERENCE_KIND && take_unhandled(the, p->value.reference, &reason) && pending_process[i] != NOBODY) {
			xsVar(0) = xsGet(xsGet(xsGlobal, xsID("native")), xsID("rejectionHandler"));
			((txSlot*)&xsVar(1))->kind = reason.kind;
			((txSlot*)&xsVar(1))->value = reason.value;
			if (xsTest(xsVar(0)))
				xsCallFunction2(xsVar(0), xsUndefined, xsInteger(pending_process[i]), xsVar(1));
		}
	}
	txSlot undefined = { .kind = XS_UNDEFINED_KIND };
	for (unsigned i = kept; i < pending_count; i++)
		set_slot(&pending[i], &undefined);
	pending_count = kept;
	xsEndHost(machine);
}

/* (proc, compartment | null): the Compartment process `proc` runs in, kept until it ends (null) or another replaces it. */
static void fx_process_compartment(xsMachine* the)
{
	xsIntegerValue proc = xsToInteger(xsArg(0));
	if (proc < 1 || proc >= PROCESS_SLOTS)
		xsRangeError("processCompartment: process %d", (int)proc);
	root_slots(the);
	set_slot(&compartments[proc], (txSlot*)&xsArg(1));
}

/* (handler(proc, reason)): the kernel's, kept on `native` (it is set while the base heap is built). */
static void fx_set_rejection_handler(xsMachine* the)
{
	if (!xsIsInstanceOf(xsArg(0), xsFunctionPrototype))
		xsTypeError("rejection handler is not a function");
	xsDefine(xsGet(xsGlobal, xsID("native")), xsID("rejectionHandler"), xsArg(0), xsDontEnum | xsDontSet);
}

static void install(xsMachine* the)
{
	static const runtime_function_t functions[] = {
		{ "processCompartment", fx_process_compartment, 2 },
		{ "setRejectionHandler", fx_set_rejection_handler, 1 },
	};
	xsVars(1);
	xsVar(0) = xsGet(xsGlobal, xsID("native"));
	runtime_define_functions(the, &xsVar(0), functions, sizeof(functions) / sizeof(functions[0]));
}

RUNTIME_NATIVES(install);
