import assert from "node:assert/strict";
import {
  awaitable,
  kernel_stats,
  mx_channel_call,
  mx_channel_read,
  mx_channel_write,
  mx_deadline_after,
  mx_handle_close,
  mx_object_wait_one,
  MX_CHANNEL_READABLE,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_CALL_FAILED,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_OUT_OF_RANGE,
  MX_ERR_PEER_CLOSED,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_MSEC,
  MX_OK,
  MX_TIME_INFINITE,
  type mx_channel_call_args_t,
} from "../../kernel/index.ts";
import { bytes, newChannel, newEvent, track, useHandles } from "./helpers.ts";

function txidBytes(txid: number, ...rest: number[]): Uint8Array {
  return Uint8Array.from([txid & 0xff, (txid >>> 8) & 0xff, (txid >>> 16) & 0xff, txid >>> 24, ...rest]);
}

function callArgs(wr: Uint8Array, wrHandles: number[] = [], rdBytes = 64, rdHandles = 4): mx_channel_call_args_t {
  return {
    wr_bytes: wr,
    wr_handles: wrHandles,
    rd_bytes: new Uint8Array(rdBytes),
    rd_handles: new Uint32Array(rdHandles),
    wr_num_bytes: wr.length,
    wr_num_handles: wrHandles.length,
    rd_num_bytes: rdBytes,
    rd_num_handles: rdHandles,
  };
}

/** The server side: reads one request and returns its bytes. */
function serverRead(h: number): Uint8Array {
  const buf = new Uint8Array(128);
  const n = { value: 0 };
  assert.equal(mx_channel_read(h, 0, buf, null, 128, 0, n, null), MX_OK);
  return buf.slice(0, n.value);
}

