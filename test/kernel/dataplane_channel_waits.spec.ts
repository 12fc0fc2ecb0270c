/**
 * The fall-back conditions of mx_channel_write and mx_channel_read (waits on the peer and through travelling
 * handles; they await, so they run in a file of their own). The method, for every file of this suite
 * (channel_fallback.ts has what they share): through the public syscalls only, each condition that makes an entry
 * (kernel/dataplane/dataplane.ts) fall back is forced, and the answer must be exactly the one the reference
 * semantics give (../shared/spec/magenta-ipc.md, js-api.md), the same on Node (the twin) and on the device (C); a
 * queue's order holds across the prefix/suffix boundary. Where the specs are silent, the expectation is what the
 * kernel on Node answers today (said so below).
 */
import assert from "node:assert/strict";
import {
  awaitable,
  kernel_stats,
  mx_object_signal,
  mx_object_signal_peer,
  mx_port_packet_t,
  mx_port_queue,
  type mx_channel_call_args_t,
  MX_ERR_CALL_FAILED,
  MX_ERR_CANCELED,
  MX_ERR_INVALID_ARGS,
  MX_OK,
  MX_SIGNAL_HANDLE_CLOSED,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  MX_USER_SIGNAL_1,
} from "../../kernel/index.ts";
import { describeFallbacks, newChannel, newEvent, newPort, noDeadline, out, settle, track } from "./helpers.ts";
import { write, read, READABLE, WRITABLE, LAST, pattern, tagged, tagOf, state, duplicate, expectNext, expectEmpty, user, noPacket, txidBytes } from "./channel_fallback.ts";

