/*
 * The base heap: the built-ins, the host objects (native.c) and the manifest's preloaded modules as one XS machine,
 * frozen into flash, that every machine is cloned from at boot (xsCloneMachine). Building the built-ins in RAM is
 * most of what booting XS costs (about 476,000 instructions and 90 KB); a clone costs a few thousand instructions,
 * and its RAM is what its creation allocates plus the objects it changes (copy-on-write, through its alias array).
 *
 * Generation. The build runs this same firmware under QEMU (tools/lib/base-image.ts) while its .xs_base section
 * still holds the placeholder linked here. The generator takes all the RAM QEMU models (which may be more than the
 * chip has: QEMU gives netduinoplus2 192 KiB), moves to a stack at its top, starts the heap at an offset from the
 * command line, creates the root machine there, installs the host objects, imports the preloaded modules (their
 * bytecode comes from a host file; the firmware's module table does not carry it), fills the global's intrinsics
 * cache, shares the machine and prepares it for read-only memory (below). It then visits every pointer field of
 * every slot, table and array, by kind, to check that nothing points into RAM outside the image, and marks in a
 * relocation map the words that point into it. It then packs the image from the parts the root uses (the slots in
 * use, the chunks, the built-ins' part of the stack, the keys and key tables; not free slots, chunk block tails,
 * malloc's free blocks or the generating machine), moving the marked words with their parts and targets, scans the
 * packed image again to check its map, and writes it, header first, and the map to a host file.
 * The build moves the marked words to the image's flash address, after checking the map against a second run at
 * another offset (each marked word must differ by exactly the offset). Code and constant addresses need no
 * relocation: the image goes back into the ELF that made it (objcopy --update-section), and the ELF's linker build
 * ID, recorded in the header, ties the two together. Data that depends on addresses could not be moved: a Map or Set
 * keyed by objects (it hashes their addresses) fails the generation.
 *
 * Read-only memory. A clone never writes the root: fxShare marks every slot (the collector then skips them) and
 * gives every unfrozen object and closure an alias ID, so a change copies it into the clone's RAM (scopes need none:
 * their variables have their own). The rest is
 * done here and in tools/xs-patches: strings, bigints, bytecode and key names become their "X" (external) kinds,
 * which the collector neither marks nor moves; objects whose state XS cannot copy on write (ArrayBuffer, Map, Set,
 * their weak variants, typed arrays, proxies, settled promises) are frozen, so writing one throws TypeError ("read-
 * only"), as in Moddable's preloads; a RegExp, a generator or a pending promise cannot be frozen usefully and fails
 * the generation. The MPU makes flash read-only (hal/arch/cortex-m/mpu.c), so a write that slips through faults.
 *
 * Boot. The header is checked before anything of it is used: magic, format, XS version, slot and machine sizes,
 * header checksum, bounds, the build ID, the key tables' sizes, and with `defines.base.verify` (test firmware) a
 * checksum of the whole image, which costs about one instruction per byte and is therefore not done by default.
 */
#include "hal.h"
#include "runtime.h"

/* XS 13.3's XS_MODULE_STATUS_EXECUTED, private to xsModule.c, where the status is the second internal slot's ID. */
#define MODULE_STATUS_EXECUTED 6

#define BASE_MAGIC 0x48425358u /* "XSBH" */
#define BASE_PLACEHOLDER_MAGIC 0x4E475358u /* "XSGN": linked, not generated yet */
#define BASE_FORMAT 1u
#define BASE_XS_VERSION ((XS_MAJOR_VERSION << 16) | (XS_MINOR_VERSION << 8) | XS_PATCH_VERSION)
#define BASE_LAYOUT (sizeof(txSlot) | (sizeof(txMachine) << 16))
#define BUILD_ID_SIZE 20

/* The image's first bytes. tools/lib/base-image.ts reads and completes it (checksums): keep the two in step. */
typedef struct {
	uint32_t magic;
	uint32_t format;
	uint32_t xs_version;
	uint32_t layout;
	uint32_t size; /* of the whole image, header included */
	uint8_t build_id[BUILD_ID_SIZE];
	txMachine* root;
	uint32_t slot_count; /* statistics, for the build's size summary */
	uint32_t chunk_bytes;
	uint32_t alias_count;
	uint32_t key_count;
	uint32_t body_checksum; /* written by the build: the bytes after the header */
	uint32_t header_checksum; /* written by the build: the header up to this field */
} base_header_t;

extern const base_header_t __xs_base_start__;
extern char __flash_end__[];
extern const uint8_t __build_id__[];

/* What the linker places in .xs_base; the build replaces it with the generated image. */
__attribute__((section(".xs_base"), used)) static const uint32_t base_placeholder[2] = { BASE_PLACEHOLDER_MAGIC, 0 };

/* Fletcher-style sum over 32-bit words: cheap on a Cortex-M, and any single changed word changes it. */
static uint32_t checksum(const uint32_t* words, size_t count)
{
	uint32_t a = 1, b = 0;
	for (; count >= 4; count -= 4, words += 4) {
		a += words[0];
		b += a;
		a += words[1];
		b += a;
		a += words[2];
		b += a;
		a += words[3];
		b += a;
	}
	while (count--) {
		a += *words++;
		b += a;
	}
	return b ^ ((a << 16) | (a >> 16));
}