describe("mx_channel_call", () => {
  useHandles();

  it("matches the reply by txid; a reply with another txid is queued normally", async () => {
    const [client, server] = newChannel();
    const args = callArgs(txidBytes(0x1234_5678, 1, 2));
    const ab = { value: 0 };
    const ah = { value: 0 };
    const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, ab, ah, null);
    const req = serverRead(server);
    assert.deepStrictEqual(Array.from(req), Array.from(txidBytes(0x1234_5678, 1, 2)));
    assert.equal(mx_channel_write(server, 0, txidBytes(99, 7), 5, null, 0), MX_OK);
    const e = newEvent();
    assert.equal(mx_channel_write(server, 0, txidBytes(0x1234_5678, 8, 9), 6, [e], 1), MX_OK);
    assert.equal(await call, MX_OK);
    assert.equal(ab.value, 6);
    assert.equal(ah.value, 1);
    assert.deepStrictEqual(Array.from(args.rd_bytes!.subarray(0, 6)), Array.from(txidBytes(0x1234_5678, 8, 9)));
    track((args.rd_handles as Uint32Array)[0]);
    // the other message went into the queue
    const o = { value: 0 };
    assert.equal(mx_object_wait_one(client, MX_CHANNEL_READABLE, 0n, o), MX_OK);
    assert.deepStrictEqual(Array.from(serverRead(client)), Array.from(txidBytes(99, 7)));
  });

  it("with several callers, a reply goes to the first waiter with its txid", async () => {
    const [client, server] = newChannel();
    const a1 = callArgs(txidBytes(5, 1));
    const a2 = callArgs(txidBytes(5, 2));
    const a3 = callArgs(txidBytes(6, 3));
    const n = () => ({ value: 0 });
    const done: number[] = [];
    const p1 = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, a1, n(), n(), null).then((s) => done.push(1) && s);
    const p2 = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, a2, n(), n(), null).then((s) => done.push(2) && s);
    const p3 = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, a3, n(), n(), null).then((s) => done.push(3) && s);
    for (let i = 0; i < 3; i++) serverRead(server);
    assert.equal(mx_channel_write(server, 0, txidBytes(6, 30), 5, null, 0), MX_OK);
    assert.equal(mx_channel_write(server, 0, txidBytes(5, 10), 5, null, 0), MX_OK);
    assert.equal(mx_channel_write(server, 0, txidBytes(5, 20), 5, null, 0), MX_OK);
    assert.deepStrictEqual(await Promise.all([p1, p2, p3]), [MX_OK, MX_OK, MX_OK]);
    assert.equal(a1.rd_bytes![4], 10);
    assert.equal(a2.rd_bytes![4], 20);
    assert.equal(a3.rd_bytes![4], 30);
    assert.deepStrictEqual(done.sort(), [1, 2, 3]);
  });

  it("a request shorter than 4 bytes has txid 0 and is answered by a reply shorter than 4 bytes", async () => {
    const [client, server] = newChannel();
    const args = callArgs(bytes(1, 2));
    const ab = { value: 0 };
    const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, ab, { value: 0 }, null);
    serverRead(server);
    assert.equal(mx_channel_write(server, 0, bytes(3), 1, null, 0), MX_OK);
    assert.equal(await call, MX_OK);
    assert.equal(ab.value, 1);
  });

  it("TIMED_OUT is returned directly; the handles were sent and a late reply is queued", async () => {
    const [client, server] = newChannel();
    const e = newEvent();
    const before = kernel_stats().handles;
    const rs = { value: 12345 };
    const status = mx_channel_call(client, 0, mx_deadline_after(MX_MSEC(2)), callArgs(txidBytes(1), [e]), { value: 0 }, { value: 0 }, rs);
    assert.equal(status, MX_ERR_TIMED_OUT);
    assert.equal(rs.value, 12345);
    assert.equal(mx_handle_close(e), MX_ERR_BAD_HANDLE);
    assert.equal(kernel_stats().handles, before);
    const hs = [0];
    assert.equal(mx_channel_read(server, 0, new Uint8Array(4), hs, 4, 1, null, null), MX_OK);
    track(hs[0]);
    assert.equal(mx_channel_write(server, 0, txidBytes(1), 4, null, 0), MX_OK);
    assert.equal(mx_object_wait_one(client, MX_CHANNEL_READABLE, 0n, null), MX_OK);
    const past = await awaitable.mx_channel_call(client, 0, 0n, callArgs(txidBytes(2)), { value: 0 }, { value: 0 }, null);
    assert.equal(past, MX_ERR_TIMED_OUT);
  });

  it("peer closed while waiting: CALL_FAILED with read_status PEER_CLOSED", async () => {
    const [client, server] = newChannel();
    const rs = { value: 0 };
    const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, callArgs(txidBytes(1)), { value: 0 }, { value: 0 }, rs);
    assert.equal(mx_handle_close(server), MX_OK);
    assert.equal(await call, MX_ERR_CALL_FAILED);
    assert.equal(rs.value, MX_ERR_PEER_CLOSED);
  });

  it("own handle closed while waiting: CALL_FAILED with read_status CANCELED", async () => {
    const [client] = newChannel();
    const rs = { value: 0 };
    const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, callArgs(txidBytes(1)), { value: 0 }, { value: 0 }, rs);
    assert.equal(mx_handle_close(client), MX_OK);
    assert.equal(await call, MX_ERR_CALL_FAILED);
    assert.equal(rs.value, MX_ERR_CANCELED);
  });

  it("a reply too large: CALL_FAILED, read_status BUFFER_TOO_SMALL, reply and its handles discarded, sizes not written", async () => {
    const [client, server] = newChannel();
    const e = newEvent();
    const rs = { value: 0 };
    const ab = { value: -1 };
    const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, callArgs(txidBytes(3), [], 4, 0), ab, { value: -1 }, rs);
    serverRead(server);
    const before = kernel_stats().handles;
    assert.equal(mx_channel_write(server, 0, txidBytes(3), 4, [e], 1), MX_OK);
    assert.equal(await call, MX_ERR_CALL_FAILED);
    assert.equal(rs.value, MX_ERR_BUFFER_TOO_SMALL);
    assert.equal(ab.value, -1);
    assert.equal(kernel_stats().handles, before - 1);
    assert.equal(mx_object_wait_one(client, MX_CHANNEL_READABLE, 0n, null), MX_ERR_TIMED_OUT);
  });

  it("write-phase failures are returned directly and the handles stay with the caller", () => {
    const [client, server] = newChannel();
    const e = newEvent();
    const n = () => ({ value: 0 });
    assert.equal(mx_handle_close(server), MX_OK);
    assert.equal(mx_channel_call(client, 0, MX_TIME_INFINITE, callArgs(txidBytes(1), [e]), n(), n(), null), MX_ERR_PEER_CLOSED);
    const [c2] = newChannel();
    assert.equal(mx_channel_call(c2, 0, MX_TIME_INFINITE, callArgs(txidBytes(1), [c2]), n(), n(), null), MX_ERR_NOT_SUPPORTED);
    assert.equal(mx_channel_call(c2, 0, MX_TIME_INFINITE, callArgs(txidBytes(1), [e, e]), n(), n(), null), MX_ERR_INVALID_ARGS);
    assert.equal(mx_handle_close(e), MX_OK);
  });

  it("argument errors: args, outs, options, handle, sizes", () => {
    const [client] = newChannel();
    const n = () => ({ value: 0 });
    const ok = callArgs(txidBytes(1));
    assert.equal(mx_channel_call(client, 0, 0n, null as never, n(), n(), null), MX_ERR_INVALID_ARGS);
    assert.equal(mx_channel_call(client, 0, 0n, { ...ok, rd_num_bytes: 100 }, n(), n(), null), MX_ERR_INVALID_ARGS);
    assert.equal(mx_channel_call(client, 0, 0n, ok, null as never, n(), null), MX_ERR_INVALID_ARGS);
    assert.equal(mx_channel_call(client, 1, 0n, ok, n(), n(), null), MX_ERR_INVALID_ARGS);
    assert.equal(mx_channel_call(0, 0, 0n, ok, n(), n(), null), MX_ERR_BAD_HANDLE);
    assert.equal(mx_channel_call(newEvent(), 0, 0n, ok, n(), n(), null), MX_ERR_WRONG_TYPE);
    assert.equal(mx_channel_call(client, 0, 0n, { ...ok, wr_num_bytes: 70000 }, n(), n(), null), MX_ERR_OUT_OF_RANGE);
    assert.equal(mx_channel_call(client, 0, "soon" as never, ok, n(), n(), null), MX_ERR_INVALID_ARGS);
  });
});
