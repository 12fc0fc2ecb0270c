import assert from "node:assert/strict";
import {
  awaitable,
  mx_deadline_after,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_cancel,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NOT_FOUND,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_MSEC,
  MX_OK,
  MX_RIGHT_SAME_RIGHTS,
  MX_TIME_INFINITE,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";
import { newEvent, newPort, settle, track, useHandles } from "./helpers.ts";

function user(key: bigint): mx_port_packet_t {
  const p = new mx_port_packet_t();
  p.key = key;
  return p;
}

describe("awaitable port waits", () => {
  useHandles();

  it("a port's ended waiter (cancelled, timed out, served) is reused without carrying anything into the next wait", async () => {
    const port = newPort();
    const dup = { value: 0 };
    assert.equal(mx_handle_duplicate(port, MX_RIGHT_SAME_RIGHTS, dup), MX_OK);
    const into = [0, 1, 2, 3, 4, 5].map(() => new mx_port_packet_t());
    const cancelled = awaitable.mx_port_wait(dup.value, MX_TIME_INFINITE, into[0], 0);
    assert.equal(mx_handle_close(dup.value), MX_OK);
    assert.equal(await cancelled, MX_ERR_CANCELED);
    const afterCancel = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into[1], 0);
    assert.equal(mx_port_queue(port, user(21n), 0), MX_OK);
    assert.equal(await afterCancel, MX_OK);
    assert.equal(await awaitable.mx_port_wait(port, mx_deadline_after(MX_MSEC(1)), into[2], 0), MX_ERR_TIMED_OUT);
    const afterTimeout = awaitable.mx_port_wait(port, mx_deadline_after(MX_MSEC(10_000)), into[3], 0);
    assert.equal(mx_port_queue(port, user(22n), 0), MX_OK);
    assert.equal(await afterTimeout, MX_OK);
    const afterServed = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into[4], 0);
    assert.equal(mx_port_queue(port, user(23n), 0), MX_OK);
    assert.equal(await afterServed, MX_OK);
    assert.deepStrictEqual(
      into.map((p) => p.key),
      [0n, 21n, 0n, 22n, 23n, 0n],
      "each wait got its own packet into its own buffer; ended waits got nothing",
    );
    assert.equal(mx_port_wait(port, 0n, into[5], 0), MX_ERR_TIMED_OUT, "no packet went astray");
  });

  it("release exactly one waiter per packet, in the order the waiters arrived", async () => {
    const port = newPort();
    const got: [number, bigint][] = [];
    const waiters = [0, 1, 2, 3].map((i) => {
      const p = new mx_port_packet_t();
      return awaitable.mx_port_wait(port, MX_TIME_INFINITE, p, 0).then((s) => {
        got.push([i, p.key]);
        return s;
      });
    });
    assert.equal(mx_port_queue(port, user(10n), 0), MX_OK);
    assert.equal(mx_port_queue(port, user(11n), 0), MX_OK);
    await settle();
    assert.deepStrictEqual(got, [
      [0, 10n],
      [1, 11n],
    ]);
    assert.equal(mx_port_queue(port, user(12n), 0), MX_OK);
    assert.equal(mx_port_queue(port, user(13n), 0), MX_OK);
    assert.deepStrictEqual(await Promise.all(waiters), [MX_OK, MX_OK, MX_OK, MX_OK]);
    assert.deepStrictEqual(got, [
      [0, 10n],
      [1, 11n],
      [2, 12n],
      [3, 13n],
    ]);
  });

  it("a packet belongs to its waiter from the moment it is queued: polling and port_cancel no longer see it", async () => {
    const port = newPort();
    const e = newEvent();
    const p = new mx_port_packet_t();
    const w = awaitable.mx_port_wait(port, MX_TIME_INFINITE, p, 0);
    assert.equal(mx_object_wait_async(e, port, 5n, MX_EVENT_SIGNALED, MX_WAIT_ASYNC_ONCE), MX_OK);
    assert.equal(mx_object_signal(e, 0, MX_EVENT_SIGNALED), MX_OK);
    assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
    assert.equal(mx_port_cancel(port, e, 5n), MX_ERR_NOT_FOUND);
    assert.equal(await w, MX_OK);
    assert.equal(p.key, 5n);
  });

  it("a packet already queued is taken at once", async () => {
    const port = newPort();
    assert.equal(mx_port_queue(port, user(1n), 0), MX_OK);
    const p = new mx_port_packet_t();
    assert.equal(await awaitable.mx_port_wait(port, MX_TIME_INFINITE, p, 0), MX_OK);
    assert.equal(p.key, 1n);
  });

  it("deadlines: a past deadline polls, a future one times out and leaves the queue order intact", async () => {
    const port = newPort();
    assert.equal(await awaitable.mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
    const early = awaitable.mx_port_wait(port, mx_deadline_after(MX_MSEC(5)), new mx_port_packet_t(), 0);
    const p = new mx_port_packet_t();
    const late = awaitable.mx_port_wait(port, MX_TIME_INFINITE, p, 0);
    assert.equal(await early, MX_ERR_TIMED_OUT);
    assert.equal(mx_port_queue(port, user(2n), 0), MX_OK);
    assert.equal(await late, MX_OK);
    assert.equal(p.key, 2n);
  });

  it("closing the handle a waiter waits through ends it with CANCELED; waits through a duplicate go on", async () => {
    const port = newPort();
    const d = { value: 0 };
    assert.equal(mx_handle_duplicate(port, MX_RIGHT_SAME_RIGHTS, d), MX_OK);
    track(d.value);
    const a = awaitable.mx_port_wait(port, MX_TIME_INFINITE, new mx_port_packet_t(), 0);
    const p = new mx_port_packet_t();
    const b = awaitable.mx_port_wait(d.value, MX_TIME_INFINITE, p, 0);
    assert.equal(mx_handle_close(port), MX_OK);
    assert.equal(await a, MX_ERR_CANCELED);
    assert.equal(mx_port_queue(d.value, user(3n), 0), MX_OK);
    assert.equal(await b, MX_OK);
    assert.equal(p.key, 3n);
  });

  it("a waiter with a packet buffer of the wrong kind gets INVALID_ARGS and the packet is lost", async () => {
    const port = newPort();
    const w = awaitable.mx_port_wait(port, MX_TIME_INFINITE, "buffer" as never, 0);
    assert.equal(mx_port_queue(port, user(4n), 0), MX_OK);
    assert.equal(await w, MX_ERR_INVALID_ARGS);
    assert.equal(mx_port_wait(port, 0n, new mx_port_packet_t(), 0), MX_ERR_TIMED_OUT);
  });

  it("many producers and consumers: every packet is delivered exactly once", async () => {
    const port = newPort();
    const seen: bigint[] = [];
    const consumer = async () => {
      const p = new mx_port_packet_t();
      for (;;) {
        assert.equal(await awaitable.mx_port_wait(port, MX_TIME_INFINITE, p, 0), MX_OK);
        if (p.key === 0n) return;
        seen.push(p.key);
      }
    };
    const consumers = [consumer(), consumer(), consumer()];
    const producer = async (base: bigint) => {
      for (let i = 1n; i <= 20n; i++) {
        assert.equal(mx_port_queue(port, user(base + i), 0), MX_OK);
        await settle();
      }
    };
    await Promise.all([producer(100n), producer(200n)]);
    for (let i = 0; i < 3; i++) assert.equal(mx_port_queue(port, user(0n), 0), MX_OK);
    await Promise.all(consumers);
    assert.equal(seen.length, 40);
    assert.equal(new Set(seen).size, 40);
  });
});