/* The linker's build ID (an ELF note: name size, descriptor size, type, "GNU\0", descriptor), or NULL. */
static const uint8_t* build_id(void)
{
	const uint32_t* note = (const uint32_t*)__build_id__;
	return note[0] == 4 && note[1] == BUILD_ID_SIZE && note[2] == 3 ? __build_id__ + 16 : C_NULL;
}

bool hal_generating_base_heap(void)
{
	return __xs_base_start__.magic == BASE_PLACEHOLDER_MAGIC;
}

/* Why the image in flash cannot be used, or NULL. */
static const char* base_problem(const base_header_t* header)
{
	if (header->magic != BASE_MAGIC)
		return "no base heap image in flash";
	if (checksum((const uint32_t*)header, offsetof(base_header_t, header_checksum) / 4) != header->header_checksum)
		return "the image header is corrupt";
	if (header->format != BASE_FORMAT || header->xs_version != BASE_XS_VERSION || header->layout != BASE_LAYOUT)
		return "the image is from another runtime or XS version";
	if (header->size < sizeof(base_header_t) || header->size > (size_t)(__flash_end__ - (char*)header))
		return "the image does not fit in flash";
	const uint8_t* id = build_id();
	if (!id || c_memcmp(id, header->build_id, BUILD_ID_SIZE))
		return "the image was generated for another build of this firmware";
	if (header->root->nameModulo != runtime_creation.nameModulo || header->root->symbolModulo != runtime_creation.symbolModulo)
		return "creation.keys.name or .symbol differs from the image's";
	if (runtime_base_verify
		&& checksum((const uint32_t*)(header + 1), (header->size - sizeof(base_header_t)) / 4) != header->body_checksum)
		return "the image is corrupt (checksum)";
	return C_NULL;
}

xsMachine* runtime_base_clone(int* status)
{
	const base_header_t* header = &__xs_base_start__;
	const char* problem = base_problem(header);
	if (problem) {
		runtime_print("\n*** base heap: ");
		runtime_print(problem);
		runtime_print(": rebuild the firmware (the build generates the image)\n");
		*status = EXIT_BAD_IMAGE;
		return C_NULL;
	}
	xsMachine* machine = xsCloneMachine((xsCreation*)&runtime_creation, header->root, "main", C_NULL);
	if (!machine) {
		runtime_print("\n*** xs abort: the machine could not be created: lower creation sizes in manifest.json\n");
		*status = EXIT_ABORT_BASE + XS_NOT_ENOUGH_MEMORY_EXIT;
	}
	return machine;
}

/* ---- generation (only ever runs under QEMU, from the build) ---- */

/* The generator's own C stack, at the top of the RAM QEMU models. */
#define GENERATOR_STACK_SIZE 16384

typedef struct {
	txMachine* the;
	char* start; /* the image: header, then the heap */
	char* end;
	char* image_path;
	int preload_file;
	uint32_t failures;
} generator_t;

static generator_t generator;

static void fail(const char* what, const char* detail)
{
	if (generator.failures++ < 8) {
		runtime_print("*** base heap: ");
		runtime_print(what);
		if (detail) {
			runtime_print(": ");
			runtime_print(detail);
		}
		runtime_print("\n");
	}
}

bool runtime_base_generating(void)
{
	return generator.the != C_NULL;
}

/* Reads part of a preloaded module's bytecode: the build's preload file holds, in module-table order, the .xsb of
 * every module whose table entry has no bytecode. */
bool runtime_base_read_preload(const runtime_module_t* entry, uint32_t offset, void* bytes, uint32_t size)
{
	uint32_t position = 0;
	for (const runtime_module_t* module = runtime_modules; module < entry; module++)
		if (!module->xsb)
			position += module->size;
	return generator.preload_file >= 0 && hal_host_read(generator.preload_file, position + offset, bytes, size);
}

static void freeze(txSlot* instance)
{
	instance->flag |= XS_DONT_PATCH_FLAG;
	for (txSlot* property = instance->next; property; property = property->next) {
		if (property->kind != XS_ACCESSOR_KIND)
			property->flag |= XS_DONT_SET_FLAG;
		property->flag |= XS_DONT_DELETE_FLAG;
	}
}

