/**
 * Out-parameters, handle arrays, wait items and the mx_channel_call record that refuse to be read or written the
 * ordinary way: frozen, with throwing setters or getters, Proxies, getters that answer differently each time. The
 * kernel reads each caller value once and checks each write (kernel/user_copy.ts): a refusal is that caller's
 * MX_ERR_INVALID_ARGS (or CALL_FAILED with read_status INVALID_ARGS for a reply), never an exception, never a
 * leaked handle (useHandles checks the count after each test), and never another caller's problem.
 */
import assert from "node:assert/strict";
import {
  awaitable,
  mx_channel_call,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_event_create,
  mx_eventpair_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_handle_replace,
  mx_object_signal,
  mx_object_wait_many,
  mx_object_wait_one,
  mx_port_create,
  mx_timer_create,
  MX_CHANNEL_READABLE,
  MX_CLOCK_MONOTONIC,
  MX_ERR_BAD_HANDLE,
  MX_ERR_CALL_FAILED,
  MX_ERR_INVALID_ARGS,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_PORT_OPT_V2,
  MX_RIGHT_SAME_RIGHTS,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  kernel_stats,
} from "../../kernel/index.ts";
import { newChannel, newEvent, settle, track, useHandles } from "./helpers.ts";

/** Out-parameters that refuse a write, by name. */
const refusingOuts: [string, () => { value: number }][] = [
  ["a frozen object", () => Object.freeze({ value: 0 })],
  [
    "a throwing setter",
    () => ({
      set value(_v: number) {
        throw new Error("no");
      },
      get value() {
        return 0;
      },
    }),
  ],
  ["a Proxy whose set trap throws", () => new Proxy({ value: 0 }, { set: () => { throw new Error("no"); } })],
  ["a non-writable value", () => Object.defineProperty({}, "value", { value: 0, writable: false }) as { value: number }],
];

const ok = () => ({ value: 0 });

