/*
 * The system calls newlib expects, for a program that is alone on the CPU: the heap is the RAM between .bss and the
 * C stack (linker symbols), stdout/stderr go to the console, time comes from the board's monotonic clock (there is no
 * wall clock: Date starts at the epoch at reset), and everything else fails with the error a missing OS would give.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "hal.h"

extern char __heap_start__[], __heap_end__[];

static char* brk = __heap_start__;
static char* heap_end = __heap_end__;

/* Moves the heap to [__heap_start__ + offset, end): only before the first allocation, by the base heap generator
 * (base.c), which builds the same heap at two addresses to find its pointers, in all the RAM QEMU models. */
char* runtime_heap_restart(size_t offset, char* end)
{
	brk = __heap_start__ + offset;
	heap_end = end;
	return brk;
}

char* runtime_heap_top(void)
{
	return brk;
}

void* _sbrk(ptrdiff_t increment)
{
	if (increment > heap_end - brk || increment < __heap_start__ - brk) {
		errno = ENOMEM;
		return (void*)-1;
	}
	char* previous = brk;
	brk += increment;
	return previous;
}

int _write(int file, const char* bytes, int count)
{
	if (file != 1 && file != 2) {
		errno = EBADF;
		return -1;
	}
	board_console_write(bytes, (size_t)count);
	return count;
}

int _read(int file, char* bytes, int count)
{
	(void)file, (void)bytes, (void)count;
	errno = EBADF;
	return -1;
}

int _close(int file)
{
	(void)file;
	errno = EBADF;
	return -1;
}

int _fstat(int file, struct stat* status)
{
	(void)file;
	status->st_mode = S_IFCHR;
	return 0;
}

int _isatty(int file)
{
	return file <= 2;
}

int _lseek(int file, int offset, int whence)
{
	(void)file, (void)offset, (void)whence;
	errno = ESPIPE;
	return -1;
}

int _getpid(void)
{
	return 1;
}

int _kill(int pid, int signal)
{
	(void)pid, (void)signal;
	errno = EINVAL;
	return -1;
}

void _exit(int status)
{
	hal_exit(status);
}

int _gettimeofday(struct timeval* time, void* zone)
{
	(void)zone;
	uint64_t now = board_now_ns();
	time->tv_sec = (time_t)(now / 1000000000u);
	time->tv_usec = (suseconds_t)(now / 1000u % 1000000u);
	return 0;
}

/* -nostartfiles leaves these to the program; there are no C++ constructors to run. */
void _init(void) {}
void _fini(void) {}