/* Before sharing: what cannot be copied on write is frozen (fxShare then gives it no alias ID), or refused. */
static void prepare_instance(txMachine* the, txSlot* instance)
{
	txSlot* internal = instance->next;
	if (!internal || !(internal->flag & XS_INTERNAL_FLAG))
		return;
	switch (internal->kind) {
	case XS_ARRAY_BUFFER_KIND:
	case XS_MAP_KIND:
	case XS_SET_KIND:
	case XS_WEAK_MAP_KIND:
	case XS_WEAK_SET_KIND:
	case XS_WEAK_REF_KIND:
	case XS_TYPED_ARRAY_KIND:
	case XS_DATA_VIEW_KIND:
	case XS_PROXY_KIND:
		freeze(instance);
		break;
	case XS_HOST_KIND:
		if (internal->flag & XS_HOST_CHUNK_FLAG)
			freeze(instance);
		break;
	case XS_PROMISE_KIND:
		if (internal->value.integer == mxPendingStatus)
			fail("a preloaded module keeps a pending promise", "it could never settle in read-only memory");
		freeze(instance);
		break;
	case XS_REGEXP_KIND:
		fail("a preloaded module keeps a RegExp", "XS cannot share one (it writes its match state): create it at run time");
		break;
	case XS_STACK_KIND:
		fail("a preloaded module keeps a generator", "create it at run time");
		break;
	case XS_CLOSURE_KIND:
		if (internal->value.closure->kind == XS_FINALIZATION_REGISTRY_KIND)
			fail("a preloaded module keeps a FinalizationRegistry", "create it at run time");
		break;
	}
}

/* After sharing: values that live in chunks become external ("X") kinds, which a clone's collector leaves alone;
 * bytecode is also rewritten to run in place (archive_code.c). */
static void externalize(txSlot* slot)
{
	switch (slot->kind) {
	case XS_STRING_KIND:
		slot->kind = XS_STRING_X_KIND;
		break;
	case XS_BIGINT_KIND:
		slot->kind = XS_BIGINT_X_KIND;
		break;
	case XS_CODE_KIND:
		runtime_archive_code(slot->value.code.address);
		slot->kind = XS_CODE_X_KIND;
		break;
	case XS_KEY_KIND:
		slot->kind = XS_KEY_X_KIND;
		break;
	}
}

static bool is_array(txSlot* slot)
{
	return slot->kind == XS_ARRAY_KIND || slot->kind == XS_ARGUMENTS_SLOPPY_KIND || slot->kind == XS_ARGUMENTS_STRICT_KIND
		|| slot->kind == XS_STACK_KIND;
}

static txSlot* array_items(txMachine* the, txSlot* array, txIndex* count)
{
	*count = array->value.array.address ? fxGetIndexSize(the, array) : 0;
	return array->value.array.address;
}

static void externalize_all(txMachine* the)
{
	for (txSlot* heap = the->firstHeap; heap; heap = heap->next)
		for (txSlot* slot = heap + 1; slot < heap->value.reference; slot++) {
			externalize(slot);
			if (is_array(slot)) {
				txIndex count;
				for (txSlot* item = array_items(the, slot, &count); count--; item++)
					externalize(item);
			}
		}
	for (txSlot* slot = the->stack; slot < the->stackTop; slot++)
		externalize(slot);
}

/* ---- the image's pointers: checked (only into itself or into flash), and listed for relocation ---- */

/* Marks, one bit per word of the image, the words that hold pointers into it: the build moves those to the image's
 * flash address. Only fields that hold pointers are visited, by kind, so stale bytes in unused parts of a slot or
 * chunk are never taken for pointers. */
static uint8_t* relocations;

static void pointer(const void* field, const char* what)
{
	const char* p = *(const char* const*)field;
	extern char __flash_start__[];
	if (!p || (p >= __flash_start__ && p < __flash_end__))
		return;
	if (p >= generator.start && p <= generator.end) {
		size_t word = (size_t)((const char*)field - generator.start) / 4;
		relocations[word / 8] |= (uint8_t)(1u << (word % 8));
		return;
	}
	char detail[80];
	c_snprintf(detail, sizeof(detail), "%s -> 0x%08lx", what, (unsigned long)(uintptr_t)p);
	fail("the image would point into RAM", detail);
}

static void table(txSlot** const* field, txSize length, const char* what)
{
	pointer(field, what);
	if (*field)
		for (txSize i = 0; i < length; i++)
			pointer(&(*field)[i], what);
}

