import assert from "node:assert/strict";
import {
  kernel_configure,
  kernel_limits,
  mx_handle_close,
  mx_handle_duplicate,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  mx_deadline_after,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_MSEC,
  MX_OK,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V2,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  mx_time_get,
  MX_CLOCK_MONOTONIC,
} from "../../kernel/index.ts";
import { newEvent, newPort, track, useHandles } from "./helpers.ts";

function userPacket(key: bigint, word: number): mx_port_packet_t {
  const p = new mx_port_packet_t();
  p.key = key;
  p.type = 0x55;
  p.status = -7;
  p.user.u32[0] = word;
  p.user.u64[3] = 0xffff_ffff_ffff_fff0n;
  return p;
}

describe("ports V2: mx_port_create / mx_port_queue / mx_port_wait", () => {
  useHandles();

  it("create: options other than V1/V2 and a missing out are INVALID_ARGS", () => {
    const o = { value: 0 };
    assert.equal(mx_port_create(2, o), MX_ERR_INVALID_ARGS);
    assert.equal(mx_port_create(MX_PORT_OPT_V2, null as never), MX_ERR_INVALID_ARGS);
    assert.equal(o.value, 0);
  });

  it("preserves key, status and the 32-byte user union and forces type USER", () => {
    const port = newPort();
    assert.equal(mx_port_queue(port, userPacket(0x1234_5678_9abc_def0n, 42), 0), MX_OK);
    const got = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
    assert.equal(got.key, 0x1234_5678_9abc_def0n);
    assert.equal(got.type, MX_PKT_TYPE_USER);
    assert.equal(got.status, -7);
    assert.equal(got.user.u32[0], 42);
    assert.equal(got.user.u64[3], 0xffff_ffff_ffff_fff0n);
  });

  it("accepts a plain Uint8Array of 48 bytes or more in the same layout", () => {
    const port = newPort();
    const raw = new Uint8Array(64);
    raw[0] = 9;
    raw[16] = 0xaa;
    assert.equal(mx_port_queue(port, raw, 0), MX_OK);
    const out = new Uint8Array(48);
    assert.equal(mx_port_wait(port, 0n, out, 0), MX_OK);
    assert.equal(out[0], 9);
    assert.equal(out[16], 0xaa);
  });

  it("is FIFO", () => {
    const port = newPort();
    for (let i = 0; i < 20; i++) assert.equal(mx_port_queue(port, userPacket(BigInt(i), i * 3), 0), MX_OK);
    const got = new mx_port_packet_t();
    for (let i = 0; i < 20; i++) {
      assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
      assert.equal(got.key, BigInt(i));
      assert.equal(got.user.u32[0], i * 3);
    }
    assert.equal(mx_port_wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
  });

  it("a past deadline polls; a short future deadline times out", () => {
    const port = newPort();
    const got = new mx_port_packet_t();
    assert.equal(mx_port_wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
    assert.equal(mx_port_wait(port, 1, got, 0), MX_ERR_TIMED_OUT);
    const start = mx_time_get(MX_CLOCK_MONOTONIC);
    assert.equal(mx_port_wait(port, mx_deadline_after(MX_MSEC(5)), got, 0), MX_ERR_TIMED_OUT);
    assert.ok(mx_time_get(MX_CLOCK_MONOTONIC) - start >= MX_MSEC(5));
    assert.equal(mx_port_queue(port, userPacket(1n, 1), 0), MX_OK);
    assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
  });

  describe("port_queue check order", () => {
    it("size > MX_PORT_MAX_PKT_SIZE is BUFFER_TOO_SMALL, before the handle is looked at", () => {
      assert.equal(mx_port_queue(0, new mx_port_packet_t(), 129), MX_ERR_BUFFER_TOO_SMALL);
      const port = newPort();
      assert.equal(mx_port_queue(port, new mx_port_packet_t(), 200), MX_ERR_BUFFER_TOO_SMALL);
    });

    it("an invalid or closed handle is BAD_HANDLE", () => {
      const port = newPort();
      assert.equal(mx_handle_close(port), MX_OK);
      assert.equal(mx_port_queue(port, new mx_port_packet_t(), 0), MX_ERR_BAD_HANDLE);
      assert.equal(mx_port_queue(0, new mx_port_packet_t(), 0), MX_ERR_BAD_HANDLE);
    });

    it("a nonzero size on a V2 port is WRONG_TYPE; so is a handle that is not a port", () => {
      const port = newPort();
      assert.equal(mx_port_queue(port, new mx_port_packet_t(), 48), MX_ERR_WRONG_TYPE);
      assert.equal(mx_port_queue(newEvent(), new mx_port_packet_t(), 0), MX_ERR_WRONG_TYPE);
    });

    it("no WRITE right is ACCESS_DENIED", () => {
      const port = newPort();
      const ro = { value: 0 };
      assert.equal(mx_handle_duplicate(port, MX_RIGHT_READ | MX_RIGHT_TRANSFER, ro), MX_OK);
      track(ro.value);
      assert.equal(mx_port_queue(ro.value, new mx_port_packet_t(), 0), MX_ERR_ACCESS_DENIED);
    });

    it("a missing or short packet is INVALID_ARGS and queues nothing", () => {
      const port = newPort();
      assert.equal(mx_port_queue(port, null, 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_queue(port, new Uint8Array(47), 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_queue(port, [1, 2, 3] as never, 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
    });
  });

  describe("port_wait check order", () => {
    it("a missing packet is INVALID_ARGS first of all", () => {
      assert.equal(mx_port_wait(0, 0n, null, 0), MX_ERR_INVALID_ARGS);
    });

    it("BAD_HANDLE; WRONG_TYPE for a non-port", () => {
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(0, 0n, got, 0), MX_ERR_BAD_HANDLE);
      assert.equal(mx_port_wait(newEvent(), 0n, got, 0), MX_ERR_WRONG_TYPE);
    });

    it("V2 needs WRITE, not READ", () => {
      const port = newPort();
      assert.equal(mx_port_queue(port, userPacket(3n, 3), 0), MX_OK);
      const ro = { value: 0 };
      const wo = { value: 0 };
      assert.equal(mx_handle_duplicate(port, MX_RIGHT_READ, ro), MX_OK);
      assert.equal(mx_handle_duplicate(port, MX_RIGHT_WRITE, wo), MX_OK);
      track(ro.value);
      track(wo.value);
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(ro.value, 0n, got, 0), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_port_wait(wo.value, 0n, got, 0), MX_OK);
      assert.equal(got.key, 3n);
    });

    it("a nonzero size on a V2 port is WRONG_TYPE and the packet stays queued", () => {
      const port = newPort();
      assert.equal(mx_port_queue(port, userPacket(4n, 4), 0), MX_OK);
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(port, 0n, got, 48), MX_ERR_WRONG_TYPE);
      assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
      assert.equal(got.key, 4n);
    });

    it("a packet buffer of the wrong kind is INVALID_ARGS and the dequeued packet is lost (C's bad pointer)", () => {
      const port = newPort();
      assert.equal(mx_port_queue(port, userPacket(5n, 5), 0), MX_OK);
      assert.equal(mx_port_wait(port, 0n, new Uint8Array(8), 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
    });

    it("a deadline of the wrong kind is INVALID_ARGS", () => {
      const port = newPort();
      assert.equal(mx_port_wait(port, -1, new mx_port_packet_t(), 0), MX_ERR_INVALID_ARGS);
      assert.equal(mx_port_wait(port, "0" as never, new mx_port_packet_t(), 0), MX_ERR_INVALID_ARGS);
    });
  });

  it("closing a port that still holds packets is legal", () => {
    const port = newPort();
    for (let i = 0; i < 5; i++) assert.equal(mx_port_queue(port, userPacket(1n, i), 0), MX_OK);
    assert.equal(mx_handle_close(port), MX_OK);
  });

  it("the packet limit gives NO_MEMORY and the port keeps working", () => {
    const saved = kernel_limits();
    try {
      assert.equal(kernel_configure({ maxPacketsPerPort: 3 }), MX_OK);
      const port = newPort();
      for (let i = 0; i < 3; i++) assert.equal(mx_port_queue(port, userPacket(BigInt(i), 0), 0), MX_OK);
      assert.equal(mx_port_queue(port, userPacket(9n, 0), 0), MX_ERR_NO_MEMORY);
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
      assert.equal(got.key, 0n);
      assert.equal(mx_port_queue(port, userPacket(3n, 0), 0), MX_OK);
      for (let i = 1; i <= 3; i++) {
        assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
        assert.equal(got.key, BigInt(i));
      }
    } finally {
      kernel_configure(saved);
    }
  });
});
