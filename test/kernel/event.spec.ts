import assert from "node:assert/strict";
import {
  mx_event_create,
  mx_eventpair_create,
  mx_handle_close,
  mx_object_signal,
  mx_object_signal_peer,
  mx_object_wait_one,
  MX_EPAIR_PEER_CLOSED,
  MX_EPAIR_SIGNALED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_PEER_CLOSED,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_IS_EXCEPTION,
  MX_PKT_IS_SIGNAL_ONE,
  MX_PKT_TYPE_EXCEPTION,
  MX_RIGHT_SAME_RIGHTS,
  MX_SIGNAL_LAST_HANDLE,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  MX_USEC,
  mx_port_packet_t,
} from "../../kernel/index.ts";
import { newEventPair, useHandles } from "./helpers.ts";

function state(h: number): number {
  const o = { value: 0 };
  assert.equal(mx_object_wait_one(h, 0, 0n, o), MX_ERR_TIMED_OUT);
  return o.value;
}

describe("events, event pairs, constants", () => {
  useHandles();

  it("event_create: options != 0 is INVALID_ARGS; eventpair_create: NOT_SUPPORTED and outs untouched", () => {
    const a = { value: 5 };
    const b = { value: 6 };
    assert.equal(mx_event_create(1, a), MX_ERR_INVALID_ARGS);
    assert.equal(mx_eventpair_create(1, a, b), MX_ERR_NOT_SUPPORTED);
    assert.deepStrictEqual([a.value, b.value], [5, 6]);
    assert.equal(mx_eventpair_create(0, a, null as never), MX_ERR_INVALID_ARGS);
  });

  it("event pairs signal each other; closing one side sets PEER_CLOSED and keeps bits already signalled", () => {
    const [a, b] = newEventPair();
    assert.equal(mx_object_signal(a, 0, MX_EPAIR_SIGNALED), MX_OK);
    assert.equal(mx_object_signal_peer(a, 0, MX_USER_SIGNAL_0 | MX_EPAIR_SIGNALED), MX_OK);
    assert.equal(mx_object_signal_peer(a, 0, MX_EPAIR_PEER_CLOSED), MX_ERR_INVALID_ARGS);
    assert.equal(mx_handle_close(a), MX_OK);
    assert.equal(state(b), (MX_USER_SIGNAL_0 | MX_EPAIR_SIGNALED | MX_EPAIR_PEER_CLOSED | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(mx_object_signal_peer(b, 0, MX_USER_SIGNAL_0), MX_ERR_PEER_CLOSED);
  });

  it("constants and macros have their C values", () => {
    assert.equal(MX_TIME_INFINITE, 0xffff_ffff_ffff_ffffn);
    assert.equal(MX_RIGHT_SAME_RIGHTS, 0x8000_0000);
    assert.equal(MX_USEC(3), 3000n);
    assert.equal(MX_PKT_TYPE_EXCEPTION(2), 0x203);
    assert.ok(MX_PKT_IS_EXCEPTION(0x503 & ~0x500 | 0x100));
    assert.ok(MX_PKT_IS_SIGNAL_ONE(1));
    const p = new mx_port_packet_t();
    p.key = 0x0102030405060708n;
    p.status = -1;
    p.signal.count = 9n;
    assert.deepStrictEqual(Array.from(p.bytes.subarray(0, 16)), [8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 255, 255, 255, 255]);
    assert.equal(p.bytes[24], 9);
    assert.equal(p.user.u64[1], 9n);
  });
});