static void value(txMachine* the, txSlot* slot)
{
	txValue* v = &slot->value;
	switch (slot->kind) {
	case XS_UNINITIALIZED_KIND:
	case XS_UNDEFINED_KIND:
	case XS_NULL_KIND:
	case XS_BOOLEAN_KIND:
	case XS_INTEGER_KIND:
	case XS_NUMBER_KIND:
	case XS_SYMBOL_KIND:
	case XS_DATE_KIND:
	case XS_DATA_VIEW_KIND:
	case XS_BUFFER_INFO_KIND:
	case XS_PROMISE_KIND:
	case XS_AT_KIND:
		break;
	case XS_STRING_X_KIND:
		pointer(&v->string, "string");
		break;
	case XS_BIGINT_X_KIND:
		pointer(&v->bigint.data, "bigint");
		break;
	case XS_REFERENCE_KIND:
		pointer(&v->reference, "reference");
		break;
	case XS_CLOSURE_KIND:
		pointer(&v->closure, "closure");
		break;
	case XS_INSTANCE_KIND:
		pointer(&v->instance.garbage, "instance");
		pointer(&v->instance.prototype, "prototype");
		break;
	case XS_ARGUMENTS_SLOPPY_KIND:
	case XS_ARGUMENTS_STRICT_KIND:
	case XS_ARRAY_KIND:
	case XS_STACK_KIND: {
		txIndex count;
		pointer(&v->array.address, "array");
		for (txSlot* item = array_items(the, slot, &count); count--; item++)
			value(the, item);
	} break;
	case XS_ARRAY_BUFFER_KIND:
		pointer(&v->arrayBuffer.address, "array buffer");
		pointer(&v->arrayBuffer.detachKey, "array buffer");
		break;
	case XS_CALLBACK_KIND:
	case XS_CALLBACK_X_KIND:
		pointer(&v->callback.address, "host function");
		pointer(&v->callback.closures, "host function");
		break;
	case XS_CODE_X_KIND:
		pointer(&v->code.address, "code");
		pointer(&v->code.closures, "code");
		break;
	case XS_ERROR_KIND:
		pointer(&v->error.info, "error");
		break;
	case XS_FINALIZATION_CELL_KIND:
		pointer(&v->finalizationCell.target, "finalization");
		pointer(&v->finalizationCell.token, "finalization");
		break;
	case XS_GLOBAL_KIND:
	case XS_MAP_KIND:
	case XS_SET_KIND:
		table(&v->table.address, v->table.length, "table");
		break;
	case XS_HOST_KIND:
		pointer(&v->host.data, "host data");
		pointer(&v->host.variant.destructor, "host destructor");
		break;
	case XS_MODULE_KIND:
	case XS_MODULE_SOURCE_KIND:
	case XS_PROGRAM_KIND:
		pointer(&v->module.realm, "module");
		break;
	case XS_PROXY_KIND:
		pointer(&v->proxy.handler, "proxy");
		pointer(&v->proxy.target, "proxy");
		break;
	case XS_TYPED_ARRAY_KIND:
		pointer(&v->typedArray.dispatch, "typed array");
		pointer(&v->typedArray.atomics, "typed array");
		break;
	case XS_WEAK_MAP_KIND:
	case XS_WEAK_SET_KIND:
		pointer(&v->weakList.first, "weak collection");
		pointer(&v->weakList.link, "weak collection");
		break;
	case XS_WEAK_REF_KIND:
		pointer(&v->weakRef.target, "weak reference");
		pointer(&v->weakRef.link, "weak reference");
		break;
	case XS_WEAK_ENTRY_KIND:
		pointer(&v->weakEntry.check, "weak entry");
		pointer(&v->weakEntry.value, "weak entry");
		break;
	case XS_ACCESSOR_KIND:
		pointer(&v->accessor.getter, "accessor");
		pointer(&v->accessor.setter, "accessor");
		break;
	case XS_ENTRY_KIND:
		pointer(&v->entry.slot, "entry");
		if (v->entry.slot && v->entry.slot->kind == XS_REFERENCE_KIND)
			fail("a preloaded Map or Set is keyed by objects", "its table hashes their addresses: fill it at run time");
		break;
	case XS_HOME_KIND:
		pointer(&v->home.object, "home");
		pointer(&v->home.module, "home");
		break;
	case XS_KEY_X_KIND:
		pointer(&v->key.string, "key");
		break;
	case XS_LIST_KIND:
		pointer(&v->list.first, "list");
		pointer(&v->list.last, "list");
		break;
	case XS_PRIVATE_KIND:
		pointer(&v->private.check, "private");
		pointer(&v->private.first, "private");
		break;
	case XS_EXPORT_KIND:
		pointer(&v->export.closure, "export");
		pointer(&v->export.module, "export");
		break;
	default: {
		char detail[24];
		c_snprintf(detail, sizeof(detail), "kind %d", slot->kind);
		fail("the image holds a slot the runtime cannot check", detail);
	}
	}
}

/* Also run on the compacted image, to check it: everything is reached from the root (fxGetIndexSize, the only use of
 * `the` under value(), only reads the array's chunk). */
static void scan_image(txMachine* root, base_header_t* header)
{
	for (txSlot* heap = root->firstHeap; heap; heap = heap->next) {
		pointer(&heap->next, "heap");
		pointer(&heap->value.reference, "heap");
		for (txSlot* slot = heap + 1; slot < heap->value.reference; slot++) {
			pointer(&slot->next, "slot");
			if (slot->kind == XS_INSTANCE_KIND && slot->ID < 0)
				fail("too many aliasable objects and closures", "XS numbers them with 16-bit IDs");
			value(root, slot);
		}
	}
	for (txSlot* slot = root->stack; slot < root->stackTop; slot++)
		value(root, slot);
	table(&root->keyArray, root->keyIndex, "keys");
	table(&root->nameTable, root->nameModulo, "names");
	table(&root->symbolTable, root->symbolModulo, "symbols");
	pointer(&root->colors, "colors");
	pointer(&root->stack, "stack");
	pointer(&root->stackBottom, "stack");
	pointer(&root->stackTop, "stack");
	pointer(&root->firstHeap, "heap");
	pointer(&header->root, "root");
}

/* ---- compaction: only the parts of the heap the root uses go to flash ---- */

