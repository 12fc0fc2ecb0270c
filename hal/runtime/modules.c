/*
 * Module lookup and loading for XS from the firmware's table of precompiled modules (runtime_modules, generated
 * from manifest.json "modules").
 *
 * Specifiers resolve like Moddable's: "./x" and "../x" relative to the importing module's path, a trailing ".js"
 * dropped, everything else looked up as is. Resolution happens at import time, so a module that is not in the table
 * fails with XS's ReferenceError naming it.
 *
 * XS rewrites symbol IDs inside bytecode as it loads it and keeps references to it only while the module body runs
 * (functions are copied into chunks), so each module is copied from flash into a temporary RAM buffer that
 * fxRunScript frees when it is done. The .xsb header's engine version is checked first: bytecode from another XS
 * version would not fail cleanly.
 *
 * Preloaded modules are in the base heap (base.c), executed, so XS finds them without loading; the firmware keeps
 * only their names, for resolution. While the build generates the base heap, their bytecode comes from a host file.
 */
#include "runtime.h"

#define XSB_HEADER_SIZE 16

static const runtime_module_t* find_module(const char* path)
{
	for (uint32_t i = 0; i < runtime_module_count; i++)
		if (!c_strcmp(runtime_modules[i].path, path))
			return &runtime_modules[i];
	return C_NULL;
}

