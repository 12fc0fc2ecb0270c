/*
 * ARM semihosting: the program's exit status, and the few host-file operations the build uses when it runs a
 * firmware under QEMU to generate its base heap (hal/runtime/base.c). Nothing else in a running firmware uses the
 * host: on a board, these calls only fail.
 *
 * SYS_EXIT_EXTENDED (0x20) is used because plain SYS_EXIT cannot carry a status on 32-bit ARM. A semihosting call
 * is a BKPT: on a board with no debugger attached it escalates to HardFault, where startup.c recognises it, skips
 * it and returns -1 to the caller; the board then sleeps until it is reset. (QEMU does not model DHCSR, so the call
 * cannot be gated on "is a debugger attached" up front.)
 */
#include <string.h>

#include "cortex_m.h"
#include "hal.h"

#define SYS_OPEN 0x01
#define SYS_WRITE0 0x04
#define SYS_CLOSE 0x02
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0A
#define SYS_GET_CMDLINE 0x15
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

bool hal_host_command_line(char* buffer, size_t size)
{
	uint32_t block[2] = { (uint32_t)buffer, (uint32_t)size };
	return semihosting_call(SYS_GET_CMDLINE, block) == 0;
}

int hal_host_open(const char* path, bool write)
{
	/* Modes 1 ("rb") and 5 ("wb") of the semihosting fopen table. */
	uint32_t block[3] = { (uint32_t)path, write ? 5u : 1u, (uint32_t)strlen(path) };
	return semihosting_call(SYS_OPEN, block);
}

/* SYS_READ and SYS_WRITE return the number of bytes NOT transferred. */
bool hal_host_read(int file, size_t offset, void* bytes, size_t count)
{
	uint32_t seek[2] = { (uint32_t)file, (uint32_t)offset };
	uint32_t block[3] = { (uint32_t)file, (uint32_t)bytes, (uint32_t)count };
	return semihosting_call(SYS_SEEK, seek) == 0 && semihosting_call(SYS_READ, block) == 0;
}

bool hal_host_write(int file, const void* bytes, size_t count)
{
	uint32_t block[3] = { (uint32_t)file, (uint32_t)bytes, (uint32_t)count };
	return semihosting_call(SYS_WRITE, block) == 0;
}

void hal_host_print(const char* text)
{
	semihosting_call(SYS_WRITE0, (void*)text);
}

void hal_host_close(int file)
{
	uint32_t block[1] = { (uint32_t)file };
	semihosting_call(SYS_CLOSE, block);
}
