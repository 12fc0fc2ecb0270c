/*
 * The C side of the HAL: what the portable runtime (hal/runtime) needs from a board, and what drivers report back.
 *
 * Tock-style split: this header is the interface; hal/drivers holds portable drivers (CMSDK timer and UART, used by
 * every MPS2 board); boards/<name>/board.c wires a board's drivers to these functions. The runtime never includes a
 * board or driver header, so adding a board never touches the runtime.
 *
 * Everything here may be called with interrupts enabled unless it says otherwise. Nothing here calls into XS.
 */
#ifndef HAL_H
#define HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HAL_TIME_INFINITE UINT64_MAX

/* --- implemented by each board (boards/<name>/board.c) --- */

/* Called first thing from the reset handler, before .data/.bss exist: starts the monotonic clock so that it counts
 * from reset (boot time is then a clock reading). Must not touch RAM variables. */
void board_early_init(void);

/* Called once .data and .bss are ready, before main(): console, alarm, interrupt priorities. */
void board_init(void);

/* Name shown in the boot banner, e.g. "mps2-an386". */
extern const char board_name[];

/* Blocking console output (the board's console UART). Safe in fault handlers. */
void board_console_write(const char* bytes, size_t count);

/* Monotonic nanoseconds since reset; never goes backwards, correct across counter wrap. */
uint64_t board_now_ns(void);

/* RAM outside the C heap's arena that the XS heap may also use (start, size; size 0 when there is none). */
void board_extra_ram(char** start, size_t* size);

/* How often the clock's hardware counter wraps, in ns (tests read the clock across a wrap). */
uint64_t board_clock_wrap_ns(void);

/* One-shot alarm at an absolute board_now_ns() deadline; HAL_TIME_INFINITE disarms. When it passes, the driver calls
 * hal_alarm_fired() from its interrupt handler. A deadline already past fires at once. */
void board_alarm_set(uint64_t deadline_ns);

/* External interrupt lines a program may bind (mx_interrupt_create). */
bool board_irq_available(unsigned vector);

/* Available lines no device drives (on QEMU: nothing is wired to them), for tests that raise lines from outside. */
extern const uint8_t board_spare_lines[];
extern const unsigned board_spare_line_count;

/* How soon after its deadline the alarm is guaranteed to take effect: one timer tick, or one clock reading where
 * the tick is shorter than that. */
extern const uint32_t board_alarm_resolution_ns;

/* The board's data UART (not the console), for programs: its receive interrupt line, which programs bind with
 * mx_interrupt_create, and non-blocking reads and writes. Reading returns what the driver has buffered. */
extern const unsigned board_data_uart_vector;
size_t board_data_uart_read(uint8_t* into, size_t count);
size_t board_data_uart_write(const uint8_t* bytes, size_t count);

/* --- implemented by the runtime (hal/runtime) --- */

/* True when this firmware runs only so that the build can generate its base heap (hal/runtime/base.c). The build
 * may run it on another board's QEMU machine then, so the reset handler leaves the board's devices alone and text
 * goes to the host (semihosting) instead of the console. */
bool hal_generating_base_heap(void);

/* --- implemented by the runtime (hal/runtime), called by drivers from interrupt handlers --- */

/* The alarm deadline has passed. */
void hal_alarm_fired(void);

/* A bound (program-owned) interrupt line fired: record it for the kernel. */
void hal_irq_record(unsigned vector);

/* --- interrupt plumbing shared by arch code and drivers (hal/arch/cortex-m) --- */

typedef void (*hal_irq_handler_t)(unsigned vector);

/* Routes an external interrupt line to a driver's handler (NULL: the line records into the kernel ring). */
void hal_irq_attach(unsigned vector, hal_irq_handler_t handler);

/* A line whose device needs a driver even while a program owns it (a UART must be drained in its ISR). Its handler
 * calls hal_irq_record when it has something to report, at most once until `ack`; `enable` turns the device's
 * interrupt source on or off. Lines without a driver are masked in the ISR and unmasked by the ack. */
typedef struct {
	hal_irq_handler_t handler;
	void (*enable)(unsigned vector, bool enabled);
	void (*ack)(unsigned vector);
} hal_irq_driver_t;

void hal_irq_offer(unsigned vector, const hal_irq_driver_t* driver);
const hal_irq_driver_t* hal_irq_driver(unsigned vector);
void hal_irq_enable(unsigned vector);
void hal_irq_disable(unsigned vector);

/* Unmasks a line after dropping what the NVIC latched while it was masked. Program-owned lines are level-style:
 * the program clears its device's condition before mx_interrupt_ack, and a latch left from while the line was
 * still asserted (Cortex-M re-pends a level line when its handler returns) must not fire a stale event. */
void hal_irq_unmask_clean(unsigned vector);

/* Masks interrupts (PRIMASK), returning the previous mask for hal_irq_unlock. */
uint32_t hal_irq_lock(void);
void hal_irq_unlock(uint32_t previous);

/* Sleeps (WFI) until an interrupt is pending. Call it with interrupts locked, after checking there is nothing to do:
 * a pending interrupt still wakes the core, so an event that arrives between the check and the sleep is not lost. */
void hal_sleep(void);

/* Ends the program with a status (semihosting exit under a debugger or QEMU; a reset loop on bare hardware). */
void hal_exit(int status) __attribute__((noreturn));

/* Makes the whole flash read-only and non-writable from reset on (the MPU, where the core has one), so a stray write
 * into code or the base heap faults instead of being silently dropped (real flash) or applied (QEMU's mps2). */
void hal_protect_flash(void);

/* Continues in function (which never returns) on a new stack that ends at stack_top (8-byte aligned). */
void hal_continue_on_stack(void (*function)(void), void* stack_top) __attribute__((noreturn));

/* --- the host, through a debugger or QEMU (semihosting); every call fails on a board running alone --- */

/* The command line QEMU passes to the program (-semihosting-config arg=...). */
bool hal_host_command_line(char* buffer, size_t size);
/* A host file opened for reading or (created and truncated) for writing: a handle, or -1. */
int hal_host_open(const char* path, bool write);
bool hal_host_read(int file, size_t offset, void* bytes, size_t count);
bool hal_host_write(int file, const void* bytes, size_t count);
void hal_host_close(int file);
/* Writes text to the host's error output. */
void hal_host_print(const char* text);

#endif