describeFallbacks("mx_channel_write / mx_channel_read: each fall-back condition answers exactly as the spec says: awaitable waits", () => {
  describe("waits on the peer and through travelling handles (awaitable)", () => {
    it("a pending wait_one on the peer for READABLE: the message is delivered and the wait ends with the states seen", async () => {
      const [a, b] = newChannel();
      const observed = out();
      const waiting = awaitable.mx_object_wait_one(b, READABLE, MX_TIME_INFINITE, observed);
      // Before any await: on the device, the test runtime arms its timeout (a deadline) at the first one.
      noDeadline();
      assert.equal(write(a, 0, pattern(1, 5), 5, null, 0), MX_OK);
      assert.equal(write(a, 0, pattern(2, 5), 5, null, 0), MX_OK, "nobody waits any more");
      assert.equal(await waiting, MX_OK);
      assert.equal(observed.value, (READABLE | WRITABLE | LAST) >>> 0);
      expectNext(b, pattern(1, 5), []);
      expectNext(b, pattern(2, 5), []);
      expectEmpty(b);
    });

    it("a pending wait_many on the peer and another object: the message is delivered and the wait ends with each state", async () => {
      const [a, b] = newChannel();
      const e = newEvent();
      const items = [
        { handle: e, waitfor: MX_USER_SIGNAL_0, pending: 0 },
        { handle: b, waitfor: READABLE, pending: 0 },
      ];
      const waiting = awaitable.mx_object_wait_many(items, 2, MX_TIME_INFINITE);
      assert.equal(write(a, 0, pattern(1, 5), 5, null, 0), MX_OK);
      assert.equal(await waiting, MX_OK);
      assert.equal(items[1].pending, (READABLE | WRITABLE | LAST) >>> 0);
      assert.equal(items[0].pending, LAST >>> 0);
      assert.equal(write(a, 0, pattern(2, 5), 5, null, 0), MX_OK);
      expectNext(b, pattern(1, 5), []);
      expectNext(b, pattern(2, 5), []);
      expectEmpty(b);
    });

    it("a pending wait_one on the peer for another signal: the message is delivered and the wait goes on until its signal", async () => {
      const [a, b] = newChannel();
      const observed = out();
      let ended = false;
      const waiting = awaitable.mx_object_wait_one(b, MX_USER_SIGNAL_0, MX_TIME_INFINITE, observed).then((s) => ((ended = true), s));
      const e = tagged(2);
      assert.equal(write(a, 0, pattern(1, 5), 5, [e], 1), MX_OK);
      await settle();
      assert.equal(ended, false, "still waiting");
      expectNext(b, pattern(1, 5), [2]);
      assert.equal(mx_object_signal_peer(a, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(await waiting, MX_OK);
      // The OR of every state seen: READABLE came and went while it waited.
      assert.equal(observed.value, (READABLE | WRITABLE | LAST | MX_USER_SIGNAL_0) >>> 0);
      expectEmpty(b);
    });

    it("a pending channel_call on the peer: the reply with its txid goes to the caller; others queue behind the prefix, in order", async () => {
      const [client, server] = newChannel();
      const [e1, e2] = [1, 2].map(tagged);
      assert.equal(write(server, 0, pattern(1, 8), 8, null, 0), MX_OK, "queued at the client before the call");
      const args: mx_channel_call_args_t = {
        wr_bytes: txidBytes(0x55aa_0001, 1, 2),
        wr_handles: [e1],
        rd_bytes: new Uint8Array(16).fill(0xcc),
        rd_handles: [0, 0],
        wr_num_bytes: 6,
        wr_num_handles: 1,
        rd_num_bytes: 16,
        rd_num_handles: 2,
      };
      const ab = out();
      const ah = out();
      const rs = { value: 1 };
      const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, ab, ah, rs);
      expectNext(server, txidBytes(0x55aa_0001, 1, 2), [1], "plain", "the request");
      assert.equal(write(server, 0, txidBytes(0x55aa_0002, 3), 5, null, 0), MX_OK, "another txid: queued");
      assert.equal(write(server, 0, pattern(2, 3), 3, null, 0), MX_OK, "shorter than a txid (txid 0): queued");
      assert.equal(write(server, 0, txidBytes(0x55aa_0001, 4, 5), 6, [e2], 1), MX_OK, "the reply");
      assert.equal(write(server, 0, txidBytes(0x55aa_0001, 6), 5, null, 0), MX_OK, "the same txid again: nobody waits");
      assert.equal(await call, MX_OK);
      assert.deepEqual([ab.value, ah.value, rs.value], [6, 1, 1], "the sizes; read_status untouched");
      assert.deepEqual(Array.from(args.rd_bytes as Uint8Array), [...txidBytes(0x55aa_0001, 4, 5), ...new Array(10).fill(0xcc)]);
      const rd = args.rd_handles as number[];
      assert.equal(rd[1], 0);
      assert.equal(tagOf(track(rd[0])), 2, "the reply's handle");
      expectNext(client, pattern(1, 8), [], "plain", "before the call");
      expectNext(client, txidBytes(0x55aa_0002, 3), [], "sizes", "the other txid");
      expectNext(client, pattern(2, 3), [], "u32", "txid 0");
      expectNext(client, txidBytes(0x55aa_0001, 6), [], "plain", "after the call");
      expectEmpty(client);
    });

    it("a port wait through a travelling port handle goes on while it travels and is CANCELED when the message is read", async () => {
      const [a, b] = newChannel();
      const port = newPort();
      const dup = duplicate(port);
      const into = [0, 1, 2].map(() => new mx_port_packet_t());
      const first = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into[0], 0);
      const second = awaitable.mx_port_wait(port, MX_TIME_INFINITE, into[1], 0);
      const third = awaitable.mx_port_wait(dup, MX_TIME_INFINITE, into[2], 0);
      assert.equal(write(a, 0, pattern(1, 3), 3, [port], 1), MX_OK);
      assert.equal(mx_port_queue(dup, user(1n), 0), MX_OK, "to the first waiter, through the travelling value");
      const hs = [0];
      assert.equal(read(b, 0, new Uint8Array(3), hs, 3, 1, null, null), MX_OK);
      const port2 = track(hs[0]);
      assert.equal(await first, MX_OK);
      assert.equal(into[0].key, 1n);
      assert.equal(await second, MX_ERR_CANCELED, "the read cancelled the wait through the old value");
      assert.equal(mx_port_queue(port2, user(2n), 0), MX_OK, "to the waiter through the duplicate");
      assert.equal(await third, MX_OK);
      assert.equal(into[2].key, 2n);
      noPacket(port2);
    });

    it("a wait_one through a travelling event handle is CANCELED at the read, not the write, with HANDLE_CLOSED seen", async () => {
      const [a, b] = newChannel();
      const e = newEvent();
      const dup = duplicate(e);
      const observed = out();
      let ended = false;
      const waiting = awaitable.mx_object_wait_one(e, MX_USER_SIGNAL_0, MX_TIME_INFINITE, observed).then((s) => ((ended = true), s));
      assert.equal(write(a, 0, pattern(1, 3), 3, [e], 1), MX_OK);
      assert.equal(mx_object_signal(dup, 0, MX_USER_SIGNAL_1), MX_OK);
      await settle();
      assert.equal(ended, false, "the write cancelled nothing");
      const hs = [0];
      assert.equal(read(b, 0, new Uint8Array(3), hs, 3, 1, null, null), MX_OK);
      track(hs[0]);
      assert.equal(await waiting, MX_ERR_CANCELED);
      assert.equal(observed.value, (MX_USER_SIGNAL_1 | MX_SIGNAL_HANDLE_CLOSED) >>> 0);
    });

    // As for mx_channel_read above: the 2017 sys_channel_call copies actual_bytes and actual_handles out before the
    // reply's bytes and handles, and on a refusal ends in CALL_FAILED / INVALID_ARGS with the reply destroyed
    // (read_failed). The kernel wrote the sizes last, after the reply's handle was given to the caller, until this test.
    it("a channel_call whose actual_bytes refuses the size: CALL_FAILED, INVALID_ARGS, the reply's handles closed", async () => {
      const [client, server] = newChannel();
      const e = tagged(6);
      const args: mx_channel_call_args_t = {
        wr_bytes: txidBytes(9),
        wr_handles: null,
        rd_bytes: new Uint8Array(8),
        rd_handles: [0],
        wr_num_bytes: 4,
        wr_num_handles: 0,
        rd_num_bytes: 8,
        rd_num_handles: 1,
      };
      const rs = out();
      const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, Object.freeze({ value: 0 }), out(), rs);
      expectNext(server, txidBytes(9), []);
      const d = duplicate(e);
      const handles = kernel_stats().handles;
      assert.equal(write(server, 0, txidBytes(9, 7), 5, [d], 1), MX_OK);
      assert.equal(await call, MX_ERR_CALL_FAILED);
      assert.equal(rs.value, MX_ERR_INVALID_ARGS);
      const rd = args.rd_handles as number[];
      if (rd[0] !== 0) track(rd[0]);
      assert.deepEqual(Array.from(args.rd_bytes as Uint8Array), new Array(8).fill(0), "no bytes written");
      assert.deepEqual(args.rd_handles, [0], "no handle given");
      assert.equal(kernel_stats().handles, handles - 1, "the reply's handle was closed");
      assert.equal(state(e) & LAST, LAST);
    });

    it("a channel_call waiting through a travelling endpoint handle ends CALL_FAILED, read_status CANCELED, at the read", async () => {
      const [a, b] = newChannel();
      const [client, server] = newChannel();
      const rs = out();
      const args: mx_channel_call_args_t = {
        wr_bytes: txidBytes(77),
        wr_handles: null,
        rd_bytes: new Uint8Array(8),
        rd_handles: null,
        wr_num_bytes: 4,
        wr_num_handles: 0,
        rd_num_bytes: 8,
        rd_num_handles: 0,
      };
      let ended = false;
      const call = awaitable.mx_channel_call(client, 0, MX_TIME_INFINITE, args, out(), out(), rs).then((s) => ((ended = true), s));
      assert.equal(write(a, 0, pattern(1, 3), 3, [client], 1), MX_OK);
      await settle();
      assert.equal(ended, false, "the write cancelled nothing");
      const hs = [0];
      assert.equal(read(b, 0, new Uint8Array(3), hs, 3, 1, null, null), MX_OK);
      const client2 = track(hs[0]);
      assert.equal(await call, MX_ERR_CALL_FAILED);
      assert.equal(rs.value, MX_ERR_CANCELED);
      expectNext(server, txidBytes(77), [], "plain", "the request was sent");
      assert.equal(write(server, 0, txidBytes(77, 1), 5, null, 0), MX_OK, "a reply nobody waits for");
      expectNext(client2, txidBytes(77, 1), [], "plain", "queued at the client's new value");
    });
  });
});
