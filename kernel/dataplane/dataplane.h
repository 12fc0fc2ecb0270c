/*
 * The data plane's C, shared declarations (kernel/dataplane/dataplane.ts describes the data plane; twin.ts is the
 * same in TypeScript). One file per kind of state: handles.c, ports.c, channels.c, interrupts.c; dataplane.c
 * installs their functions and holds what the syscall entries share.
 *
 * Kernel code, not board code: it knows XS, the runtime's check of a caller's byte buffer and the HAL's interrupt
 * ring and sleep, nothing of a chip. Its state is C's, in .bss and the C heap, so it is empty at every boot, also
 * when the base heap was generated: the kernel creates no handle, port or channel while it is preloaded, and tells
 * the data plane its limits again with every port and channel it creates.
 *
 * Shaped for the interpreter's cost model: every control function takes plain integers and is one host call; the
 * syscall entries read their arguments' slots directly, run none of the caller's code, and either finish the
 * syscall or change nothing and hand it to the control plane. Empty lists are 0 and indexes are stored plus one,
 * so zeroed memory is a valid state.
 */
#ifndef KERNEL_DATAPLANE_H
#define KERNEL_DATAPLANE_H

#include "hal.h"
#include "runtime.h"

#define MX_OK 0
#define MX_ERR_BAD_HANDLE (-11)
#define MX_ERR_WRONG_TYPE (-12)
#define MX_ERR_TIMED_OUT (-21)
#define MX_ERR_ACCESS_DENIED (-30)
#define MX_ERR_BAD_STATE (-20)
#define MX_OBJ_TYPE_CHANNEL 4
#define MX_OBJ_TYPE_IOPORT2 20
#define MX_RIGHT_READ (1u << 2)
#define MX_RIGHT_WRITE (1u << 3)
#define MX_CHANNEL_READABLE (1 << 0)
#define MX_PKT_TYPE_INTERRUPT 7
#define PACKET_SIZE 48

#define PROCESSES 16 /* a power of two: dataplane.ts PROCESSES */
#define PORTS 32
#define ENDPOINTS 32

/* dataplane.c: what the syscall entries share */
extern uint32_t dp_current_process; /* the process whose entry runs; 0 outside any (processes.c) */
extern bool dp_deadline_armed;    /* the kernel has a deadline armed (timers, waits) ... */
extern uint64_t dp_deadline;      /* ... and this is the earliest */
extern bool dp_foreign_hal;       /* the kernel runs on a HAL of its own (kernel_set_hal): its clock is not ours */
extern uint32_t dp_packet_limit;  /* maxPacketsPerPort */
extern uint32_t dp_message_limit; /* maxMessagesPerChannel */
extern uint32_t dp_queue_limit;   /* maxQueuedBytesPerProcess (process 0 is not limited) */
extern uint32_t dp_queued_bytes[]; /* per process: bytes of the messages it wrote that are queued */
/* True when the control plane has a deadline to serve before any syscall looks at state (clock.ts kernel_enter). */
bool dp_deadline_due(void);
/* A control function's integer argument in 0..limit-1 (the kernel passes them; anything else is a kernel bug). */
txInteger dp_int_arg(xsMachine* the, int index, txInteger limit);
/* A syscall entry's argument, undefined when the caller passed fewer. */
txSlot* dp_arg(xsMachine* the, int index);
/* Strictly 0 (the JavaScript `x === 0`). */
bool dp_is_zero(txSlot* slot);
/* An own data property of the object `object` refers to, or NULL. The name's key is looked up once per call site
 * (`cache`, a static there): finding a key by name hashes and compares strings, on every handle made. */
txSlot* dp_own_field_cached(xsMachine* the, txSlot* object, const char* name, txID* cache);
#define dp_own_field(the, object, name)                                                                              \
	({                                                                                                               \
		static txID dp_field_key;                                                                                    \
		dp_own_field_cached(the, object, name, &dp_field_key);                                                       \
	})
/* Hands the function's call, its `argc` arguments unchanged, to the control plane's implementation ("slowPath"). */
void dp_slow_path(xsMachine* the, int argc);

/* The syscall entries' bodies (ports.c, channels.c), run in dp_current_process: processes.c gives each process its
 * own entry functions, which set it and call these. */
void dp_port_queue_entry(xsMachine* the);
void dp_port_wait_entry(xsMachine* the);
void dp_channel_write_entry(xsMachine* the);
void dp_channel_read_entry(xsMachine* the);
extern const runtime_function_t dp_process_functions[];
extern const size_t dp_process_function_count;

/* handles.c: for a fast path, the object index (a port's, an endpoint's) a live handle of the current process names
 * with `need` rights and of `type`; -1 if the handle is anything else, or a deadline is due (the control plane
 * serves it before the syscall looks at any state). */
int dp_fast_object(txSlot* handle, uint32_t need, uint32_t type);
/* Moves `n` live handles of the current process, each with TRANSFER and none naming the channel endpoint `writer`,
 * into transit; false, with nothing changed, if any is not so (or appears twice). */
bool dp_handles_send(const uint32_t* values, unsigned n, int writer);
/* Gives `n` travelling handles their new values (written over `values`, LIVE, rights kept) if nothing waits through
 * any of them; false, with nothing changed, otherwise. */
bool dp_handles_receive(uint32_t* values, unsigned n);

/* ports.c */
typedef struct {
	/* The port object's fields that say whether it is plain (read in place, as channels.c explains for endpoints):
	 * its suffix's head, its waiters' head, `dead`. NULL: a free port. */
	txSlot *suffix, *waiters, *dead;
	uint8_t head, tail; /* pool entry plus one; 0: empty */
	uint8_t length;     /* packets in the prefix */
	uint8_t unused;
	uint32_t count; /* user packets among them: they count against the limit */
} port_t;
extern port_t dp_ports[PORTS];
/* Nothing queued behind the prefix, nobody waits, not dead: the data plane may queue into it. */
bool dp_port_plain(const port_t* p);
/* A new prefix entry at the end of `p` for `owner` (an interrupt binding plus one; 0: a user packet), its 48 bytes
 * to fill; NULL when the pool is empty. */
uint8_t* dp_port_append(port_t* p, unsigned owner);
/* Drops `owner`'s packet from the prefix, if it is there. */
void dp_port_remove_owned(port_t* p, unsigned owner);

/* interrupts.c */
/* The packet of binding `owner` (plus one) has left its port's queue. */
void dp_interrupt_dequeued(unsigned owner);
/* The port is gone: bindings to it no longer name it (its index may be reused). */
void dp_interrupt_port_destroyed(const port_t* p);
/* True if an interrupt is bound to the port. */
bool dp_interrupt_bound_to(const port_t* p);
/*
 * A synchronous mx_port_wait on an empty, plain port with interrupts bound to it: takes interrupt records into
 * their ports' prefixes and sleeps until this port's prefix has a packet (MX_OK) or `deadline` passes
 * (MX_ERR_TIMED_OUT); 1 when a record, an alarm or the HAL in use needs the control plane (nothing was lost).
 */
int dp_interrupt_wait(port_t* p, uint64_t deadline);

extern const runtime_function_t dp_handle_functions[], dp_port_functions[], dp_channel_functions[],
    dp_interrupt_functions[];
extern const size_t dp_handle_function_count, dp_port_function_count, dp_channel_function_count,
    dp_interrupt_function_count;

#endif
