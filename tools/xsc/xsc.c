/*
 * xsc: the host half of the pipeline. Compiles one JavaScript module to XS bytecode on the build machine, so the
 * firmware never needs the parser.
 *
 * It is built from the same XS sources, and with the same ID width and string encoding, as the engine in the
 * firmware (see tools/lib/engine.ts), which is what makes 64-bit host bytecode valid on the 32-bit target.
 *
 * Output (.xsb), little-endian:
 *   "XSB1" | XS major, minor, patch, flags (bit 0: 32-bit IDs) | u32 code size | u32 symbols size | code | symbols
 * The firmware checks the version bytes before it runs a module (hal/runtime/modules.c).
 *
 * Usage: xsc [-g] -o out.xsb -p path/for/messages input.js
 *   -g  keep line numbers and the file name in the bytecode (debug builds: readable stacks)
 * Errors are printed as "path:line: error: message" and the exit status is non-zero; no output file is written.
 */
#include "xsScript.h"

#include <errno.h>

static const char* reportPath = "";

void fxVReport(void* console, txString format, c_va_list arguments)
{
	vfprintf(stderr, format, arguments);
}

static void report(const char* kind, txString path, txInteger line, txString format, c_va_list arguments)
{
	fprintf(stderr, "%s:%d: %s: ", path ? path : reportPath, (int)line, kind);
	vfprintf(stderr, format, arguments);
	fprintf(stderr, "\n");
}

void fxVReportError(void* console, txString path, txInteger line, txString format, c_va_list arguments)
{
	report("error", path, line, format, arguments);
}

void fxVReportWarning(void* console, txString path, txInteger line, txString format, c_va_list arguments)
{
	report("warning", path, line, format, arguments);
}

txID fxGenerateProfileID(void* console)
{
	return XS_NO_ID;
}

void fxGenerateTag(void* console, txString buffer, txInteger bufferSize, txString path)
{
	c_snprintf(buffer, bufferSize, "#%s", path ? path : "");
}

static txInteger readByte(void* stream)
{
	return fgetc((FILE*)stream);
}

static void put32(FILE* file, uint32_t value)
{
	uint8_t bytes[4] = { value, value >> 8, value >> 16, value >> 24 };
	fwrite(bytes, 1, 4, file);
}

static int usage(void)
{
	fprintf(stderr, "usage: xsc [-g] -o out.xsb -p path input.js\n");
	return 2;
}

int main(int argc, char* argv[])
{
	const char* input = NULL;
	const char* output = NULL;
	txUnsigned flags = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-g"))
			flags |= mxDebugFlag;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			output = argv[++i];
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			reportPath = argv[++i];
		else if (argv[i][0] == '-' || input)
			return usage();
		else
			input = argv[i];
	}
	if (!input || !output)
		return usage();
	if (!*reportPath)
		reportPath = input;

	FILE* source = fopen(input, "r");
	if (!source) {
		fprintf(stderr, "%s: error: cannot read: %s\n", input, strerror(errno));
		return 1;
	}
	txParser parser;
	fxInitializeParser(&parser, C_NULL, 64 * 1024, 1993);
	parser.path = fxNewParserSymbol(&parser, (txString)reportPath);
	fxParserTree(&parser, source, readByte, flags, NULL);
	fclose(source);
	txScript* script = C_NULL;
	if (parser.errorCount == 0) {
		fxParserHoist(&parser);
		fxParserBind(&parser);
		script = fxParserCode(&parser);
	}
	int errors = parser.errorCount;
	fxTerminateParser(&parser);
	if (errors || !script) {
		if (!errors)
			fprintf(stderr, "%s: error: out of memory while compiling\n", reportPath);
		return 1;
	}

	FILE* file = fopen(output, "wb");
	if (!file) {
		fprintf(stderr, "%s: error: cannot write: %s\n", output, strerror(errno));
		return 1;
	}
	uint8_t header[8] = { 'X', 'S', 'B', '1', XS_MAJOR_VERSION, XS_MINOR_VERSION, XS_PATCH_VERSION, 0 };
#ifdef mx32bitID
	header[7] |= 1;
#endif
	fwrite(header, 1, sizeof(header), file);
	put32(file, script->codeSize);
	put32(file, script->symbolsSize);
	fwrite(script->codeBuffer, 1, script->codeSize, file);
	fwrite(script->symbolsBuffer, 1, script->symbolsSize, file);
	int failed = ferror(file) | fclose(file);
	fxDeleteScript(script);
	if (failed) {
		fprintf(stderr, "%s: error: write failed\n", output);
		remove(output);
		return 1;
	}
	return 0;
}