/* The heap as built is everything the generator's malloc handed out, and about a fifth of it the root never uses:
 * free slots (the collector does not move slots), the unused tails of chunk blocks, malloc's free blocks (left by
 * growing the key array and by loading modules), the stack below the built-ins, the key array's spare room and the
 * generating machine itself. The image is packed from the parts the root uses, listed here, each kept at its
 * alignment modulo 8; every pointer marked in the relocation map is moved with its part and its target. A marked
 * pointer whose target is in none of the parts fails the generation, so a part missing from this list cannot go
 * unnoticed. Pointers to the end of a part (a heap block's end, the stack top) move with that part. */
typedef struct {
	char* from; /* [from, to), in the heap as built */
	char* to;
	size_t at; /* offset in the packed image */
} part_t;

typedef struct {
	part_t* parts; /* C_NULL: only counted */
	size_t count;
} parts_t;

static void keep(parts_t* list, const void* from, const void* to)
{
	if (list->parts)
		list->parts[list->count] = (part_t){ (char*)from, (char*)to, 0 };
	list->count++;
}

/* Called twice: to count the parts, then to list them. */
static void list_parts(parts_t* list, txMachine* the, txMachine* root, base_header_t* header)
{
	list->count = 0;
	keep(list, header, header + 1);
	keep(list, root, root + 1);
	keep(list, root->keyArray, root->keyArray + root->keyIndex);
	keep(list, root->nameTable, root->nameTable + root->nameModulo);
	keep(list, root->symbolTable, root->symbolTable + root->symbolModulo);
	keep(list, root->stack, root->stackTop);
	for (txBlock* block = the->firstBlock; block; block = block->nextBlock)
		keep(list, block + 1, block->current); /* compacted by the last collection: all chunks in use */
	for (txSlot* heap = the->firstHeap; heap; heap = heap->next) {
		txSlot* run = heap; /* the block's first slot: its link and end */
		for (txSlot* slot = heap + 1; slot <= heap->value.reference; slot++) {
			bool used = slot < heap->value.reference && (slot->flag & XS_MARK_FLAG);
			if (used && !run)
				run = slot;
			else if (!used && run) {
				keep(list, run, slot);
				run = C_NULL;
			}
		}
	}
}