static uint32_t read32(const uint8_t* p)
{
	return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Joins a relative specifier to the importing module's directory; false if it climbs above the root. */
static bool resolve_relative(txMachine* the, txID referrer, const char* name, char* out, size_t size)
{
	const char* base = fxGetKeyName(the, referrer);
	size_t length = c_strlen(base);
	char path[C_PATH_MAX];
	if (length >= sizeof(path))
		return false;
	c_memcpy(path, base, length + 1);
	char* end = c_strrchr(path, '/');
	length = end ? (size_t)(end - path) : 0;
	while (*name == '.') {
		if (name[1] == '/')
			name += 2;
		else if (name[1] == '.' && name[2] == '/') {
			if (length == 0)
				return false;
			path[length] = 0;
			end = c_strrchr(path, '/');
			length = end ? (size_t)(end - path) : 0;
			name += 3;
		}
		else
			break;
	}
	int written = length ? c_snprintf(out, size, "%.*s/%s", (int)length, path, name) : c_snprintf(out, size, "%s", name);
	return written > 0 && (size_t)written < size;
}

txID fxFindModule(txMachine* the, txSlot* realm, txID moduleID, txSlot* slot)
{
	char name[C_PATH_MAX];
	char path[C_PATH_MAX];
	fxToStringBuffer(the, slot, name, sizeof(name));
	size_t length = c_strlen(name);
	if (length > 3 && !c_strcmp(name + length - 3, ".js"))
		name[length - 3] = 0;
	if (name[0] == '.' && (name[1] == '/' || (name[1] == '.' && name[2] == '/'))) {
		if (moduleID == XS_NO_ID || !resolve_relative(the, moduleID, name, path, sizeof(path)))
			return XS_NO_ID;
	}
	else
		c_strcpy(path, name);
	return find_module(path) ? fxNewNameC(the, path) : XS_NO_ID;
}

/* Copies part of a module's .xsb image into RAM. */
static bool read_bytecode(const runtime_module_t* entry, uint32_t offset, void* bytes, uint32_t size)
{
	if (entry->xsb) {
		c_memcpy(bytes, entry->xsb + offset, size);
		return true;
	}
	return runtime_base_generating() && runtime_base_read_preload(entry, offset, bytes, size);
}

/* Module `path`'s bytecode, checked, as a script that fxRunScript runs and frees. */
static txScript* load_script(txMachine* the, const runtime_module_t* entry, const char* path)
{
	uint8_t xsb[XSB_HEADER_SIZE];
	if (entry->size < XSB_HEADER_SIZE || !read_bytecode(entry, 0, xsb, XSB_HEADER_SIZE))
		mxUnknownError("module \"%s\": no bytecode (a preloaded module missing from the base heap?)", path);
	if (c_memcmp(xsb, "XSB1", 4) || xsb[4] != XS_MAJOR_VERSION || xsb[5] != XS_MINOR_VERSION || xsb[6] != XS_PATCH_VERSION)
		mxUnknownError("module \"%s\": bytecode is not from XS %d.%d.%d", path, XS_MAJOR_VERSION, XS_MINOR_VERSION,
			XS_PATCH_VERSION);
	uint32_t code_size = read32(xsb + 8);
	uint32_t symbols_size = read32(xsb + 12);
	if (XSB_HEADER_SIZE + code_size + symbols_size != entry->size)
		mxUnknownError("module \"%s\": truncated bytecode", path);

	txScript* script = c_calloc(1, sizeof(txScript));
	if (script) {
		script->codeBuffer = c_malloc(code_size);
		script->symbolsBuffer = c_malloc(symbols_size);
	}
	if (!script || !script->codeBuffer || !script->symbolsBuffer) {
		fxDeleteScript(script);
		fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
	}
	if (!read_bytecode(entry, XSB_HEADER_SIZE, script->codeBuffer, code_size)
		|| !read_bytecode(entry, XSB_HEADER_SIZE + code_size, script->symbolsBuffer, symbols_size)) {
		fxDeleteScript(script);
		mxUnknownError("module \"%s\": cannot read its bytecode", path);
	}
	script->codeSize = code_size;
	script->symbolsSize = symbols_size;
	script->path = (txString)path;
	script->version[0] = XS_MAJOR_VERSION;
	script->version[1] = XS_MINOR_VERSION;
	script->version[2] = XS_PATCH_VERSION;
	return script;
}

void fxLoadModule(txMachine* the, txSlot* module, txID moduleID)
{
	const char* path = fxGetKeyName(the, moduleID);
	const runtime_module_t* entry = find_module(path);
	if (!entry)
		return;
	fxResolveModule(the, module, moduleID, load_script(the, entry, path), C_NULL, C_NULL);
}

/*
 * native.moduleSource(specifier): a ModuleSource of the firmware's module `specifier`, for a Compartment's module
 * descriptor ({ source }). Made while the base heap is built (kernel/boot/setup.ts, once per program), it lives in
 * flash, and each Compartment that imports it gets a new instance of the module without loading its bytecode again
 * (tools/xs-patches/module-source.patch).
 */
extern txSlot* fxNewModuleSourceInstance(txMachine* the);

static void fx_module_source(xsMachine* the)
{
	char path[C_PATH_MAX];
	xsToStringBuffer(xsArg(0), path, sizeof(path));
	const runtime_module_t* entry = find_module(path);
	if (!entry)
		xsReferenceError("moduleSource: no module \"%s\"", path);
	txScript* script = load_script(the, entry, entry->path);
	mxPush(mxModuleSourcePrototype);
	txSlot* instance = fxNewModuleSourceInstance(the);
	mxPullSlot(mxResult);
	fxRunScript(the, script, mxResult, C_NULL, C_NULL, C_NULL, instance);
	mxPop();
	if (mxModuleInstanceExecute(instance)->kind == XS_NULL_KIND)
		xsTypeError("moduleSource: \"%s\" is no module", path);
}

/*
 * native.processGlobal(): the object every Compartment's global inherits from, the intrinsics (base.c
 * make_compartment_global). What the kernel gives every process besides them (kernel/boot/setup.ts) is added to it
 * while the base heap is built, so a spawn copies none of it into the process's global; the generator hardens it
 * once the preloads have run, and it is in flash after.
 */
static void fx_process_global(xsMachine* the)
{
	mxResult->kind = mxCompartmentGlobal.kind;
	mxResult->value = mxCompartmentGlobal.value;
}

static void install(xsMachine* the)
{
	static const runtime_function_t functions[] = {
		{ "moduleSource", fx_module_source, 1 },
		{ "processGlobal", fx_process_global, 0 },
	};
	xsVars(1);
	xsVar(0) = xsGet(xsGlobal, xsID("native"));
	runtime_define_functions(the, &xsVar(0), functions, sizeof(functions) / sizeof(functions[0]));
}

RUNTIME_NATIVES(install);
