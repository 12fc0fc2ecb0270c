import assert from "node:assert/strict";
import {
  mx_handle_duplicate,
  mx_object_wait_async,
  mx_port_cancel,
  mx_port_queue,
  mx_port_wait,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_OK,
  MX_PORT_MAX_PKT_SIZE,
  MX_PORT_OPT_V1,
  MX_PORT_PKT_TYPE_USER,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
  awaitable,
  MX_TIME_INFINITE,
} from "../../kernel/index.ts";
import { newEvent, newPort, track, useHandles } from "./helpers.ts";

/** A V1 packet: header {key, type, extra} then payload bytes. */
function v1(key: number, extra: number, payload: number[]): Uint8Array {
  const b = new Uint8Array(16 + payload.length);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, BigInt(key), true);
  dv.setUint32(8, 0x99, true);
  dv.setUint32(12, extra, true);
  b.set(payload, 16);
  return b;
}

function header(b: Uint8Array): [bigint, number, number] {
  const dv = new DataView(b.buffer, b.byteOffset);
  return [dv.getBigUint64(0, true), dv.getUint32(8, true), dv.getUint32(12, true)];
}

describe("ports V1", () => {
  useHandles();

  it("queues mx_packet_header_t packets FIFO, keeps key and extra, forces type USER (2)", () => {
    const port = newPort(MX_PORT_OPT_V1);
    assert.equal(mx_port_queue(port, v1(1, 10, [1, 2, 3]), 19), MX_OK);
    assert.equal(mx_port_queue(port, v1(2, 20, []), 16), MX_OK);
    const buf = new Uint8Array(MX_PORT_MAX_PKT_SIZE);
    assert.equal(mx_port_wait(port, 0n, buf, buf.length), MX_OK);
    assert.deepStrictEqual(header(buf), [1n, MX_PORT_PKT_TYPE_USER, 10]);
    assert.deepStrictEqual(Array.from(buf.subarray(16, 19)), [1, 2, 3]);
    assert.equal(mx_port_wait(port, 0n, buf, buf.length), MX_OK);
    assert.deepStrictEqual(header(buf), [2n, MX_PORT_PKT_TYPE_USER, 20]);
    assert.equal(mx_port_wait(port, 0n, buf, buf.length), MX_ERR_TIMED_OUT);
  });

  it("carries packets up to MX_PORT_MAX_PKT_SIZE; larger is BUFFER_TOO_SMALL", () => {
    const port = newPort(MX_PORT_OPT_V1);
    const big = v1(3, 0, new Array(112).fill(7));
    assert.equal(big.length, MX_PORT_MAX_PKT_SIZE);
    assert.equal(mx_port_queue(port, big, big.length), MX_OK);
    assert.equal(mx_port_queue(port, new Uint8Array(129), 129), MX_ERR_BUFFER_TOO_SMALL);
    const buf = new Uint8Array(128);
    assert.equal(mx_port_wait(port, 0n, buf, 128), MX_OK);
    assert.equal(buf[127], 7);
  });

  it("a wait buffer smaller than the packet is BUFFER_TOO_SMALL and the packet stays queued", () => {
    const port = newPort(MX_PORT_OPT_V1);
    assert.equal(mx_port_queue(port, v1(4, 0, [1, 2, 3, 4]), 20), MX_OK);
    assert.equal(mx_port_wait(port, 0n, new Uint8Array(16), 16), MX_ERR_BUFFER_TOO_SMALL);
    assert.equal(mx_port_wait(port, 0n, new Uint8Array(48), 0), MX_ERR_BUFFER_TOO_SMALL);
    const buf = new Uint8Array(20);
    assert.equal(mx_port_wait(port, 0n, buf, 20), MX_OK);
    assert.equal(header(buf)[0], 4n);
  });

  it("queue errors: size 0 or below the header is INVALID_ARGS; missing or short packet is INVALID_ARGS; no WRITE", () => {
    const port = newPort(MX_PORT_OPT_V1);
    assert.equal(mx_port_queue(port, v1(1, 0, []), 0), MX_ERR_INVALID_ARGS);
    assert.equal(mx_port_queue(port, v1(1, 0, []), 15), MX_ERR_INVALID_ARGS);
    assert.equal(mx_port_queue(port, null, 16), MX_ERR_INVALID_ARGS);
    assert.equal(mx_port_queue(port, new Uint8Array(16), 17), MX_ERR_INVALID_ARGS);
    const ro = { value: 0 };
    assert.equal(mx_handle_duplicate(port, MX_RIGHT_READ, ro), MX_OK);
    track(ro.value);
    assert.equal(mx_port_queue(ro.value, v1(1, 0, []), 16), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_port_queue(newPort(), v1(1, 0, []), 16), MX_ERR_WRONG_TYPE);
  });

  it("wait needs READ; a wait buffer shorter than size is INVALID_ARGS and changes nothing", () => {
    const port = newPort(MX_PORT_OPT_V1);
    assert.equal(mx_port_queue(port, v1(5, 0, []), 16), MX_OK);
    const wo = { value: 0 };
    assert.equal(mx_handle_duplicate(port, MX_RIGHT_WRITE, wo), MX_OK);
    track(wo.value);
    assert.equal(mx_port_wait(wo.value, 0n, new Uint8Array(16), 16), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_port_wait(port, 0n, new Uint8Array(8), 16), MX_ERR_INVALID_ARGS);
    assert.equal(mx_port_wait(port, 0n, new Uint8Array(16), 16), MX_OK);
  });

  it("V1 ports take no async waits and no port_cancel (V2 lookups: WRONG_TYPE)", () => {
    const port = newPort(MX_PORT_OPT_V1);
    const e = newEvent();
    assert.equal(mx_object_wait_async(e, port, 1n, 1, 0), MX_ERR_WRONG_TYPE);
    assert.equal(mx_port_cancel(port, e, 1n), MX_ERR_WRONG_TYPE);
  });

  it("awaitable waits on V1 ports: a waiter whose buffer is too small gets BUFFER_TOO_SMALL, the next takes the packet", async () => {
    const port = newPort(MX_PORT_OPT_V1);
    const small = awaitable.mx_port_wait(port, MX_TIME_INFINITE, new Uint8Array(16), 16);
    const buf = new Uint8Array(32);
    const big = awaitable.mx_port_wait(port, MX_TIME_INFINITE, buf, 32);
    assert.equal(mx_port_queue(port, v1(6, 1, [9, 9]), 18), MX_OK);
    assert.equal(await small, MX_ERR_BUFFER_TOO_SMALL);
    assert.equal(await big, MX_OK);
    assert.equal(header(buf)[0], 6n);
  });
});
