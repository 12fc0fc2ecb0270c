/*
 * insn_profile: a QEMU 7.2 TCG plugin that counts executed guest instructions per address, for the benchmarks'
 * profiles (tools/lib/bench/profile.ts reads its output).
 *
 * Debian's QEMU 7.2 loads plugins (-plugin) but ships no qemu-plugin.h, so the few API v1 declarations used here
 * are written out below; they match QEMU 7.x exactly (the API changed in QEMU 8 and 9, which need a rebuilt
 * plugin). Counting is an inline "add 1" emitted before every instruction, so it costs no helper call and is exact:
 * interrupts are taken only between translation blocks, and an instruction that faults never reaches the next
 * instruction's counter. Counters are keyed by address, not by translation, because QEMU retranslates blocks under
 * -icount; a fixed open-addressing table keeps each counter at one address for the generated code to increment.
 *
 * Regions: the guest calls two marker functions whose addresses are passed as begin= and end=. Each time a begin
 * address runs (begin= may be given up to 4 times, e.g. the marker and an interrupt handler's entry), the counters
 * are snapshotted; at the end marker, the per-address differences
 * since the snapshot are written as one region (regions are numbered in the order they close). A region includes
 * the begin marker's first instruction and stops before the end marker's (marker callbacks run before an
 * instruction's own count; test/node/bench.spec.ts checks this on a known loop). main= names an
 * address whose first execution records how many instructions ran since reset (boot cost, exactly) and opens a
 * region there as begin= does, so a program whose first action is the end marker gets its boot profiled.
 *
 * Arguments: out=<file> (required), begin=<hex> (repeatable), end=<hex>, main=<hex>. Output, one record a line:
 *   main <instructions>            reset to the first execution of main=
 *   region <index> <instructions>  followed by "<address hex> <count>" lines for that region, then "end"
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- QEMU 7.2 plugin API (include/qemu/qemu-plugin.h, QEMU_PLUGIN_VERSION 1) --- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void* userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void* userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb* tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb* tb);
struct qemu_plugin_insn* qemu_plugin_tb_get_insn(const struct qemu_plugin_tb* tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn* insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn* insn, enum qemu_plugin_op op, void* ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn* insn, qemu_plugin_vcpu_udata_cb_t cb,
	enum qemu_plugin_cb_flags flags, void* userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void* userdata);
QEMU_PLUGIN_EXPORT extern int qemu_plugin_version;
/* --- end of the API declarations --- */

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* A Cortex-M firmware executes a few tens of thousands of distinct instructions; 2^19 slots keep probes short. */
#define TABLE_BITS 19
#define TABLE_SIZE (1u << TABLE_BITS)

static uint64_t keys[TABLE_SIZE]; /* address + 1; 0 marks a free slot */
static uint64_t counts[TABLE_SIZE];
static uint64_t snapshot[TABLE_SIZE];
/* The slots in use, so a snapshot costs the firmware's executed instructions, not the table size: a begin address
 * in an interrupt handler snapshots thousands of times. */
static uint32_t slots[TABLE_SIZE / 2];
static uint32_t used;

#define MAX_BEGIN 4
static uint64_t begin_addrs[MAX_BEGIN];
static int begin_count;
static uint64_t end_addr = UINT64_MAX, main_addr = UINT64_MAX;
static bool in_region, main_seen;
static unsigned regions;
static FILE* out;

static uint64_t* counter_for(uint64_t vaddr)
{
	uint32_t i = (uint32_t)((vaddr >> 1) * 0x9E3779B1u) >> (32 - TABLE_BITS);
	while (keys[i] != 0 && keys[i] != vaddr + 1)
		i = (i + 1) & (TABLE_SIZE - 1);
	if (keys[i] == 0) {
		if (used == TABLE_SIZE / 2) {
			fprintf(stderr, "insn_profile: more than %u distinct instructions; raise TABLE_BITS\n", TABLE_SIZE / 2);
			abort();
		}
		keys[i] = vaddr + 1;
		slots[used++] = i;
	}
	return &counts[i];
}

static uint64_t total(const uint64_t* values)
{
	uint64_t sum = 0;
	for (uint32_t k = 0; k < used; k++)
		sum += values[slots[k]];
	return sum;
}

static void on_begin(unsigned int vcpu, void* udata)
{
	for (uint32_t k = 0; k < used; k++)
		snapshot[slots[k]] = counts[slots[k]];
	in_region = true;
}

static void on_end(unsigned int vcpu, void* udata)
{
	if (!in_region)
		return;
	in_region = false;
	fprintf(out, "region %u %" PRIu64 "\n", regions++, total(counts) - total(snapshot));
	for (uint32_t k = 0; k < used; k++) {
		uint32_t i = slots[k];
		if (counts[i] != snapshot[i])
			fprintf(out, "%" PRIx64 " %" PRIu64 "\n", keys[i] - 1, counts[i] - snapshot[i]);
	}
	fprintf(out, "end\n");
	fflush(out);
}

static void on_main(unsigned int vcpu, void* udata)
{
	if (main_seen)
		return;
	main_seen = true;
	fprintf(out, "main %" PRIu64 "\n", total(counts));
	fflush(out);
	on_begin(vcpu, udata);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb* tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
		for (int b = 0; b < begin_count; b++)
			if (vaddr == begin_addrs[b])
				qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
		if (vaddr == end_addr)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
		if (vaddr == main_addr)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_main, QEMU_PLUGIN_CB_NO_REGS, NULL);
		qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, counter_for(vaddr), 1);
	}
}

static void on_atexit(qemu_plugin_id_t id, void* udata)
{
	fclose(out);
}

static bool address_arg(const char* arg, const char* name, uint64_t* value)
{
	size_t length = strlen(name);
	if (strncmp(arg, name, length) || arg[length] != '=')
		return false;
	/* Thumb function symbols carry bit 0; instruction addresses never do. */
	*value = strtoull(arg + length + 1, NULL, 16) & ~(uint64_t)1;
	return true;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info, int argc, char** argv)
{
	const char* path = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (begin_count < MAX_BEGIN && address_arg(argv[i], "begin", &begin_addrs[begin_count]))
			begin_count++;
		else if (!address_arg(argv[i], "end", &end_addr) && !address_arg(argv[i], "main", &main_addr)) {
			fprintf(stderr, "insn_profile: unknown argument \"%s\" (expected out=, begin= (at most %d), end=, main=)\n", argv[i], MAX_BEGIN);
			return -1;
		}
	}
	if (!path || !(out = fopen(path, "w"))) {
		fprintf(stderr, "insn_profile: out=<file> is required and must be writable\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}
