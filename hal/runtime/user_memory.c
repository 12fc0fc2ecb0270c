/*
 * Caller memory: the two primitives through which the kernel reads and writes the byte buffers a caller passes
 * (hal.ts `byteLength`, `copyBytes`), Magenta's user pointers and copy_from_user / copy_to_user.
 *
 * Why in C: whether a value really is a Uint8Array, and how many bytes it covers, must come from the object's
 * internal slots. Everything JavaScript can ask (`instanceof`, `.length`, `.set`) can be answered by the caller:
 * a Proxy, an object whose prototype is Uint8Array.prototype, a typed array with its own `length` or `set`. Asking
 * would run the caller's code in the middle of a syscall, or throw out of it. Reading the slots runs nothing, and
 * it is also the cheapest way: one host call where `instanceof`, the length getter and `set` cost ~4,000
 * instructions on XS. The rule is the engine's own (xsDataView.c): a typed array is an instance whose first slot
 * is the internal XS_TYPED_ARRAY_KIND dispatch, followed by its view and its buffer; a detached or out-of-bounds
 * view covers 0 bytes; a buffer XS marks read-only (frozen into the base heap, in flash) cannot be written.
 */
#include "runtime.h"

/*
 * True if `slot` is a genuine Uint8Array, with the bytes it covers in *data and *length (0 when its buffer is
 * detached or the view is out of bounds); `writable` also refuses one whose buffer XS marks read-only. The other
 * natives that take byte buffers (the UART's) use it too.
 */
bool runtime_uint8_array(xsMachine* the, txSlot* slot, uint8_t** data, txInteger* length, bool writable)
{
	if (slot->kind != XS_REFERENCE_KIND)
		return false;
	txSlot* dispatch = slot->value.reference->next;
	if (!dispatch || !(dispatch->flag & XS_INTERNAL_FLAG) || dispatch->kind != XS_TYPED_ARRAY_KIND)
		return false;
	if (dispatch->value.typedArray.dispatch->constructorID != _Uint8Array)
		return false;
	txSlot* view = dispatch->next;
	txSlot* buffer = view->next;
	txSlot* storage = buffer->value.reference->next;
	/* An ArrayBuffer's bytes, or a SharedArrayBuffer's (a host chunk followed by its size record). */
	uint8_t* bytes;
	if (storage->kind == XS_ARRAY_BUFFER_KIND)
		bytes = storage->value.arrayBuffer.address;
	else if (storage->kind == XS_HOST_KIND && storage->next && storage->next->kind == XS_BUFFER_INFO_KIND)
		bytes = storage->value.host.data;
	else
		return false;
	if (writable && (storage->flag & XS_DONT_SET_FLAG))
		return false;
	*length = bytes ? fxGetDataViewSize(the, view, buffer) : 0;
	*data = *length > 0 ? bytes + view->value.dataView.offset : NULL;
	return true;
}

/* A non-negative integer argument, or -1. The kernel passes small integers; anything else is refused, not coerced. */
static txInteger count_argument(xsMachine* the, int index)
{
	txSlot* slot = mxArgv(index);
	if (slot->kind == XS_INTEGER_KIND)
		return slot->value.integer >= 0 ? slot->value.integer : -1;
	if (slot->kind == XS_NUMBER_KIND && slot->value.number >= 0 && slot->value.number <= 0x7FFFFFFF &&
	    slot->value.number == (txInteger)slot->value.number)
		return (txInteger)slot->value.number;
	return -1;
}

/* (v): the byte length of a genuine Uint8Array, -1 for anything else. */
void fx_user_byte_length(xsMachine* the)
{
	uint8_t* data;
	txInteger length;
	xsResult = xsInteger(mxArgc >= 1 && runtime_uint8_array(the, mxArgv(0), &data, &length, false) ? length : -1);
}

/* (dst, dstOffset, src, srcOffset, n): true when the n bytes were copied; false, with nothing copied, otherwise. */
void fx_user_copy_bytes(xsMachine* the)
{
	if (mxArgc < 5) {
		xsResult = xsFalse;
		return;
	}
	uint8_t *dst, *src;
	txInteger dstLength, srcLength;
	txInteger dstOffset = count_argument(the, 1);
	txInteger srcOffset = count_argument(the, 3);
	txInteger n = count_argument(the, 4);
	bool fits = runtime_uint8_array(the, mxArgv(0), &dst, &dstLength, true) &&
	            runtime_uint8_array(the, mxArgv(2), &src, &srcLength, false) && dstOffset >= 0 && srcOffset >= 0 &&
	            n >= 0 && n <= dstLength - dstOffset && n <= srcLength - srcOffset;
	/* memcpy unless the ranges overlap (a caller may pass one buffer twice): newlib's memmove is the slower one. */
	if (fits && n > 0) {
		uint8_t* to = dst + dstOffset;
		const uint8_t* from = src + srcOffset;
		if (to + n <= from || from + n <= to)
			memcpy(to, from, (size_t)n);
		else
			memmove(to, from, (size_t)n);
	}
	xsResult = xsBoolean(fits);
}
