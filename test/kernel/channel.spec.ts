import assert from "node:assert/strict";
import {
  kernel_configure,
  kernel_limits,
  kernel_stats,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_signal_peer,
  mx_object_wait_one,
  MX_CHANNEL_MAX_MSG_BYTES,
  MX_CHANNEL_MAX_MSG_HANDLES,
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READ_MAY_DISCARD,
  MX_CHANNEL_READABLE,
  MX_CHANNEL_WRITABLE,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_OUT_OF_RANGE,
  MX_ERR_PEER_CLOSED,
  MX_ERR_SHOULD_WAIT,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
  MX_RIGHT_DUPLICATE,
  MX_SIGNAL_LAST_HANDLE,
  MX_USER_SIGNAL_0,
  mx_handle_replace,
} from "../../kernel/index.ts";
import { bytes, newChannel, newEvent, newPort, roomFor, track, useHandles } from "./helpers.ts";

function state(h: number): number {
  const o = { value: 0 };
  assert.equal(mx_object_wait_one(h, 0, 0n, o), MX_ERR_TIMED_OUT);
  return o.value;
}

/** Reads one message; returns [bytes, handles] (received handles are tracked). */
function read(h: number): [number[], number[]] {
  const buf = new Uint8Array(256);
  const hs = new Uint32Array(8);
  const nb = { value: 0 };
  const nh = { value: 0 };
  assert.equal(mx_channel_read(h, 0, buf, hs, 256, 8, nb, nh), MX_OK);
  const handles = Array.from(hs.subarray(0, nh.value));
  handles.forEach(track);
  return [Array.from(buf.subarray(0, nb.value)), handles];
}