describe("caller objects that refuse to be read or written", () => {
  useHandles();

  for (const [name, bad] of refusingOuts) {
    it(`create calls whose out-parameter is ${name} return INVALID_ARGS and keep no handle`, () => {
      assert.equal(mx_port_create(MX_PORT_OPT_V2, bad()), MX_ERR_INVALID_ARGS);
      assert.equal(mx_event_create(0, bad()), MX_ERR_INVALID_ARGS);
      assert.equal(mx_timer_create(0, MX_CLOCK_MONOTONIC, bad()), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_create(0, ok(), bad()), MX_ERR_INVALID_ARGS);
      assert.equal(mx_channel_create(0, bad(), ok()), MX_ERR_INVALID_ARGS);
      assert.equal(mx_eventpair_create(0, ok(), bad()), MX_ERR_INVALID_ARGS);
      const handlesBefore = kernel_stats().handles;
      const e = newEvent();
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, bad()), MX_ERR_INVALID_ARGS);
      const dup = ok();
      assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, dup), MX_OK);
      assert.equal(mx_handle_replace(dup.value, MX_RIGHT_SAME_RIGHTS, bad()), MX_ERR_INVALID_ARGS);
      assert.equal(kernel_stats().handles, handlesBefore + 2, "a failed replace makes no handle");
      const again = ok();
      assert.equal(mx_handle_replace(dup.value, MX_RIGHT_SAME_RIGHTS, again), MX_OK, "a failed replace leaves the original valid (2017)");
      assert.equal(mx_handle_close(dup.value), MX_ERR_BAD_HANDLE, "a successful replace consumes it");
      assert.equal(mx_handle_close(again.value), MX_OK);
    });

    it(`a wait whose observed is ${name} fails alone: the caller that signals is not affected`, async () => {
      const e = newEvent();
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
      assert.equal(mx_object_wait_one(e, MX_EVENT_SIGNALED, 0n, bad()), MX_ERR_INVALID_ARGS, "satisfied at once");
      const satisfied = [{ handle: e, waitfor: MX_EVENT_SIGNALED, pending: 0 }];
      Object.freeze(satisfied[0]);
      assert.equal(mx_object_wait_many(satisfied, 1, 0n), MX_ERR_INVALID_ARGS, "wait_many satisfied at once");
      assert.equal(await awaitable.mx_object_wait_many(satisfied, 1, 0n), MX_ERR_INVALID_ARGS, "awaitable, satisfied at once");
      const unsatisfied = [Object.freeze({ handle: e, waitfor: MX_USER_SIGNAL_0, pending: 0 })];
      assert.equal(mx_object_wait_many(unsatisfied, 1, 0n), MX_ERR_INVALID_ARGS, "wait_many timed out at once");
      assert.equal(mx_object_signal(e, MX_EVENT_SIGNALED, 0), MX_OK);
      const waiting = awaitable.mx_object_wait_one(e, MX_EVENT_SIGNALED, MX_TIME_INFINITE, bad());
      const items = [{ handle: e, waitfor: MX_USER_SIGNAL_0, pending: 0 }];
      Object.freeze(items[0]);
      const many = awaitable.mx_object_wait_many(items, 1, MX_TIME_INFINITE);
      assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED | MX_USER_SIGNAL_0), MX_OK, "no exception here");
      await settle();
      assert.equal(await waiting, MX_ERR_INVALID_ARGS);
      assert.equal(await many, MX_ERR_INVALID_ARGS);
    });

    it(`a channel read whose actual size is ${name} returns INVALID_ARGS after taking the message`, () => {
      const [a, b] = newChannel();
      assert.equal(mx_channel_write(a, 0, new Uint8Array(8), 8, null, 0), MX_OK);
      assert.equal(mx_channel_read(b, 0, new Uint8Array(8), null, 8, 0, bad(), null), MX_ERR_INVALID_ARGS);
      const observed = ok();
      mx_object_wait_one(b, MX_CHANNEL_READABLE, 0n, observed);
      assert.equal(observed.value & MX_CHANNEL_READABLE, 0);
    });

    it(`a channel_call whose actual size is ${name} ends in CALL_FAILED with read_status INVALID_ARGS`, async () => {
      const [client, server] = newChannel();
      const call = awaitableCall(client, bad());
      const request = new Uint8Array(8);
      assert.equal(mx_channel_read(server, 0, request, null, 8, 0, null, null), MX_OK);
      assert.equal(mx_channel_write(server, 0, request, 8, null, 0), MX_OK, "the replying caller is not affected");
      await settle();
      assert.deepEqual(await call, [MX_ERR_CALL_FAILED, MX_ERR_INVALID_ARGS]);
    });
  }

  it("a replace whose out-parameter refuses the write cancels no wait through the original", async () => {
    const e = newEvent();
    const waiting = awaitable.mx_object_wait_one(e, MX_USER_SIGNAL_0, MX_TIME_INFINITE, null);
    assert.equal(mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS, Object.freeze({ value: 0 })), MX_ERR_INVALID_ARGS);
    assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
    assert.equal(await waiting, MX_OK);
  });

  it("a replace whose out-parameter's setter closes the original answers BAD_HANDLE and makes no handle", () => {
    const before = kernel_stats().handles;
    const e = newEvent();
    const closing = {
      set value(_v: number) {
        mx_handle_close(e);
      },
    };
    assert.equal(mx_handle_replace(e, MX_RIGHT_SAME_RIGHTS, closing as { value: number }), MX_ERR_BAD_HANDLE);
    assert.equal(kernel_stats().handles, before);
  });

  it("a channel_call whose read_status refuses the write ends in INVALID_ARGS", async () => {
    const [client] = newChannel();
    const readStatus = Object.freeze({ value: 0 });
    const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, callArgs(), ok(), ok(), readStatus);
    mx_handle_close(client);
    await settle();
    assert.equal(await call, MX_ERR_INVALID_ARGS);
  });

  it("a handle array is read once: a getter cannot show the check one handle and the transfer another", () => {
    const [a, b] = newChannel();
    const e = newEvent();
    let reads = 0;
    const sneaky: number[] = [];
    Object.defineProperty(sneaky, 0, { get: () => (reads++ === 0 ? e : a), enumerable: true });
    sneaky.length = 1;
    assert.equal(mx_channel_write(a, 0, null, 0, sneaky, 1), MX_OK);
    assert.equal(reads, 1);
    const received = [0];
    assert.equal(mx_channel_read(b, 0, null, received, 0, 1, null, null), MX_OK);
    track(received[0]);
    assert.equal(mx_object_signal(received[0], 0, MX_EVENT_SIGNALED), MX_OK, "the event travelled, not the channel");
  });

  it("handle arrays that throw or refuse: the write moves nothing, the read closes what it could not hand over", () => {
    const [a, b] = newChannel();
    const e = newEvent();
    const throwing = new Proxy([e], { get: () => { throw new Error("no"); } });
    assert.equal(mx_channel_write(a, 0, null, 0, throwing, 1), MX_ERR_INVALID_ARGS);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK, "the event is still the caller's");
    const dup = ok();
    assert.equal(mx_handle_duplicate(e, MX_RIGHT_SAME_RIGHTS, dup), MX_OK);
    assert.equal(mx_channel_write(a, 0, null, 0, [dup.value], 1), MX_OK);
    assert.equal(mx_channel_read(b, 0, null, Object.freeze([0]) as number[], 0, 1, null, null), MX_ERR_INVALID_ARGS);
    // useHandles: the duplicate that arrived was closed, not leaked.
  });

  it("wait items are read once, and an item that throws is INVALID_ARGS", () => {
    const e = newEvent();
    let reads = 0;
    const item = {
      get handle() {
        reads++;
        return e;
      },
      waitfor: MX_EVENT_SIGNALED,
      pending: 0,
    };
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
    assert.equal(mx_object_wait_many([item], 1, 0n), MX_OK);
    assert.equal(reads, 1);
    assert.equal(item.pending & MX_EVENT_SIGNALED, MX_EVENT_SIGNALED);
    const throwing = { get waitfor(): number { throw new Error("no"); }, handle: e, pending: 0 };
    assert.equal(mx_object_wait_many([throwing], 1, 0n), MX_ERR_INVALID_ARGS);
  });

  it("an args record that throws is INVALID_ARGS and writes nothing", () => {
    const [client, server] = newChannel();
    const args = { ...callArgs(), get wr_bytes(): Uint8Array { throw new Error("no"); } };
    assert.equal(mx_channel_call(client, 0, 0n, args, ok(), ok(), null), MX_ERR_INVALID_ARGS);
    const observed = ok();
    mx_object_wait_one(server, MX_CHANNEL_READABLE, 0n, observed);
    assert.equal(observed.value & MX_CHANNEL_READABLE, 0);
  });

  it("a setter that calls the kernel runs after the call's work is done", () => {
    const out = {
      set value(h: number) {
        assert.equal(mx_handle_close(h), MX_OK, "the handle exists when it is handed over");
      },
    } as { value: number };
    assert.equal(mx_event_create(0, out), MX_OK);
  });
});

function callArgs() {
  return {
    wr_bytes: new Uint8Array(8),
    wr_handles: null,
    rd_bytes: new Uint8Array(8),
    rd_handles: null,
    wr_num_bytes: 8,
    wr_num_handles: 0,
    rd_num_bytes: 8,
    rd_num_handles: 0,
  };
}

/** An awaited mx_channel_call with `actual` as its actual_bytes: resolves to [status, read_status]. */
async function awaitableCall(client: number, actual: { value: number }): Promise<[number, number]> {
  const readStatus = ok();
  const status = await awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, callArgs(), actual, ok(), readStatus);
  return [status, readStatus.value];
}