static int by_address(const void* a, const void* b)
{
	const part_t *x = a, *y = b;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* Where `p` goes in the packed image, or SIZE_MAX when it is in none of the parts. */
static size_t packed(const parts_t* list, const char* p)
{
	size_t low = 0, high = list->count;
	while (high - low > 1) {
		size_t middle = (low + high) / 2;
		if (list->parts[middle].from <= p)
			low = middle;
		else
			high = middle;
	}
	const part_t* part = &list->parts[low];
	return p >= part->from && p <= part->to ? part->at + (size_t)(p - part->from) : SIZE_MAX;
}

/* Ends each heap block after its last slot in use (its end is a pointer the packing must keep in the block).
 * Free slots were cleared; every other slot was marked by fxShare. Returns the number of slots in use. */
static uint32_t trim_heaps(txMachine* the, uint32_t free_count)
{
	uint32_t used = 0, unused = 0;
	for (txSlot* heap = the->firstHeap; heap; heap = heap->next) {
		txSlot* end = heap + 1;
		for (txSlot* slot = heap + 1; slot < heap->value.reference; slot++)
			if (slot->flag & XS_MARK_FLAG) {
				end = slot + 1;
				used++;
			}
			else
				unused++;
		heap->value.reference = end;
	}
	if (unused != free_count)
		fail("a slot was allocated after sharing", C_NULL);
	return used;
}

/* Packs the image (the relocation map marks its pointers) and returns its new size; `map` receives the new map. */
static size_t compact(txMachine* the, txMachine* root, base_header_t* header, uint8_t* map)
{
	char* start = generator.start;
	size_t size = (size_t)(generator.end - start);
	parts_t list = { C_NULL, 0 };
	list_parts(&list, the, root, header);
	part_t* parts = _sbrk((list.count * sizeof(part_t) + 7) & ~(size_t)7);
	if (parts == (void*)-1) {
		fail("no RAM left to compact the image", C_NULL);
		return 0;
	}
	list.parts = parts;
	list_parts(&list, the, root, header);
	c_qsort(parts, list.count, sizeof(part_t), by_address);
	size_t count = 0;
	for (size_t i = 0; i < list.count; i++) {
		part_t part = parts[i];
		if (part.from == part.to)
			continue;
		if (part.from < start || part.to > generator.end || (count && part.from < parts[count - 1].to)) {
			fail("the image's parts overlap or lie outside it", C_NULL);
			return 0;
		}
		if (count && part.from == parts[count - 1].to)
			parts[count - 1].to = part.to;
		else
			parts[count++] = part;
	}
	list.count = count;
	size_t at = 0;
	for (size_t i = 0; i < count; i++) {
		at += (size_t)(parts[i].from - start - at) & 7; /* same alignment modulo 8 as built */
		parts[i].at = at;
		at += (size_t)(parts[i].to - parts[i].from);
	}
	size_t packed_size = (at + 7) & ~(size_t)7;

	c_memset(map, 0, (packed_size / 4 + 7) / 8);
	for (size_t word = 0; word < size / 4; word++) {
		if (!(relocations[word / 8] & (1u << (word % 8))))
			continue;
		char* field = start + word * 4;
		char* target = *(char**)field;
		size_t where = packed(&list, field), to = packed(&list, target);
		if (where == SIZE_MAX || packed(&list, field + 4) != where + 4 || to == SIZE_MAX) {
			char detail[64];
			c_snprintf(detail, sizeof(detail), "at offset 0x%lx -> 0x%lx", (unsigned long)(field - start),
				(unsigned long)(target - start));
			fail("the image would point into memory the root does not use", detail);
			continue;
		}
		*(char**)field = start + to;
		map[where / 32] |= (uint8_t)(1u << (where / 4 % 8));
	}
	if (generator.failures)
		return 0;
	for (size_t i = 0; i < count; i++) {
		size_t length = (size_t)(parts[i].to - parts[i].from);
		size_t next = i + 1 < count ? parts[i + 1].at : packed_size;
		c_memmove(start + parts[i].at, parts[i].from, length);
		c_memset(start + parts[i].at + length, 0, next - parts[i].at - length);
	}
	return packed_size;
}

/* Every module whose bytecode the firmware left out must be in the image, executed. */
static void check_preloaded(txMachine* the)
{
	txSlot* table = mxProgram.value.reference; /* after fxShareMachine: the modules, by ID */
	for (uint32_t i = 0; i < runtime_module_count; i++) {
		if (runtime_modules[i].xsb)
			continue;
		txID id = fxFindName(the, (txString)runtime_modules[i].path);
		txSlot* module = table->next;
		while (module && !(id != XS_NO_ID && module->ID == id))
			module = module->next;
		if (!module || module->value.reference->next->next->ID != MODULE_STATUS_EXECUTED)
			fail("a module the build marked as preloaded did not load", runtime_modules[i].path);
	}
}

/* The machine as fxCloneMachine reads it: the key tables, the stack of built-ins and the alias count. */
static txMachine* root_of(txMachine* the)
{
	txMachine* root = c_calloc(1, sizeof(txMachine));
	if (!root)
		fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
	root->stack = the->stack;
	root->stackBottom = the->stackBottom;
	root->stackTop = the->stackTop;
	root->firstHeap = the->firstHeap;
	root->nameModulo = the->nameModulo;
	root->nameTable = the->nameTable;
	root->symbolModulo = the->symbolModulo;
	root->symbolTable = the->symbolTable;
	root->colors = the->colors;
	root->keyArray = the->keyArray;
	root->keyCount = the->keyCount;
	root->keyIndex = the->keyIndex;
	root->aliasCount = the->aliasCount;
	root->profileID = the->profileID;
	root->shared = 1;
	return root;
}

extern void fx_harden(txMachine* the);
extern void fx_lockdown(txMachine* the);

/*
 * XS 13.3's lockdown leaves mxCompartmentGlobal as an *array* of the intrinsics indexed by key ID (what a machine of
 * its own copies into each compartment's global), but in a clone (the->sharedMachine set) a Compartment uses it as
 * the *prototype* of its global, where names cannot find array items: a process would see no Object, Array, ...
 * So it becomes an ordinary object with the intrinsics as named properties (the attributes the other path gives
 * them), in the base heap: every compartment's global inherits from it. XS's `trace` is left out: it writes to the
 * console, a host capability rather than an intrinsic. The preloads may add to it (native.processGlobal); it is
 * hardened after them (harden_process_global).
 */
static void make_compartment_global(txMachine* the)
{
	if (mxCompartmentGlobal.kind != XS_REFERENCE_KIND)
		return;
	txSlot* item = mxCompartmentGlobal.value.reference->next->value.array.address;
	mxPush(mxObjectPrototype);
	txSlot* global = fxNewObjectInstance(the);
	txSlot* slot = fxLastProperty(the, global);
	txID id;
	for (id = XS_SYMBOL_ID_COUNT; id < _Infinity; id++)
		if (id != _trace)
			slot = fxNextSlotProperty(the, slot, item + id, mxID(id), XS_DONT_ENUM_FLAG);
	for (; id < _Compartment; id++)
		slot = fxNextSlotProperty(the, slot, item + id, mxID(id), XS_GET_ONLY);
	mxPull(mxCompartmentGlobal);
}

/* Hardens what every compartment's global inherits, with what the preloads added to it (make_compartment_global). */
static void harden_process_global(txMachine* machine)
{
	xsBeginHost(machine);
	if (mxCompartmentGlobal.kind == XS_REFERENCE_KIND)
		xsCall1(xsGlobal, xsID("harden"), mxCompartmentGlobal);
	xsEndHost(machine);
}

/*
 * Locks the intrinsics down before any module is preloaded (issue 12): every process's Compartment shares them, so
 * they are hardened once, here, and stay in flash. `harden` stays on the global while the preloads run (they harden
 * what they share with processes) and is removed after: at run time XS's harden writes a flag into every object it
 * reaches, and an object in flash that was not hardened here would fault.
 */
static void lock_down(txMachine* machine)
{
	xsBeginHost(machine);
	xsDefine(xsGlobal, xsID("harden"), xsNewHostFunction(fx_harden, 1), xsDontEnum);
	xsDefine(xsGlobal, xsID("lockdown"), xsNewHostFunction(fx_lockdown, 0), xsDontEnum);
	xsCall0(xsGlobal, xsID("lockdown"));
	xsDelete(xsGlobal, xsID("lockdown"));
	make_compartment_global(the);
	xsEndHost(machine);
}

static void forget_harden(txMachine* machine)
{
	xsBeginHost(machine);
	xsDelete(xsGlobal, xsID("harden"));
	xsEndHost(machine);
}

static void import_preloads(txMachine* machine)
{
	xsBeginHost(machine);
	for (uint32_t i = 0; i < runtime_preload_count; i++)
		xsAwaitImport(runtime_preloads[i], XS_IMPORT_NAMESPACE);
	while (the->promiseJobsPending) {
		the->promiseJobsPending = 0;
		fxRunPromiseJobs(the);
	}
	xsEndHost(machine);
}

/* Makes the names XS's module code looks up by C string keys of the base heap, so that a clone finds each once
 * (tools/xs-patches/module-names.patch). */
extern const txInteger gxModuleNameCount;
extern const char* const gxModuleNames[];

static void share_module_names(txMachine* the)
{
	for (txInteger i = 0; i < gxModuleNameCount; i++)
		fxID(the, (txString)gxModuleNames[i]);
}

/* Fills the global object's cache of intrinsics, which a shared global only reads (tools/xs-patches). */
static void fill_global_cache(txMachine* the)
{
	for (txID id = XS_SYMBOL_ID_COUNT; id < XS_INTRINSICS_COUNT; id++)
		mxBehaviorGetProperty(the, mxGlobal.value.reference, id, 0, XS_OWN);
}

/* After sharing: an environment (a scope) is never changed as an object in a clone, only its variables are, and
 * those have alias IDs of their own, so environments lose theirs and the IDs are renumbered without gaps: every ID
 * costs each clone a pointer, and clearing it at boot. `owners` has room for the->aliasCount pointers. */
static void renumber_aliases(txMachine* the, txSlot** owners)
{
	c_memset(owners, 0, the->aliasCount * sizeof(txSlot*));
	for (txSlot* heap = the->firstHeap; heap; heap = heap->next)
		for (txSlot* slot = heap + 1; slot < heap->value.reference; slot++) {
			if (slot->kind == XS_INSTANCE_KIND && slot->ID > 0)
				owners[slot->ID] = slot;
			else if (slot->kind == XS_CLOSURE_KIND && slot->value.closure->ID > 0)
				owners[slot->value.closure->ID] = slot->value.closure;
		}
	txID next = 1;
	for (txID id = 1; id < the->aliasCount; id++) {
		txSlot* owner = owners[id];
		if (!owner)
			continue;
		bool environment = owner->kind == XS_INSTANCE_KIND && owner->next && (owner->next->flag & XS_INTERNAL_FLAG)
			&& owner->next->ID == XS_ENVIRONMENT_BEHAVIOR;
		owner->ID = environment ? XS_NO_ID : next++;
	}
	the->aliasCount = next;
}

static void generate(void) __attribute__((noreturn));
static int build_image(void);

/* The command line: <program> <heap offset> <end of RAM> <image file> <preload file>. It is read into a buffer on
 * the stack in use, twice: the first stack may become heap, and a static buffer would cost every firmware RAM. */
static int command_line(char* line, size_t size, char* words[5])
{
	int n = 0;
	if (hal_host_command_line(line, size))
		for (char* p = line; *p && n < 5;) {
			while (*p == ' ')
				*p++ = 0;
			if (*p)
				words[n++] = p;
			while (*p && *p != ' ')
				p++;
		}
	return n;
}

int runtime_base_generate(void)
{
	char line[256];
	char* words[5];
	bool complete = command_line(line, sizeof(line), words) == 5;
	size_t offset = complete ? (size_t)strtoul(words[1], C_NULL, 0) : 1;
	char* ram_end = complete ? (char*)strtoul(words[2], C_NULL, 0) : C_NULL;
	if ((offset & 7) || ((uintptr_t)ram_end & 7)) {
		runtime_print("\n*** base heap: this firmware's base heap was never generated (the build generates it under QEMU)\n");
		return EXIT_BAD_IMAGE;
	}
	generator.start = runtime_heap_restart(offset, ram_end - GENERATOR_STACK_SIZE);
	runtime_set_c_stack_limit(ram_end - GENERATOR_STACK_SIZE);
	hal_continue_on_stack(generate, ram_end);
}

/* Builds and writes the image, then ends the program: the stack it was called on may be part of the heap now. */
static void generate(void)
{
	char line[256];
	char* words[5];
	command_line(line, sizeof(line), words);
	generator.image_path = words[3];
	generator.preload_file = hal_host_open(words[4], false);
	hal_exit(build_image());
}

static int build_image(void)
{
	base_header_t* header = (base_header_t*)generator.start;
	if (_sbrk((sizeof(base_header_t) + 7) & ~7u) != header)
		return EXIT_BAD_IMAGE;
	runtime_memory_uncap();

	/* The root's sizes only decide how much flash the image takes: the clone has its own creation. Its key tables
	 * are copied by the clone, so their sizes must be the clone's. */
	xsCreation creation = runtime_creation;
	creation.initialChunkSize = 12288;
	creation.incrementalChunkSize = 4096;
	creation.initialHeapCount = 4096;
	creation.incrementalHeapCount = 128;
	creation.stackCount = runtime_creation.stackCount; /* preloaded module bodies run on it */
	creation.initialKeyCount = 512;
	creation.incrementalKeyCount = 128;
	creation.staticSize = 0;
	txMachine* the = xsCreateMachine(&creation, "base", C_NULL);
	if (!the) {
		runtime_print("\n*** base heap: the root machine could not be created\n");
		return EXIT_BAD_IMAGE;
	}
	generator.the = the;
	runtime_install_natives(the);
	runtime_install_module_natives(the);
	lock_down(the);
	import_preloads(the);
	harden_process_global(the);
	forget_harden(the);
	fill_global_cache(the);
	share_module_names(the);
	fxCollectGarbage(the);
	for (txSlot* heap = the->firstHeap; heap; heap = heap->next)
		for (txSlot* slot = heap + 1; slot < heap->value.reference; slot++)
			if (slot->kind == XS_INSTANCE_KIND)
				prepare_instance(the, slot);
	xsShareMachine(the);
	check_preloaded(the);
	externalize_all(the);
	txMachine* root = root_of(the);
	generator.end = runtime_heap_top();
	txSlot** owners = _sbrk((the->aliasCount * sizeof(txSlot*) + 7) & ~(size_t)7);
	if (owners == (void*)-1) {
		runtime_print("\n*** base heap: no RAM left to renumber alias IDs\n");
		return EXIT_BAD_IMAGE;
	}
	renumber_aliases(the, owners);
	root->aliasCount = the->aliasCount;
	if (generator.preload_file >= 0)
		hal_host_close(generator.preload_file);

	c_memset(header, 0, sizeof(*header));
	header->magic = BASE_MAGIC;
	header->format = BASE_FORMAT;
	header->xs_version = BASE_XS_VERSION;
	header->layout = BASE_LAYOUT;
	header->size = (uint32_t)(generator.end - generator.start);
	if (build_id())
		c_memcpy(header->build_id, build_id(), BUILD_ID_SIZE);
	header->root = root;
	header->chunk_bytes = (uint32_t)the->currentChunksSize;
	header->alias_count = (uint32_t)the->aliasCount;
	header->key_count = (uint32_t)the->keyIndex;

	/* Free slots are cleared: fxShare marked every slot, free or not, and the packing leaves out the unmarked ones.
	 * The root describes only what is kept: the built-ins' part of the stack (a clone reads below stackTop only)
	 * and the keys in use. */
	uint32_t free_count = 0;
	for (txSlot *slot = the->freeHeap, *next; slot; slot = next) {
		next = slot->next;
		c_memset(slot, 0, sizeof(txSlot));
		free_count++;
	}
	header->slot_count = trim_heaps(the, free_count);
	root->stackBottom = root->stack;
	root->keyCount = root->keyIndex;

	size_t relocation_bytes = (header->size / 4 + 7) / 8;
	relocations = _sbrk((relocation_bytes + 7) & ~(size_t)7); /* what follows stays aligned */
	uint8_t* map = _sbrk((relocation_bytes + 7) & ~(size_t)7);
	if (relocations == (void*)-1 || map == (void*)-1) {
		runtime_print("\n*** base heap: no RAM left for the relocation map\n");
		return EXIT_BAD_IMAGE;
	}
	c_memset(relocations, 0, relocation_bytes);
	scan_image(root, header);
	if (generator.failures)
		return EXIT_BAD_IMAGE;
	size_t size = compact(the, root, header, map); /* `the`, `root` and malloc are stale from here on: no allocation */
	if (generator.failures)
		return EXIT_BAD_IMAGE;
	header->size = (uint32_t)size;
	relocation_bytes = (size / 4 + 7) / 8;

	/* The packed image is scanned again: its map must be the one compaction made. */
	generator.end = generator.start + size;
	c_memset(relocations, 0, relocation_bytes);
	scan_image(header->root, header);
	if (!generator.failures && c_memcmp(relocations, map, relocation_bytes))
		fail("compaction moved a pointer the image does not hold", C_NULL);
	if (generator.failures)
		return EXIT_BAD_IMAGE;

	/* The file: the image, then its relocation map. */
	int file = hal_host_open(generator.image_path, true);
	if (file < 0 || !hal_host_write(file, header, header->size) || !hal_host_write(file, relocations, relocation_bytes)) {
		runtime_print("\n*** base heap: cannot write the image file\n");
		return EXIT_BAD_IMAGE;
	}
	hal_host_close(file);
	return EXIT_OK;
}
