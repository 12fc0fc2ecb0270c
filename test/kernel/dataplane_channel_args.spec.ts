/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (options, the channel handle, sizes). The
 * method, for every file of this suite (channel_fallback.ts has what they share): through the public syscalls only,
 * each condition that makes an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be
 * exactly the one the reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the
 * twin) and on the device (C); a queue's order holds across the prefix/suffix boundary. Where the specs are silent,
 * the expectation is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_handle_close,
  MX_CHANNEL_MAX_MSG_BYTES,
  MX_CHANNEL_READ_MAY_DISCARD,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_OUT_OF_RANGE,
  MX_ERR_SHOULD_WAIT,
  MX_ERR_WRONG_TYPE,
  MX_OK,
  MX_PORT_OPT_V1,
  MX_RIGHT_NONE,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, newEvent, newEventPair, newPort, newTimer, noDeadline, roomFor, track } from "./helpers.ts";
import { write, read, WRITABLE, pattern, tagged, tagOf, state, live, replace, HOWS, expectNext, expectEmpty } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: each fall-back condition answers exactly as the spec says: options, handles, sizes", () => {
  describe("options", () => {
    it("write: options not 0 are INVALID_ARGS before the handle is looked at; -0 is 0", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(1);
      const bad: [string, unknown][] = [
        ["1", 1],
        ["2", 2],
        ["-1", -1],
        ["0x80000000", 0x8000_0000],
        ["0.5", 0.5],
        ['"0"', "0"],
        ["0n", 0n],
        ["null", null],
        ["undefined", undefined],
        ["NaN", NaN],
        ["false", false],
      ];
      for (const [name, options] of bad) {
        assert.equal(write(a, options, pattern(1, 4), 4, null, 0), MX_ERR_INVALID_ARGS, name);
        assert.equal(write(a, options, pattern(1, 4), 4, [e], 1), MX_ERR_INVALID_ARGS, `${name}, with a handle`);
        assert.equal(write(0, options, pattern(1, 4), 4, null, 0), MX_ERR_INVALID_ARGS, `${name}: before the handle`);
        assert.equal(write(a, options, null, 70000, null, 0), MX_ERR_INVALID_ARGS, `${name}: before the size`);
      }
      assert.equal(tagOf(e), 1, "the event is still the caller's");
      expectEmpty(b, "after the bad options");
      assert.equal(write(a, -0, pattern(2, 4), 4, null, 0), MX_OK, "-0 (the specs are silent: Node's answer today)");
      assert.equal(write(a, 0.5 - 0.5, pattern(3, 4), 4, [e], 1), MX_OK, "a 0 computed through fractions");
      expectNext(b, pattern(2, 4), []);
      expectNext(b, pattern(3, 4), [1]);
      expectEmpty(b);
    });

    it("read: options other than 0 and MAY_DISCARD are NOT_SUPPORTED after the handle; the message stays", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(7);
      assert.equal(write(a, 0, pattern(1, 5), 5, [e], 1), MX_OK);
      const buf = new Uint8Array(5);
      const bad: [string, unknown][] = [
        ["2", 2],
        ["3 (MAY_DISCARD | 2)", 3],
        ["-1", -1],
        ["0x80000000", 0x8000_0000],
        ["1.5", 1.5],
        ['"0"', "0"],
        ["0n", 0n],
        ["null", null],
        ["undefined", undefined],
        ["NaN", NaN],
      ];
      for (const [name, options] of bad) {
        assert.equal(read(b, options, buf, [0], 5, 1, null, null), MX_ERR_NOT_SUPPORTED, name);
        assert.equal(read(b, options, null, null, 0, 0, null, null), MX_ERR_NOT_SUPPORTED, `${name}, buffers too small`);
        assert.equal(read(0, options, buf, [0], 5, 1, null, null), MX_ERR_BAD_HANDLE, `${name}: the handle first`);
        assert.equal(read(b, options, buf, [0], "5", 1, null, null), MX_ERR_NOT_SUPPORTED, `${name}: before the sizes`);
      }
      assert.deepEqual(Array.from(buf), [0, 0, 0, 0, 0], "nothing was written");
      expectNext(b, pattern(1, 5), [7], "plain", "still queued");
      // MAY_DISCARD with buffers that hold the message reads it as usual; -0 is 0.
      assert.equal(write(a, 0, pattern(2, 5), 5, [e], 1), MX_ERR_BAD_HANDLE, "the event's old value was moved");
      const again = tagged(8);
      assert.equal(write(a, 0, pattern(2, 5), 5, [again], 1), MX_OK);
      assert.equal(write(a, 0, pattern(3, 2), 2, null, 0), MX_OK);
      const hs = [0];
      assert.equal(read(b, MX_CHANNEL_READ_MAY_DISCARD, buf, hs, 5, 1, null, null), MX_OK);
      assert.deepEqual(Array.from(buf), Array.from(pattern(2, 5)));
      assert.equal(tagOf(track(hs[0])), 8);
      const two = new Uint8Array(2);
      assert.equal(read(b, -0, two, null, 2, 0, null, null), MX_OK, "-0 (Node's answer today)");
      assert.deepEqual(Array.from(two), Array.from(pattern(3, 2)));
      expectEmpty(b);
    });
  });


  describe("the channel handle", () => {
    it("bad, closed, stale and travelling values are BAD_HANDLE for both entries; the queue is untouched", () => {
      noDeadline();
      const [a0, b0] = newChannel();
      const a = replace(a0);
      const b = replace(b0);
      const [c, d] = newChannel();
      const [x] = newChannel();
      assert.equal(mx_handle_close(x), MX_OK);
      assert.equal(write(a, 0, pattern(1, 3), 3, null, 0), MX_OK);
      const bad: [string, unknown][] = [
        ["0", 0],
        ["-1", -1],
        ["a closed handle", x],
        ["a replaced (stale) writer", a0],
        ["a replaced (stale) reader", b0],
        ["b + 2^32", b + 2 ** 32],
        ["b | 1 << 31", b | (1 << 31)],
        ["b + 0.5", b + 0.5],
        ["String(b)", String(b)],
        ["BigInt(b)", BigInt(b)],
        ["NaN", NaN],
        ["null", null],
        ["undefined", undefined],
        ["{ valueOf }", { valueOf: () => b }],
        ["[b]", [b]],
      ];
      for (const [name, h] of bad) {
        assert.equal(write(h, 0, pattern(9, 3), 3, null, 0), MX_ERR_BAD_HANDLE, `write ${name}`);
        assert.equal(write(h, 0, null, 70000, null, 0), MX_ERR_BAD_HANDLE, `write ${name}: before the size`);
        assert.equal(read(h, 0, new Uint8Array(3), null, 3, 0, null, null), MX_ERR_BAD_HANDLE, `read ${name}`);
        assert.equal(read(h, 2, null, null, 0, 0, null, null), MX_ERR_BAD_HANDLE, `read ${name}: before the options`);
      }
      assert.equal(write(a + 0.25 - 0.25, 0, pattern(2, 3), 3, null, 0), MX_OK, "a value computed through fractions");
      // An endpoint travelling in a message is not the caller's until it is read (with a new value); its queue fills
      // meanwhile.
      assert.equal(write(c, 0, pattern(4, 3), 3, null, 0), MX_OK, "queued at d before it travels");
      assert.equal(write(a, 0, pattern(5, 1), 1, [d], 1), MX_OK);
      assert.equal(write(d, 0, pattern(9, 3), 3, null, 0), MX_ERR_BAD_HANDLE, "write through d in transit");
      assert.equal(read(d, 0, new Uint8Array(3), null, 3, 0, null, null), MX_ERR_BAD_HANDLE, "read through d in transit");
      assert.equal(write(c, 0, pattern(6, 3), 3, null, 0), MX_OK, "queued at d while it travels");
      expectNext(b, pattern(1, 3), [], "plain", "1");
      expectNext(b, pattern(2, 3), [], "sizes", "2");
      const hs = [0];
      const one = new Uint8Array(1);
      assert.equal(read(b, 0, one, hs, 1, 1, null, null), MX_OK);
      assert.deepEqual(Array.from(one), Array.from(pattern(5, 1)));
      const d2 = track(hs[0]);
      assert.notEqual(d2, d, "a new value");
      assert.equal(read(d, 0, new Uint8Array(3), null, 3, 0, null, null), MX_ERR_BAD_HANDLE, "d's old value after the read");
      assert.equal(write(d, 0, pattern(9, 3), 3, null, 0), MX_ERR_BAD_HANDLE);
      expectNext(d2, pattern(4, 3), [], "plain", "queued before");
      expectNext(d2, pattern(6, 3), [], "u32", "queued while travelling");
      expectEmpty(d2);
      expectEmpty(b);
    });

    it("write needs WRITE and read needs READ (ACCESS_DENIED, before sizes, options and buffers); the one right is enough", () => {
      noDeadline();
      const [a1, b1] = newChannel();
      assert.equal(write(a1, 0, pattern(1, 4), 4, null, 0), MX_OK, "queued at b1");
      const readOnly = replace(a1, MX_RIGHT_READ | MX_RIGHT_TRANSFER);
      const writeOnly = replace(b1, MX_RIGHT_WRITE);
      const [a2, b2] = newChannel();
      const none = replace(a2, MX_RIGHT_NONE);
      const e = tagged(4);
      for (const [name, h] of [["READ|TRANSFER", readOnly], ["no rights", none]] as const) {
        assert.equal(write(h, 0, pattern(9, 4), 4, null, 0), MX_ERR_ACCESS_DENIED, `write, ${name}`);
        assert.equal(write(h, 0, null, 70000, null, 0), MX_ERR_ACCESS_DENIED, `write, ${name}: before the size`);
        assert.equal(write(h, 0, null, 0, [e], 1), MX_ERR_ACCESS_DENIED, `write, ${name}: before the handles`);
        assert.equal(write(h, 0, [1], 1, null, 0), MX_ERR_ACCESS_DENIED, `write, ${name}: before the bytes`);
        assert.equal(write(h, 1, pattern(9, 4), 4, null, 0), MX_ERR_INVALID_ARGS, `write, ${name}: the options first`);
      }
      for (const [name, h] of [["WRITE", writeOnly], ["no rights", none]] as const) {
        assert.equal(read(h, 0, new Uint8Array(4), null, 4, 0, null, null), MX_ERR_ACCESS_DENIED, `read, ${name}`);
        assert.equal(read(h, 2, null, null, 0, 0, null, null), MX_ERR_ACCESS_DENIED, `read, ${name}: before the options`);
        assert.equal(read(h, 0, null, null, "4", 0, null, null), MX_ERR_ACCESS_DENIED, `read, ${name}: before the sizes`);
        assert.equal(read(h, 0, null, null, 0, 0, null, null), MX_ERR_ACCESS_DENIED, `read, ${name}: before BUFFER_TOO_SMALL`);
      }
      assert.equal(tagOf(e), 4, "the event did not move");
      assert.equal(write(writeOnly, 0, pattern(2, 4), 4, [e], 1), MX_OK, "WRITE alone writes");
      expectNext(readOnly, pattern(2, 4), [4], "plain", "READ alone reads");
      assert.equal(write(b2, 0, pattern(3, 4), 4, null, 0), MX_OK, "to the end without rights: queued");
      assert.equal(read(readOnly, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
      // What the handles without READ could not read is still queued: b1's message, none's message. (Closed with
      // them by useHandles.)
      assert.equal(state(readOnly) & WRITABLE, WRITABLE);
    });

    it("other objects are WRONG_TYPE: after the options for a write, before options, sizes and buffers for a read", () => {
      noDeadline();
      const [a, b] = newChannel();
      const [ep] = newEventPair();
      const objects: [string, number][] = [
        ["an event", newEvent()],
        ["a V2 port", newPort()],
        ["a V1 port", newPort(MX_PORT_OPT_V1)],
        ["a timer", newTimer()],
        ["an eventpair", ep],
      ];
      for (const [name, h] of objects) {
        assert.equal(write(h, 0, pattern(1, 4), 4, null, 0), MX_ERR_WRONG_TYPE, name);
        assert.equal(write(h, 0, null, 70000, null, 0), MX_ERR_WRONG_TYPE, `${name}: before the size`);
        assert.equal(write(h, 0, null, 0, [h], 1), MX_ERR_WRONG_TYPE, `${name}: before the handles`);
        assert.equal(write(h, 1, null, 0, null, 0), MX_ERR_INVALID_ARGS, `${name}: the options first`);
        assert.equal(read(h, 0, new Uint8Array(4), null, 4, 0, null, null), MX_ERR_WRONG_TYPE, `${name}: read`);
        assert.equal(read(h, 2, null, null, 0, 0, null, null), MX_ERR_WRONG_TYPE, `${name}: read, before the options`);
        assert.equal(read(h, 0, null, null, "4", 0, null, null), MX_ERR_WRONG_TYPE, `${name}: read, before the sizes`);
        assert.ok(live(h), `${name}: still the caller's`);
      }
      expectEmpty(b);
      assert.equal(write(a, 0, pattern(1, 4), 4, objects.map(([, h]) => h).slice(0, 4), 4), MX_OK, "the objects travel");
      const hs = [0, 0, 0, 0];
      assert.equal(read(b, 0, new Uint8Array(4), hs, 4, 4, null, null), MX_OK);
      hs.forEach((h) => assert.ok(live(track(h))));
    });
  });

  describe("sizes", () => {
    it("num_bytes 0, 1, 128 (prefix-sized), 129 and 4096 (larger): each delivered whole, in order, by every kind of read", () => {
      noDeadline();
      const [a, b] = newChannel();
      const sizes = [1, 128, 5, 129, 3, 0, 128, 4096, 127, 1, 0, 7];
      sizes.forEach((n, i) => assert.equal(write(a, 0, n === 0 ? null : pattern(i, n), n, null, 0), MX_OK, `${n} bytes`));
      sizes.forEach((n, i) => expectNext(b, pattern(i, n), [], HOWS[i % 3], `message ${i} (${n} bytes)`));
      expectEmpty(b);
      // Buffers longer than num_bytes: only num_bytes are sent.
      assert.equal(write(a, 0, pattern(20, 200), 128, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(21, 200), 129, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(22, 200), 1, null, 0), MX_OK);
      expectNext(b, pattern(20, 128), [], "plain", "128 of 200");
      expectNext(b, pattern(21, 129), [], "plain", "129 of 200");
      expectNext(b, pattern(22, 1), [], "plain", "1 of 200");
      expectEmpty(b);
    });

    it("64 KiB, the largest message, is delivered whole between prefix messages; one byte more is OUT_OF_RANGE", function () {
      // The message exists three times at once (the writer's buffer, the kernel's copy, the reader's buffer).
      if (!roomFor(4 * MX_CHANNEL_MAX_MSG_BYTES)) this.skip();
      noDeadline();
      const [a, b] = newChannel();
      const big = pattern(3, MX_CHANNEL_MAX_MSG_BYTES);
      assert.equal(write(a, 0, pattern(1, 10), 10, null, 0), MX_OK);
      assert.equal(write(a, 0, big, MX_CHANNEL_MAX_MSG_BYTES, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(2, 10), 10, null, 0), MX_OK);
      assert.equal(write(a, 0, big, MX_CHANNEL_MAX_MSG_BYTES + 1, null, 0), MX_ERR_OUT_OF_RANGE);
      expectNext(b, pattern(1, 10), [], "plain", "before");
      expectNext(b, big, [], "sizes", "64 KiB");
      expectNext(b, pattern(2, 10), [], "plain", "after");
      expectEmpty(b);
    });

    it("sizes of the wrong kind are INVALID_ARGS, too large OUT_OF_RANGE: after the handle, before the bytes and handles", () => {
      noDeadline();
      const [a, b] = newChannel();
      const e = tagged(3);
      const kinds: [string, unknown][] = [
        ["0.5", 0.5],
        ['"4"', "4"],
        ["4n", 4n],
        ["NaN", NaN],
        ["null", null],
        ["undefined", undefined],
        ["2^32", 2 ** 32],
        ["Infinity", Infinity],
      ];
      for (const [name, n] of kinds) {
        assert.equal(write(a, 0, pattern(1, 4), n, null, 0), MX_ERR_INVALID_ARGS, `num_bytes ${name}`);
        assert.equal(write(a, 0, pattern(1, 4), 4, [e], n), MX_ERR_INVALID_ARGS, `num_handles ${name}`);
        assert.equal(write(a, 0, null, 65537, null, n), MX_ERR_INVALID_ARGS, `num_handles ${name}: both kinds before either range`);
        assert.equal(write(0, 0, pattern(1, 4), n, null, 0), MX_ERR_BAD_HANDLE, `num_bytes ${name}: the handle first`);
      }
      const ranges: [string, unknown][] = [
        ["65537", 65537],
        ["-1 (0xffffffff)", -1],
        ["0x80000000", 0x8000_0000],
      ];
      for (const [name, n] of ranges) {
        assert.equal(write(a, 0, null, n, null, 0), MX_ERR_OUT_OF_RANGE, `num_bytes ${name}`);
        assert.equal(write(a, 0, null, n, [0], 1), MX_ERR_OUT_OF_RANGE, `num_bytes ${name}: before the handles`);
        assert.equal(write(a, 0, null, 0, [e], n), MX_ERR_OUT_OF_RANGE, `num_handles ${name}`);
      }
      assert.equal(write(a, 0, null, 0, [e], 65), MX_ERR_OUT_OF_RANGE, "65 handles");
      assert.equal(write(a, 0, null, 1, [e], 65), MX_ERR_OUT_OF_RANGE, "65 handles: before the bytes");
      assert.equal(tagOf(e), 3, "nothing moved");
      expectEmpty(b);
      assert.equal(write(a, 0, pattern(2, 4), 8 / 2, [e], 2 / 2), MX_OK, "sizes computed as doubles");
      expectNext(b, pattern(2, 4), [3]);
      // Read sizes of the wrong kind: INVALID_ARGS, checked after the options; the message stays.
      assert.equal(write(a, 0, pattern(3, 4), 4, null, 0), MX_OK);
      const buf = new Uint8Array(4);
      for (const [name, n] of kinds) {
        assert.equal(read(b, 0, buf, null, n, 0, null, null), MX_ERR_INVALID_ARGS, `read num_bytes ${name}`);
        assert.equal(read(b, 0, buf, null, 4, n, null, null), MX_ERR_INVALID_ARGS, `read num_handles ${name}`);
        assert.equal(read(b, 2, buf, null, n, 0, null, null), MX_ERR_NOT_SUPPORTED, `read num_bytes ${name}: the options first`);
      }
      assert.deepEqual(Array.from(buf), [0, 0, 0, 0]);
      expectNext(b, pattern(3, 4), [], "plain", "still queued");
      assert.equal(write(a, 0, pattern(4, 4), 4, null, 0), MX_OK);
      assert.equal(read(b, 0, buf, [], 8 / 2, 0.5 - 0.5, null, null), MX_OK, "read sizes computed as doubles");
      assert.deepEqual(Array.from(buf), Array.from(pattern(4, 4)));
      // num_handles -1 is 0xffffffff: room for any message's handles, in a buffer claiming that many entries.
      assert.equal(write(a, 0, pattern(5, 4), 4, null, 0), MX_OK);
      assert.equal(read(b, 0, buf, [0], 4, -1, null, null), MX_OK, "no handles to write: the buffer is not touched");
      assert.deepEqual(Array.from(buf), Array.from(pattern(5, 4)));
      assert.equal(write(a, 0, pattern(6, 4), 4, [tagged(4)], 1), MX_OK);
      const handles = kernel_stats().handles;
      const hs = [0];
      assert.equal(read(b, 0, buf, hs, 4, -1, null, null), MX_ERR_INVALID_ARGS, "an array shorter than the count: lost");
      assert.deepEqual(hs, [0]);
      assert.equal(kernel_stats().handles, handles - 1, "its handle closed");
      expectEmpty(b);
    });
  });

  // Missing arguments are undefined: a missing pointer or a size of the wrong kind (js-api.md); a missing
  // out-parameter is NULL. Extra arguments: the specs are silent; Node's answer today is that they are ignored.
  it("missing arguments: INVALID_ARGS (NOT_SUPPORTED for read's options), missing sizes' outs are NULL; extra ones are ignored", () => {
    noDeadline();
    const [a, b] = newChannel();
    const e = tagged(2);
    assert.equal(write(), MX_ERR_INVALID_ARGS, "no arguments: the options first");
    assert.equal(write(a), MX_ERR_INVALID_ARGS);
    assert.equal(write(a, 0), MX_ERR_INVALID_ARGS, "no num_bytes");
    assert.equal(write(a, 0, pattern(1, 3)), MX_ERR_INVALID_ARGS);
    assert.equal(write(a, 0, pattern(1, 3), 3), MX_ERR_INVALID_ARGS, "no num_handles");
    assert.equal(write(a, 0, pattern(1, 3), 3, [e]), MX_ERR_INVALID_ARGS, "no num_handles, handles given");
    assert.equal(tagOf(e), 2);
    expectEmpty(b);
    assert.equal(write(a, 0, pattern(1, 3), 3, null, 0, "extra", 7), MX_OK);
    assert.equal(write(a, 0, pattern(2, 3), 3, [e], 1, "extra"), MX_OK);
    assert.equal(read(), MX_ERR_BAD_HANDLE, "no arguments: the handle first");
    assert.equal(read(b), MX_ERR_NOT_SUPPORTED, "no options");
    assert.equal(read(b, 0), MX_ERR_INVALID_ARGS, "no num_bytes");
    assert.equal(read(b, 0, new Uint8Array(3), null, 3), MX_ERR_INVALID_ARGS, "no num_handles");
    const buf = new Uint8Array(3);
    assert.equal(read(b, 0, buf, null, 3, 0), MX_OK, "no size out-parameters: NULL");
    assert.deepEqual(Array.from(buf), Array.from(pattern(1, 3)));
    const hs = [0];
    assert.equal(read(b, 0, buf, hs, 3, 1, null, null, "extra"), MX_OK);
    assert.deepEqual(Array.from(buf), Array.from(pattern(2, 3)));
    assert.equal(tagOf(track(hs[0])), 2);
    expectEmpty(b);
  });
});
