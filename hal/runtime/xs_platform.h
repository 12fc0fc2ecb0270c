/*
 * XSPLATFORM header for XS on bare-metal Cortex-M with newlib: the C library XS builds on, and which platform hooks
 * we provide ourselves (hal/runtime/*.c) instead of XS's defaults.
 *
 * Ours: machine platform data and promise-job flag (machine.c), chunk and slot allocation with a hard cap and
 * accounting (memory.c), module lookup and loading from the firmware's bytecode table (modules.c), fxAbort with a
 * readable reason (abort.c), the C stack limit (from the linker script), built-in names that stay in flash
 * (keys.c), and, in release builds, an fxParseScript that refuses source text (parse.c): the parser is not linked at
 * all.
 */
#ifndef XS_PLATFORM_H
#define XS_PLATFORM_H

#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef PATH_MAX
#define PATH_MAX 256
#endif

/* Check the JavaScript and C stacks on every push and call: XS leaves this to debug builds, but a release
 * firmware that overruns its stack would corrupt the heap instead of failing (measured cost: about 8%). */
#define mxBoundsCheck 1
#define mxUseDefaultSharedChunks 1
#define mxUseDefaultCStackLimit 0
#ifdef XS_WITH_PARSER
#define mxUseDefaultParseScript 1
#endif

#define mxMachinePlatform \
	void* host; \
	volatile uint8_t promiseJobsPending; \
	void* waiterCondition; \
	void* waiterData; \
	void* waiterLink;

#endif