describe("channels", () => {
  useHandles();

  it("create: options != 0 and missing outs are INVALID_ARGS; ends start WRITABLE|LAST_HANDLE", () => {
    const a = { value: 0 };
    const b = { value: 0 };
    assert.equal(mx_channel_create(1, a, b), MX_ERR_INVALID_ARGS);
    assert.equal(mx_channel_create(0, a, null as never), MX_ERR_INVALID_ARGS);
    assert.equal(a.value, 0);
    const [c0, c1] = newChannel();
    assert.equal(state(c0), (MX_CHANNEL_WRITABLE | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(state(c1), (MX_CHANNEL_WRITABLE | MX_SIGNAL_LAST_HANDLE) >>> 0);
  });

  it("messages are FIFO per endpoint and READABLE follows the queue", () => {
    const [a, b] = newChannel();
    assert.equal(mx_channel_read(b, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
    for (let i = 0; i < 3; i++) assert.equal(mx_channel_write(a, 0, bytes(i, i + 1), 2, null, 0), MX_OK);
    assert.equal(state(b) & MX_CHANNEL_READABLE, MX_CHANNEL_READABLE);
    assert.equal(state(a) & MX_CHANNEL_READABLE, 0);
    for (let i = 0; i < 3; i++) assert.deepStrictEqual(read(b)[0], [i, i + 1]);
    assert.equal(state(b) & MX_CHANNEL_READABLE, 0);
    assert.equal(mx_channel_write(b, 0, bytes(9), 1, null, 0), MX_OK);
    assert.deepStrictEqual(read(a)[0], [9]);
  });

  it("empty messages, and byte buffers longer than num_bytes", () => {
    const [a, b] = newChannel();
    assert.equal(mx_channel_write(a, 0, null, 0, null, 0), MX_OK);
    assert.equal(mx_channel_write(a, 0, bytes(1, 2, 3, 4), 2, null, 0), MX_OK);
    const n = { value: -1 };
    assert.equal(mx_channel_read(b, 0, null, null, 0, 0, n, null), MX_OK);
    assert.equal(n.value, 0);
    assert.deepStrictEqual(read(b)[0], [1, 2]);
  });

  it("carries large messages (64 KiB) intact", function () {
    // The message exists three times at once (the writer's buffer, the kernel's copy, the reader's buffer).
    if (!roomFor(4 * MX_CHANNEL_MAX_MSG_BYTES)) this.skip();
    const [a, b] = newChannel();
    const big = new Uint8Array(MX_CHANNEL_MAX_MSG_BYTES);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    assert.equal(mx_channel_write(a, 0, big, big.length, null, 0), MX_OK);
    const got = new Uint8Array(big.length);
    const nb = { value: 0 };
    assert.equal(mx_channel_read(b, 0, got, null, got.length, 0, nb, null), MX_OK);
    assert.equal(nb.value, big.length);
    assert.deepStrictEqual(got, big);
  });

  describe("mx_channel_write errors, in check order", () => {
    it("options != 0 is INVALID_ARGS before the handle", () => {
      assert.equal(mx_channel_write(0, 1, null, 0, null, 0), MX_ERR_INVALID_ARGS);
    });

    it("BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED without WRITE", () => {
      const [a] = newChannel();
      assert.equal(mx_channel_write(0, 0, null, 0, null, 0), MX_ERR_BAD_HANDLE);
      assert.equal(mx_channel_write(newEvent(), 0, null, 0, null, 0), MX_ERR_WRONG_TYPE);
      const ro = { value: 0 };
      const r = { value: 0 };
      assert.equal(mx_channel_create(0, ro, r), MX_OK);
      track(r.value);
      const rep = { value: 0 };
      assert.equal(mx_handle_replace(ro.value, MX_RIGHT_READ, rep), MX_OK);
      track(rep.value);
      assert.equal(mx_channel_write(rep.value, 0, null, 0, null, 0), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_channel_write(a, 0, null, 0, null, 0), MX_OK);
    });

    it("too many bytes or handles is OUT_OF_RANGE", () => {
      const [a] = newChannel();
      // The count is checked before the buffer is read, so a short buffer shows it without 64 KiB of RAM.
      assert.equal(mx_channel_write(a, 0, new Uint8Array(1), MX_CHANNEL_MAX_MSG_BYTES + 1, null, 0), MX_ERR_OUT_OF_RANGE);
      assert.equal(mx_channel_write(a, 0, null, 0, new Array(65).fill(1), MX_CHANNEL_MAX_MSG_HANDLES + 1), MX_ERR_OUT_OF_RANGE);
      assert.equal(mx_channel_write(a, 0, null, -1, null, 0), MX_ERR_OUT_OF_RANGE);
    });

    it("bad buffers are INVALID_ARGS: wrong kind, shorter than the count, NULL with a count", () => {
      const [a, b] = newChannel();
      assert.equal(mx_channel_write(a, 0, [1, 2] as never, 2, null, 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_write(a, 0, bytes(1), 2, null, 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_write(a, 0, null, 1, null, 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_write(a, 0, null, 0, null, 1), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_write(a, 0, null, 0, new Int32Array(1) as never, 1), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_read(b, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
    });

    it("a bad handle in the array is BAD_HANDLE; the channel's own handle is NOT_SUPPORTED; no TRANSFER is ACCESS_DENIED", () => {
      const [a, b] = newChannel();
      const e = newEvent();
      assert.equal(mx_channel_write(a, 0, null, 0, [e, 0], 2), MX_ERR_BAD_HANDLE);
      assert.equal(mx_channel_write(a, 0, null, 0, [e, a], 2), MX_ERR_NOT_SUPPORTED);
      const nt = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ | MX_RIGHT_DUPLICATE, nt), MX_OK);
      track(nt.value);
      assert.equal(mx_channel_write(a, 0, null, 0, [e, nt.value], 2), MX_ERR_ACCESS_DENIED);
      // pass 1 runs over every handle before duplicates are found in pass 2
      assert.equal(mx_channel_write(a, 0, null, 0, [e, e, 0], 3), MX_ERR_BAD_HANDLE);
      assert.equal(mx_channel_write(a, 0, null, 0, [e, e], 2), MX_ERR_INVALID_ARGS);
      // every failure left the handles with the caller
      assert.equal(mx_channel_read(b, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
      assert.equal(mx_handle_close(nt.value), MX_OK);
      assert.equal(mx_handle_close(e), MX_OK);
    });

    it("a closed peer is PEER_CLOSED and the handles stay with the caller", () => {
      const [a, b] = newChannel();
      const e = newEvent();
      assert.equal(mx_handle_close(b), MX_OK);
      assert.equal(mx_channel_write(a, 0, bytes(1), 1, [e], 1), MX_ERR_PEER_CLOSED);
      assert.equal(mx_handle_close(e), MX_OK);
    });

    it("the per-channel message limit gives NO_MEMORY and leaves the channel usable", () => {
      const saved = kernel_limits();
      try {
        assert.equal(kernel_configure({ maxMessagesPerChannel: 2 }), MX_OK);
        const [a, b] = newChannel();
        const e = newEvent();
        assert.equal(mx_channel_write(a, 0, bytes(1), 1, null, 0), MX_OK);
        assert.equal(mx_channel_write(a, 0, bytes(2), 1, null, 0), MX_OK);
        assert.equal(mx_channel_write(a, 0, bytes(3), 1, [e], 1), MX_ERR_NO_MEMORY);
        assert.equal(mx_handle_close(e), MX_OK);
        assert.deepStrictEqual(read(b)[0], [1]);
        assert.equal(mx_channel_write(a, 0, bytes(3), 1, null, 0), MX_OK);
        assert.deepStrictEqual(read(b)[0], [2]);
        assert.deepStrictEqual(read(b)[0], [3]);
      } finally {
        kernel_configure(saved);
      }
    });
  });

  describe("mx_channel_read", () => {
    it("BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED; bad options are NOT_SUPPORTED", () => {
      const [a] = newChannel();
      assert.equal(mx_channel_read(0, 0, null, null, 0, 0, null, null), MX_ERR_BAD_HANDLE);
      assert.equal(mx_channel_read(newEvent(), 0, null, null, 0, 0, null, null), MX_ERR_WRONG_TYPE);
      const wo = { value: 0 };
      assert.equal(mx_handle_replace(a, MX_RIGHT_WRITE, wo), MX_OK);
      track(wo.value);
      assert.equal(mx_channel_read(wo.value, 0, null, null, 0, 0, null, null), MX_ERR_ACCESS_DENIED);
      const [c] = newChannel();
      assert.equal(mx_channel_read(c, 2, null, null, 0, 0, null, null), MX_ERR_NOT_SUPPORTED);
      assert.equal(mx_channel_read(c, 1.5, null, null, 0, 0, null, null), MX_ERR_NOT_SUPPORTED);
    });

    it("queued messages can still be read after the peer closed; then PEER_CLOSED", () => {
      const [a, b] = newChannel();
      assert.equal(mx_channel_write(a, 0, bytes(7), 1, null, 0), MX_OK);
      assert.equal(mx_handle_close(a), MX_OK);
      assert.equal(state(b) & (MX_CHANNEL_PEER_CLOSED | MX_CHANNEL_WRITABLE), MX_CHANNEL_PEER_CLOSED);
      assert.deepStrictEqual(read(b)[0], [7]);
      assert.equal(mx_channel_read(b, 0, null, null, 0, 0, null, null), MX_ERR_PEER_CLOSED);
    });

    it("BUFFER_TOO_SMALL reports the actual sizes and leaves the message queued", () => {
      const [a, b] = newChannel();
      const e = newEvent();
      assert.equal(mx_channel_write(a, 0, bytes(1, 2, 3), 3, [e], 1), MX_OK);
      const nb = { value: 0 };
      const nh = { value: 0 };
      assert.equal(mx_channel_read(b, 0, new Uint8Array(2), null, 2, 0, nb, nh), MX_ERR_BUFFER_TOO_SMALL);
      assert.equal(nb.value, 3);
      assert.equal(nh.value, 1);
      assert.equal(state(b) & MX_CHANNEL_READABLE, MX_CHANNEL_READABLE);
      assert.equal(mx_channel_read(b, 0, new Uint8Array(3), [], 3, 0, nb, nh), MX_ERR_BUFFER_TOO_SMALL);
      const [got, hs] = read(b);
      assert.deepStrictEqual(got, [1, 2, 3]);
      assert.equal(hs.length, 1);
    });

    it("MX_CHANNEL_READ_MAY_DISCARD drops a message that does not fit, closing its handles", () => {
      const [a, b] = newChannel();
      const e = newEvent();
      const before = kernel_stats().handles;
      assert.equal(mx_channel_write(a, 0, bytes(1, 2, 3), 3, [e], 1), MX_OK);
      assert.equal(mx_channel_write(a, 0, bytes(4), 1, null, 0), MX_OK);
      const nb = { value: 0 };
      assert.equal(mx_channel_read(b, MX_CHANNEL_READ_MAY_DISCARD, null, null, 0, 0, nb, null), MX_ERR_BUFFER_TOO_SMALL);
      assert.equal(nb.value, 3);
      assert.equal(kernel_stats().handles, before - 1);
      assert.deepStrictEqual(read(b)[0], [4]);
      assert.equal(mx_channel_write(a, 0, bytes(5), 1, null, 0), MX_OK);
      assert.equal(mx_channel_read(b, MX_CHANNEL_READ_MAY_DISCARD, null, null, 0, 0, null, null), MX_ERR_BUFFER_TOO_SMALL);
      assert.equal(state(b) & MX_CHANNEL_READABLE, 0);
    });

    it("a bytes buffer of the wrong kind is INVALID_ARGS after the message was dequeued (it is lost)", () => {
      const [a, b] = newChannel();
      assert.equal(mx_channel_write(a, 0, bytes(1, 2), 2, null, 0), MX_OK);
      assert.equal(mx_channel_read(b, 0, [0, 0] as never, null, 2, 0, null, null), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_read(b, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
    });

    it("a handles buffer of the wrong kind is INVALID_ARGS; the message is consumed and its handles closed", () => {
      const [a, b] = newChannel();
      const e = newEvent();
      const before = kernel_stats().handles;
      assert.equal(mx_channel_write(a, 0, null, 0, [e], 1), MX_OK);
      assert.equal(mx_channel_read(b, 0, null, "x" as never, 0, 1, null, null), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_stats().handles, before - 1);
      assert.equal(mx_channel_read(b, 0, null, null, 0, 0, null, null), MX_ERR_SHOULD_WAIT);
    });
  });

  describe("handle transfer", () => {
    it("moves handles all-or-nothing; the receiver gets new values", () => {
      const [a, b] = newChannel();
      const e1 = newEvent();
      const e2 = newEvent();
      assert.equal(mx_channel_write(a, 0, null, 0, new Uint32Array([e1, e2]), 2), MX_OK);
      assert.equal(mx_handle_close(e1), MX_ERR_BAD_HANDLE);
      assert.equal(mx_handle_close(e2), MX_ERR_BAD_HANDLE);
      const [, hs] = read(b);
      assert.equal(hs.length, 2);
      assert.notStrictEqual(hs[0], e1);
      assert.notStrictEqual(hs[1], e2);
      assert.equal(mx_object_signal_peer(hs[0], 0, MX_USER_SIGNAL_0), MX_ERR_NOT_SUPPORTED);
    });

    it("queued messages travel with a transferred endpoint", () => {
      const [a, b] = newChannel();
      const [c, d] = newChannel();
      assert.equal(mx_channel_write(c, 0, bytes(42), 1, null, 0), MX_OK);
      assert.equal(mx_channel_write(a, 0, null, 0, [d], 1), MX_OK);
      const [, hs] = read(b);
      assert.deepStrictEqual(read(hs[0])[0], [42]);
    });

    it("closing a channel destroys in-flight handles recursively", () => {
      const before = kernel_stats().handles;
      const [a, b] = newChannel();
      // nest: b's queue holds y1, y1's queue holds an event and y2, and so on, 50 deep (deep enough that a recursive
      // destruction would overflow the device's stack; 20 where RAM is too small for 150 objects)
      const depth = roomFor(512 * 1024) ? 50 : 20;
      let writer = a;
      for (let i = 0; i < depth; i++) {
        const x = { value: 0 };
        const y = { value: 0 };
        assert.equal(mx_channel_create(0, x, y), MX_OK);
        const ev = { value: 0 };
        assert.equal(mx_handle_duplicate(newEvent(), MX_RIGHT_READ | 2, ev), MX_OK);
        assert.equal(mx_channel_write(x.value, 0, null, 0, [ev.value], 1), MX_OK);
        assert.equal(mx_channel_write(writer, 0, null, 0, [y.value], 1), MX_OK);
        if (writer !== a) assert.equal(mx_handle_close(writer), MX_OK);
        writer = x.value;
      }
      assert.equal(mx_handle_close(writer), MX_OK);
      assert.ok(kernel_stats().handles > before + 2 * depth);
      assert.equal(mx_handle_close(a), MX_OK);
      assert.equal(mx_handle_close(b), MX_OK);
      // what is left are only the tracked events
      assert.equal(kernel_stats().handles, before + depth);
    });

    it("a handle inside an unread message still counts for LAST_HANDLE", () => {
      const [a, b] = newChannel();
      const e = newEvent();
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ | 2, d), MX_OK);
      assert.equal(mx_channel_write(a, 0, null, 0, [d.value], 1), MX_OK);
      assert.equal(state(e) & MX_SIGNAL_LAST_HANDLE, 0);
      const [, hs] = read(b);
      assert.equal(mx_handle_close(hs[0]), MX_OK);
      assert.equal(state(e) & MX_SIGNAL_LAST_HANDLE, MX_SIGNAL_LAST_HANDLE);
    });
  });

  it("closing one end: the peer gets PEER_CLOSED and loses WRITABLE; signal_peer then says PEER_CLOSED", () => {
    const [a, b] = newChannel();
    assert.equal(mx_object_signal_peer(a, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(state(b) & MX_USER_SIGNAL_0, MX_USER_SIGNAL_0);
    assert.equal(mx_object_signal_peer(a, 0, 1), MX_ERR_INVALID_ARGS);
    assert.equal(mx_handle_close(b), MX_OK);
    assert.equal(state(a), (MX_CHANNEL_PEER_CLOSED | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(mx_object_signal_peer(a, 0, MX_USER_SIGNAL_0), MX_ERR_PEER_CLOSED);
    assert.equal(mx_channel_write(a, 0, null, 0, null, 0), MX_ERR_PEER_CLOSED);
  });

  it("a port may travel through a channel", () => {
    const [a, b] = newChannel();
    const port = newPort();
    assert.equal(mx_channel_write(a, 0, null, 0, [port], 1), MX_OK);
    const [, hs] = read(b);
    assert.equal(hs.length, 1);
  });
});

