/*
 * Program exit through ARM semihosting, so QEMU (and a debugger on a real board) sees the guest's exit status.
 *
 * SYS_EXIT_EXTENDED (0x20) is used because plain SYS_EXIT cannot carry a status on 32-bit ARM. A semihosting call
 * is a BKPT: on a board with no debugger attached it escalates to HardFault, where startup.c recognises it, skips
 * it and returns; the board then sleeps until it is reset. (QEMU does not model DHCSR, so the call cannot be gated
 * on "is a debugger attached" up front.)
 */
#include "cortex_m.h"
#include "hal.h"

#define SYS_EXIT_EXTENDED 0x20
#define ADP_Stopped_ApplicationExit 0x20026

static int semihosting_call(int operation, void* argument)
{
	register int r0 __asm("r0") = operation;
	register void* r1 __asm("r1") = argument;
	__asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void hal_exit(int status)
{
	uint32_t block[2] = { ADP_Stopped_ApplicationExit, (uint32_t)status };
	hal_irq_lock();
	semihosting_call(SYS_EXIT_EXTENDED, block);
	for (;;)
		__asm volatile("wfi");
}
