/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (handles that arrive). The method, for every
 * file of this suite (channel_fallback.ts has what they share): through the public syscalls only, each condition
 * that makes an entry (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be exactly the one
 * the reference semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the twin) and on the
 * device (C); a queue's order holds across the prefix/suffix boundary. Where the specs are silent, the expectation
 * is what the kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  kernel_stats,
  mx_channel_call,
  mx_handle_close,
  mx_object_signal,
  mx_object_wait_async,
  mx_port_cancel,
  mx_port_queue,
  type mx_channel_call_args_t,
  MX_CHANNEL_PEER_CLOSED,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_NOT_FOUND,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_1,
  MX_WAIT_ASYNC_ONCE,
  MX_WAIT_ASYNC_REPEATING,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, newEvent, newEventPair, newPort, noDeadline, track } from "./helpers.ts";
import { write, read, LAST, pattern, tagged, state, live, duplicate, HOWS, expectNext, expectEmpty, user, nextPacket, noPacket, txidBytes } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: handles that arrive", () => {
  describe("handles that arrive", () => {
    it("the new value works and the old one is BAD_HANDLE, for events, ports and channel endpoints, rights kept; prefix and suffix", () => {
      noDeadline();
      const [a, b] = newChannel();
      for (const [how, filler] of [["in a prefix message", []], ["in a message of five handles", [tagged(99)]]] as const) {
        const e = tagged(1);
        const readOnly = duplicate(tagged(2), MX_RIGHT_READ | MX_RIGHT_TRANSFER);
        const port = newPort();
        assert.equal(mx_port_queue(port, user(5n), 0), MX_OK);
        const [c, d] = newChannel();
        assert.equal(write(d, 0, pattern(7, 3), 3, null, 0), MX_OK, "queued at c");
        const sent = [e, readOnly, port, c, ...filler];
        assert.equal(write(a, 0, pattern(1, 4), 4, sent, sent.length), MX_OK, how);
        for (const h of sent) assert.ok(!live(h), `${how}: the old values are gone`);
        const got = expectNext(b, pattern(1, 4), [1, 2, -1, 0, ...filler.map(() => 99)], "plain", how);
        got.forEach((h, i) => assert.notEqual(h, sent[i], `${how}: ${i} has a new value`));
        const [e2, readOnly2, port2, c2] = got;
        assert.equal(mx_object_signal(e2, 0, MX_USER_SIGNAL_0), MX_OK, `${how}: the event, with its rights`);
        assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_ERR_BAD_HANDLE);
        assert.equal(mx_object_signal(readOnly2, 0, MX_USER_SIGNAL_0), MX_ERR_ACCESS_DENIED, `${how}: rights kept (no WRITE)`);
        assert.equal(write(a, 0, pattern(2, 4), 4, [readOnly2], 1), MX_OK, `${how}: TRANSFER kept`);
        assert.equal(expectNext(b, pattern(2, 4), [2]).length, 1);
        assert.equal(nextPacket(port2).key, 5n, `${how}: the port's packet`);
        assert.equal(mx_port_queue(port2, user(6n), 0), MX_OK);
        assert.equal(mx_port_queue(port, user(7n), 0), MX_ERR_BAD_HANDLE);
        assert.equal(nextPacket(port2).key, 6n);
        expectNext(c2, pattern(7, 3), [], "plain", `${how}: the endpoint's queue`);
        assert.equal(write(c2, 0, pattern(8, 3), 3, null, 0), MX_OK);
        assert.equal(write(c, 0, pattern(8, 3), 3, null, 0), MX_ERR_BAD_HANDLE);
        expectNext(d, pattern(8, 3), [], "plain", `${how}: through the endpoint's new value`);
      }
      expectEmpty(b);
    });

    it("an async wait through the old value goes on while the handle travels and is cancelled when it is read (no packet for it)", () => {
      noDeadline();
      const [a, b] = newChannel();
      const port = newPort();
      const e = newEvent();
      const dup = duplicate(e);
      assert.equal(mx_object_wait_async(e, port, 1n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_REPEATING), MX_OK);
      assert.equal(mx_object_wait_async(e, port, 3n, MX_USER_SIGNAL_1, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_wait_async(dup, port, 2n, MX_USER_SIGNAL_1, MX_WAIT_ASYNC_REPEATING), MX_OK);
      assert.equal(write(a, 0, pattern(1, 4), 4, [e], 1), MX_OK);
      noPacket(port, "writing cancels nothing and signals nothing");
      assert.equal(mx_object_signal(dup, 0, MX_USER_SIGNAL_0), MX_OK);
      let p = nextPacket(port);
      assert.equal(p.key, 1n, "the observer through the travelling value still fires");
      assert.equal(p.signal.observed, MX_USER_SIGNAL_0 >>> 0, "two handles: no LAST_HANDLE");
      assert.equal(mx_object_signal(dup, MX_USER_SIGNAL_0, 0), MX_OK);
      assert.equal(mx_object_signal(dup, 0, MX_USER_SIGNAL_0), MX_OK);
      const received = new Uint8Array(4);
      const hs = [0];
      assert.equal(read(b, 0, received, hs, 4, 1, null, null), MX_OK);
      const e2 = track(hs[0]);
      assert.notEqual(e2, e);
      p = nextPacket(port);
      assert.equal(p.key, 1n, "a packet queued before the read stays queued");
      noPacket(port, "cancelling queues nothing");
      assert.equal(mx_object_signal(dup, MX_USER_SIGNAL_0, 0), MX_OK);
      assert.equal(mx_object_signal(dup, 0, MX_USER_SIGNAL_0 | MX_USER_SIGNAL_1), MX_OK);
      p = nextPacket(port);
      assert.equal(p.key, 2n, "only the observer through the duplicate is left");
      noPacket(port, "the observers through the old value were cancelled by the read");
      assert.equal(mx_port_cancel(port, e2, 1n), MX_ERR_NOT_FOUND);
      assert.equal(mx_port_cancel(port, e, 1n), MX_ERR_BAD_HANDLE);
      assert.equal(mx_port_cancel(port, dup, 2n), MX_OK);
      // Through the new value a wait can be registered as usual.
      assert.equal(mx_object_wait_async(e2, port, 4n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(nextPacket(port).key, 4n);
    });

    it("closing the reader closes every handle queued there: LAST_HANDLE on events, PEER_CLOSED on channels and eventpairs", () => {
      noDeadline();
      const [a, b] = newChannel();
      const observer = newPort();
      const es = [1, 2, 3].map(tagged);
      const [x, y] = newChannel();
      const [p0, p1] = newEventPair();
      const [u, v] = newChannel();
      assert.equal(write(v, 0, pattern(5, 5), 5, [duplicate(es[2])], 1), MX_OK, "a message with a handle inside u");
      const sent = [duplicate(es[0]), x, duplicate(es[1]), p1, duplicate(es[2]), u];
      assert.equal(mx_object_wait_async(es[0], observer, 10n, LAST, MX_WAIT_ASYNC_ONCE), MX_OK, "two handles: waits");
      assert.equal(write(a, 0, pattern(1, 4), 4, [sent[0]], 1), MX_OK, "prefix");
      assert.equal(write(a, 0, pattern(2, 4), 4, [sent[1]], 1), MX_OK, "prefix");
      assert.equal(write(a, 0, pattern(3, 200), 200, [sent[2], sent[3]], 2), MX_OK, "suffix");
      assert.equal(write(a, 0, pattern(4, 4), 4, [sent[4], sent[5]], 2), MX_OK, "behind the suffix");
      for (const e of es) assert.equal(state(e) & LAST, 0);
      assert.equal(state(y) & MX_CHANNEL_PEER_CLOSED, 0);
      noPacket(observer);
      // Closing the writer leaves them queued at the reader.
      assert.equal(mx_handle_close(a), MX_OK);
      assert.equal(state(es[0]) & LAST, 0, "the writer's close destroys nothing queued at the reader");
      const handles = kernel_stats().handles;
      assert.equal(mx_handle_close(b), MX_OK);
      // b, the six handles in its queue, v (whose peer u died: v's own handle stays) - and the duplicate inside u.
      assert.equal(kernel_stats().handles, handles - 1 - 6 - 1);
      for (const e of es) assert.equal(state(e) & LAST, LAST, "each event has one handle again");
      const p = nextPacket(observer);
      assert.equal(p.key, 10n);
      assert.equal((p.signal.observed & LAST) >>> 0, LAST);
      assert.equal(state(y), (MX_CHANNEL_PEER_CLOSED | LAST) >>> 0, "x was closed: y's peer is gone");
      assert.equal((state(p0) & MX_CHANNEL_PEER_CLOSED) >>> 0, MX_CHANNEL_PEER_CLOSED, "p1 was closed");
      assert.equal(state(v), (MX_CHANNEL_PEER_CLOSED | LAST) >>> 0, "u was closed, and its queue with it");
    });
  });

  it("more channels than the data plane has endpoints: those beyond work the same, and handles move between both kinds", () => {
    noDeadline();
    // 20 channels: 40 endpoints, more than the data plane's 32 (and few enough for netduinoplus2's RAM).
    const channels = Array.from({ length: 20 }, () => newChannel());
    channels.forEach(([a], i) => {
      assert.equal(write(a, 0, pattern(i, 10), 10, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(i + 100, 4), 4, [tagged(i + 1)], 1), MX_OK);
      assert.equal(write(a, 0, pattern(i + 200, 150), 150, null, 0), MX_OK);
    });
    channels.forEach(([, b], i) => {
      expectNext(b, pattern(i, 10), [], HOWS[i % 3], `${i}: 1`);
      expectNext(b, pattern(i + 100, 4), [i + 1], HOWS[(i + 1) % 3], `${i}: 2`);
      expectNext(b, pattern(i + 200, 150), [], HOWS[(i + 2) % 3], `${i}: 3`);
      expectEmpty(b);
    });
    // The first channel's reading end travels through the last channel and back.
    const [a0, b0] = channels[0];
    const [a39, b39] = channels[channels.length - 1];
    assert.equal(write(a0, 0, pattern(1, 3), 3, null, 0), MX_OK);
    assert.equal(write(a39, 0, pattern(2, 3), 3, [b0], 1), MX_OK);
    const [b0again] = expectNext(b39, pattern(2, 3), [0]);
    assert.equal(write(a0, 0, pattern(3, 3), 3, null, 0), MX_OK);
    expectNext(b0again, pattern(1, 3), []);
    assert.equal(write(a0, 0, pattern(4, 3), 3, [b39], 1), MX_OK);
    expectNext(b0again, pattern(3, 3), []);
    const [b39again] = expectNext(b0again, pattern(4, 3), [0]);
    assert.equal(write(a39, 0, pattern(5, 3), 3, null, 0), MX_OK);
    expectNext(b39again, pattern(5, 3), []);
    expectEmpty(b0again);
    expectEmpty(b39again);
  });

  it("a synchronous mx_channel_call with deadline 0: TIMED_OUT directly, the request sent; the reply later is queued normally", () => {
    noDeadline();
    const [client, server] = newChannel();
    const e = tagged(3);
    assert.equal(write(server, 0, pattern(1, 6), 6, null, 0), MX_OK, "a message already queued at the client");
    const args: mx_channel_call_args_t = {
      wr_bytes: txidBytes(0x1234, 9),
      wr_handles: [e],
      rd_bytes: new Uint8Array(16),
      rd_handles: [0],
      wr_num_bytes: 5,
      wr_num_handles: 1,
      rd_num_bytes: 16,
      rd_num_handles: 1,
    };
    const ab = { value: -1 };
    const ah = { value: -1 };
    const rs = { value: 1 };
    assert.equal(mx_channel_call(client, 0, 0n, args, ab, ah, rs), MX_ERR_TIMED_OUT);
    assert.deepEqual([ab.value, ah.value, rs.value], [-1, -1, 1], "nothing written");
    assert.ok(!live(e), "the handles were sent");
    assert.equal(kernel_stats().deadlines, 0);
    expectNext(server, txidBytes(0x1234, 9), [3], "plain", "the request");
    assert.equal(write(server, 0, txidBytes(0x1234, 7), 5, null, 0), MX_OK, "the reply, with nobody waiting");
    expectNext(client, pattern(1, 6), [], "plain", "the message before the call");
    expectNext(client, txidBytes(0x1234, 7), [], "plain", "the reply, queued");
    expectEmpty(client);
  });

  // Awaiting tests last (see the module comment).
});
