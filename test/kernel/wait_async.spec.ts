import assert from "node:assert/strict";
import {
  mx_channel_write,
  mx_channel_read,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_cancel,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_CHANNEL_READABLE,
  MX_CHANNEL_WRITABLE,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_FOUND,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_TIMED_OUT,
  MX_ERR_WRONG_TYPE,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_SIGNAL_REP,
  MX_PKT_TYPE_USER,
  MX_PORT_OPT_V1,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_RIGHT_READ,
  MX_SIGNAL_LAST_HANDLE,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_1,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "../../kernel/index.ts";
import { bytes, newChannel, newEvent, newPort, track, useHandles } from "./helpers.ts";

const pkt = new mx_port_packet_t();

function next(port: number): number {
  return mx_port_wait(port, 0n, pkt, 0);
}

function drain(port: number): bigint[] {
  const keys: bigint[] = [];
  while (next(port) === MX_OK) keys.push(pkt.key);
  return keys;
}

describe("mx_object_wait_async and signal packets", () => {
  useHandles();

  it("a signal packet carries key, type, status OK, trigger, the full observed state and count 1", () => {
    const port = newPort();
    const e = newEvent();
    assert.equal(mx_object_wait_async(e, port, 77n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED | MX_USER_SIGNAL_1), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.key, 77n);
    assert.equal(pkt.type, MX_PKT_TYPE_SIGNAL_ONE);
    assert.equal(pkt.status, MX_OK);
    assert.equal(pkt.signal.trigger, MX_EVENT_SIGNALED);
    assert.equal(pkt.signal.observed, (MX_EVENT_SIGNALED | MX_USER_SIGNAL_1 | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(pkt.signal.count, 1n);
  });

  it("one state change queues packets newest registration first (async_wait_event_test_single)", () => {
    const port = newPort();
    const e = newEvent();
    for (let k = 0n; k < 7n; k++) assert.equal(mx_object_wait_async(e, port, k, MX_EVENT_SIGNALED, 0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
    const keys = drain(port);
    assert.deepStrictEqual(keys, [6n, 5n, 4n, 3n, 2n, 1n, 0n]);
    assert.equal(keys.slice(0, 5).reduce((a, b) => a + b, 0n), 20n);
  });

  it("fires at registration when a trigger bit is already set; a channel with N messages gives count N", () => {
    const port = newPort();
    const [a, b] = newChannel();
    for (let i = 0; i < 5; i++) assert.equal(mx_channel_write(a, 0, bytes(i), 1, null, 0), MX_OK);
    assert.equal(mx_object_wait_async(b, port, 1n, MX_CHANNEL_READABLE, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.signal.count, 5n);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
    // count applies only when the counted signal is among the triggers
    assert.equal(mx_object_wait_async(b, port, 2n, MX_CHANNEL_WRITABLE, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.signal.count, 1n);
  });

  it("ONCE observers are removed after they fire", () => {
    const port = newPort();
    const e = newEvent();
    assert.equal(mx_object_wait_async(e, port, 1n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(mx_object_signal(e, MX_USER_SIGNAL_0, 0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.deepStrictEqual(drain(port), [1n]);
    assert.equal(mx_port_cancel(port, e, 1n), MX_ERR_NOT_FOUND);
  });

  it("a REPEATING observer never has more than one packet queued, and its observed keeps its first value", () => {
    const port = newPort();
    const e = newEvent();
    assert.equal(mx_object_wait_async(e, port, 3n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_REPEATING), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_1), MX_OK);
    assert.equal(mx_object_signal(e, MX_USER_SIGNAL_0, 0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.type, MX_PKT_TYPE_SIGNAL_REP);
    assert.equal(pkt.signal.observed, (MX_USER_SIGNAL_0 | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
    // dequeuing alone does not re-arm; the next qualifying state change does (an unrelated bit is enough)
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
    assert.equal(mx_object_signal(e, MX_USER_SIGNAL_1, 0), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.signal.observed, (MX_USER_SIGNAL_0 | MX_SIGNAL_LAST_HANDLE) >>> 0);
    assert.equal(mx_port_cancel(port, e, 3n), MX_OK);
    assert.equal(mx_object_signal(e, MX_USER_SIGNAL_0, 0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
  });

  it("setting a bit that is already set changes nothing and queues nothing", () => {
    const port = newPort();
    const e = newEvent();
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(mx_object_wait_async(e, port, 1n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_REPEATING), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
    assert.equal(mx_port_cancel(port, e, 1n), MX_OK);
  });

  it("user and signal packets share one FIFO", () => {
    const port = newPort();
    const e = newEvent();
    const user = new mx_port_packet_t();
    user.key = 1n;
    assert.equal(mx_port_queue(port, user, 0), MX_OK);
    assert.equal(mx_object_wait_async(e, port, 2n, MX_EVENT_SIGNALED, 0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
    user.key = 3n;
    assert.equal(mx_port_queue(port, user, 0), MX_OK);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.type, MX_PKT_TYPE_USER);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.key, 2n);
    assert.equal(next(port), MX_OK);
    assert.equal(pkt.key, 3n);
  });

  it("signals == 0 is accepted and never fires", () => {
    const port = newPort();
    const e = newEvent();
    assert.equal(mx_object_wait_async(e, port, 1n, 0, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
    assert.equal(mx_port_cancel(port, e, 1n), MX_OK);
  });

  describe("errors, in check order", () => {
    it("port: BAD_HANDLE, WRONG_TYPE (including a V1 port), ACCESS_DENIED without WRITE", () => {
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, 0, 1n, 1, 0), MX_ERR_BAD_HANDLE);
      assert.equal(mx_object_wait_async(e, e, 1n, 1, 0), MX_ERR_WRONG_TYPE);
      assert.equal(mx_object_wait_async(e, newPort(MX_PORT_OPT_V1), 1n, 1, 0), MX_ERR_WRONG_TYPE);
      const ro = { value: 0 };
      assert.equal(mx_handle_duplicate(newPort(), MX_RIGHT_READ, ro), MX_OK);
      track(ro.value);
      assert.equal(mx_object_wait_async(e, ro.value, 1n, 1, 0), MX_ERR_ACCESS_DENIED);
    });

    it("handle: BAD_HANDLE, ACCESS_DENIED without READ, NOT_SUPPORTED for a port", () => {
      const port = newPort();
      assert.equal(mx_object_wait_async(0, port, 1n, 1, 0), MX_ERR_BAD_HANDLE);
      const wo = { value: 0 };
      assert.equal(mx_handle_duplicate(newEvent(), MX_RIGHT_WRITE, wo), MX_OK);
      track(wo.value);
      assert.equal(mx_object_wait_async(wo.value, port, 1n, 1, 0), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_object_wait_async(port, port, 1n, 1, 0), MX_ERR_NOT_SUPPORTED);
    });

    it("options other than ONCE or REPEATING are INVALID_ARGS (documented check)", () => {
      const port = newPort();
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, port, 1n, MX_EVENT_SIGNALED, 2), MX_ERR_INVALID_ARGS);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(next(port), MX_ERR_TIMED_OUT);
    });
  });

  describe("mx_port_cancel", () => {
    it("removes pending observers and already-queued packets for (handle, key); NOT_FOUND when nothing matched", () => {
      const port = newPort();
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, port, 5n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_wait_async(e, port, 5n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_wait_async(e, port, 6n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(mx_port_cancel(port, e, 5n), MX_OK);
      assert.deepStrictEqual(drain(port), [6n]);
      assert.equal(mx_port_cancel(port, e, 6n), MX_ERR_NOT_FOUND);
      assert.equal(mx_port_cancel(port, e, 5n), MX_ERR_NOT_FOUND);
    });

    it("cancels every pending wait with the same key together", () => {
      const port = newPort();
      const e = newEvent();
      for (let i = 0; i < 3; i++) assert.equal(mx_object_wait_async(e, port, 8n, MX_EVENT_SIGNALED, 0), MX_OK);
      assert.equal(mx_port_cancel(port, e, 8n), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(next(port), MX_ERR_TIMED_OUT);
    });

    it("matches by handle, not by object: a duplicate's waits survive", () => {
      const port = newPort();
      const e = newEvent();
      const d = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ | MX_RIGHT_WRITE, d), MX_OK);
      track(d.value);
      assert.equal(mx_object_wait_async(d.value, port, 1n, MX_EVENT_SIGNALED, 0), MX_OK);
      assert.equal(mx_port_cancel(port, e, 1n), MX_ERR_NOT_FOUND);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.deepStrictEqual(drain(port), [1n]);
    });

    it("a ONCE wait whose packet was already dequeued gives NOT_FOUND", () => {
      const port = newPort();
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, port, 1n, MX_EVENT_SIGNALED, 0), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(next(port), MX_OK);
      assert.equal(mx_port_cancel(port, e, 1n), MX_ERR_NOT_FOUND);
    });

    it("errors: port BAD_HANDLE/WRONG_TYPE/ACCESS_DENIED, source BAD_HANDLE, source without READ, not waitable", () => {
      const port = newPort();
      const e = newEvent();
      assert.equal(mx_port_cancel(0, e, 1n), MX_ERR_BAD_HANDLE);
      assert.equal(mx_port_cancel(e, e, 1n), MX_ERR_WRONG_TYPE);
      const ro = { value: 0 };
      assert.equal(mx_handle_duplicate(port, MX_RIGHT_READ, ro), MX_OK);
      track(ro.value);
      assert.equal(mx_port_cancel(ro.value, e, 1n), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_port_cancel(port, 0, 1n), MX_ERR_BAD_HANDLE);
      const wo = { value: 0 };
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_WRITE | MX_RIGHT_TRANSFER, wo), MX_OK);
      track(wo.value);
      assert.equal(mx_port_cancel(port, wo.value, 1n), MX_ERR_ACCESS_DENIED);
      assert.equal(mx_port_cancel(port, port, 1n), MX_ERR_NOT_SUPPORTED);
    });
  });

  it("closing the watched handle cancels its observers without a packet; queued packets stay", () => {
    const port = newPort();
    const e = newEvent();
    const d = { value: 0 };
    assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ | MX_RIGHT_WRITE, d), MX_OK);
    track(d.value);
    assert.equal(mx_object_wait_async(e, port, 1n, MX_USER_SIGNAL_0, 0), MX_OK);
    assert.equal(mx_object_wait_async(e, port, 2n, MX_USER_SIGNAL_1, 0), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(mx_handle_close(e), MX_OK);
    assert.equal(mx_object_signal(d.value, 0, MX_USER_SIGNAL_1), MX_OK);
    assert.deepStrictEqual(drain(port), [1n]);
  });

  const orders = [
    ["ch0", "ch1", "port"],
    ["ch0", "port", "ch1"],
    ["ch1", "ch0", "port"],
    ["ch1", "port", "ch0"],
    ["port", "ch0", "ch1"],
    ["port", "ch1", "ch0"],
  ];
  for (const mode of [MX_WAIT_ASYNC_ONCE, MX_WAIT_ASYNC_REPEATING]) {
    for (const order of orders) {
      it(`closing {${order.join(", ")}} with ${mode ? "REPEATING" : "ONCE"} observers always succeeds`, () => {
        const port = newPort();
        const [ch0, ch1] = newChannel();
        const h: Record<string, number> = { ch0, ch1, port };
        assert.equal(mx_object_wait_async(ch0, port, 1n, MX_CHANNEL_READABLE | 4, mode), MX_OK);
        assert.equal(mx_object_wait_async(ch1, port, 2n, MX_CHANNEL_READABLE | 4, mode), MX_OK);
        assert.equal(mx_channel_write(ch1, 0, bytes(1), 1, null, 0), MX_OK);
        for (const name of order) assert.equal(mx_handle_close(h[name]), MX_OK);
      });
    }
  }

  it("transferring the watched handle cancels its observers when the message is read", () => {
    const port = newPort();
    const e = newEvent();
    const [a, b] = newChannel();
    assert.equal(mx_object_wait_async(e, port, 1n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_REPEATING), MX_OK);
    assert.equal(mx_channel_write(a, 0, null, 0, [e], 1), MX_OK);
    const hs = [0];
    const n = { value: 0 };
    assert.equal(mx_channel_read(b, 0, null, hs, 0, 1, n, n), MX_OK);
    track(hs[0]);
    assert.equal(mx_object_signal(hs[0], 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(next(port), MX_ERR_TIMED_OUT);
  });
});
