/**
 * The data plane's own API: ports, one suite for the TypeScript twin (Node) and the C (the device). The method and
 * the rules the tests keep are in dataplane_suite.ts.
 */
import assert from "node:assert/strict";
import * as dp from "#dataplane";
import { PREFIX_POOL_PACKETS } from "../../kernel/dataplane/dataplane.ts";
import {
  kernel_stats,
  mx_channel_read,
  mx_channel_write,
  mx_handle_close,
  mx_handle_replace,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PKT_TYPE_USER,
  MX_RIGHT_SAME_RIGHTS,
  mx_object_signal,
  mx_object_wait_async,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_USER_SIGNAL_0,
  MX_WAIT_ASYNC_ONCE,
} from "../../kernel/index.ts";
import { newChannel, newEvent, newPort, track } from "./helpers.ts";
import { consistent, packet, asQueued, prefixCount, takeAllPorts, kernelPort, describeDataPlane, newPortFields } from "./dataplane_suite.ts";

describeDataPlane("data plane (twin on Node, C on the device): one suite for both: ports", () => {
  describe("ports", () => {
    it("portCreate gives an empty, sound prefix; portPop of an empty prefix is false and writes nothing", () => {
      const p = dp.portCreate(newPortFields());
      assert.ok(p >= 0, "a free index");
      try {
        assert.equal(prefixCount(p), 0);
        assert.equal(dp.portCheck(p), "");
        const dst = new Uint8Array(48).fill(0xa5);
        assert.equal(dp.portPop(p, dst), false);
        assert.deepEqual(Array.from(dst), new Array(48).fill(0xa5));
        assert.equal(prefixCount(p), 0);
        assert.equal(dp.portCheck(p), "");
      } finally {
        dp.portDestroy(p);
      }
    });

    it("portCreate answers -1 when every index is taken; a destroyed index is given again", () => {
      const taken = takeAllPorts();
      try {
        assert.ok(taken.length > 0);
        assert.equal(new Set(taken).size, taken.length, "distinct indexes");
        for (const p of taken) assert.ok(Number.isInteger(p) && p >= 0);
        assert.equal(dp.portCreate(newPortFields()), -1, "still none");
        const one = taken[taken.length >> 1];
        dp.portDestroy(one);
        assert.equal(dp.portCreate(newPortFields()), one, "the one free index");
        assert.equal(prefixCount(one), 0);
        assert.equal(dp.portCheck(one), "");
        assert.equal(dp.portCreate(newPortFields()), -1);
      } finally {
        for (const p of taken) dp.portDestroy(p);
      }
      const again = takeAllPorts();
      for (const p of again) dp.portDestroy(p);
      assert.deepEqual([...again].sort((a, b) => a - b), [...taken].sort((a, b) => a - b), "every index came back");
    });

    it("with no index left, a kernel port lives in the control plane and works the same", () => {
      const taken = takeAllPorts();
      try {
        const port = newPort();
        for (let i = 1; i <= 3; i++) assert.equal(mx_port_queue(port, packet(BigInt(i)), 0), MX_OK);
        const got = new mx_port_packet_t();
        for (let i = 1; i <= 3; i++) {
          assert.equal(mx_port_wait(port, 0n, got, 0), MX_OK);
          assert.deepEqual(Array.from(got.bytes), asQueued(packet(BigInt(i))));
        }
        assert.equal(mx_port_wait(port, 0n, got, 0), MX_ERR_TIMED_OUT);
        assert.equal(mx_port_queue(port, packet(4n), 0), MX_OK);
        consistent();
        assert.equal(mx_handle_close(port), MX_OK, "closed with a packet queued");
        assert.equal(dp.portCreate(newPortFields()), -1, "it took no index");
      } finally {
        for (const p of taken) dp.portDestroy(p);
      }
    });

    it("mx_port_queue's fast path appends to a kernel port's prefix; portPop takes the oldest, type USER", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      const sent = [1n, 2n, 3n].map((k) => packet(k));
      for (let i = 0; i < 3; i++) {
        assert.equal(mx_port_queue(handle, sent[i], 0), MX_OK);
        assert.equal(prefixCount(index), i + 1, "in the prefix");
        assert.equal(dp.portCheck(index), "");
      }
      assert.equal(dp.portCount(index), 3 | (3 << 16), "3 user packets | 3 packets << 16");
      assert.equal(sent[0].type, 5, "the caller's packet is not changed");
      const dst = new Uint8Array(48).fill(0xee);
      assert.equal(dp.portPop(index, dst), true);
      assert.deepEqual(Array.from(dst), asQueued(sent[0]), "the 48 bytes as queued, type forced to USER");
      assert.equal(prefixCount(index), 2);
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(handle, 0n, got, 0), MX_OK, "the kernel's wait takes the next one");
      assert.deepEqual(Array.from(got.bytes), asQueued(sent[1]));
      assert.equal(got.type, MX_PKT_TYPE_USER);
      assert.equal(prefixCount(index), 1);
      const big = new Uint8Array(64).fill(0x33);
      assert.equal(dp.portPop(index, big), true, "a longer buffer takes 48 bytes");
      assert.deepEqual(Array.from(big.subarray(0, 48)), asQueued(sent[2]));
      assert.deepEqual(Array.from(big.subarray(48)), new Array(16).fill(0x33));
      dst.fill(0x11);
      assert.equal(dp.portPop(index, dst), false, "empty");
      assert.deepEqual(Array.from(dst), new Array(48).fill(0x11));
      assert.equal(prefixCount(index), 0);
      assert.equal(mx_port_wait(handle, 0n, got, 0), MX_ERR_TIMED_OUT, "the kernel sees the prefix empty");
      assert.equal(dp.portCheck(index), "");
    });

    it("a port with a suffix: mx_port_queue falls back behind it, waits keep the order, and the drained port is plain again", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      assert.equal(mx_port_queue(handle, packet(1n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "a plain port: the fast path");
      const e = newEvent();
      assert.equal(mx_object_wait_async(e, handle, 77n, MX_USER_SIGNAL_0, MX_WAIT_ASYNC_ONCE), MX_OK);
      assert.equal(mx_object_signal(e, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(prefixCount(index), 1, "the signal packet is the kernel's: it went to the suffix");
      assert.equal(mx_port_queue(handle, packet(2n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "with a suffix, the packet went behind it");
      consistent();
      const got = new mx_port_packet_t();
      for (const [key, type] of [[1n, MX_PKT_TYPE_USER], [77n, MX_PKT_TYPE_SIGNAL_ONE], [2n, MX_PKT_TYPE_USER]] as const) {
        assert.equal(mx_port_wait(handle, 0n, got, 0), MX_OK);
        assert.deepEqual([got.key, got.type], [key, type]);
      }
      assert.equal(mx_port_queue(handle, packet(4n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "the suffix drained: plain again, the fast path");
      assert.equal(mx_port_wait(handle, 0n, got, 0), MX_OK);
      assert.equal(got.key, 4n);
    });

    it(`the prefix pool holds ${PREFIX_POOL_PACKETS} packets for all ports; beyond it queuing falls back, in order`, () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const a = kernelPort();
      const b = kernelPort();
      const n = PREFIX_POOL_PACKETS + 6;
      for (let i = 0; i < n; i++) assert.equal(mx_port_queue(a.handle, packet(BigInt(i)), 0), MX_OK);
      assert.equal(prefixCount(a.index), PREFIX_POOL_PACKETS, "the whole pool (no other port holds prefix packets)");
      assert.equal(dp.portCheck(a.index), "");
      assert.equal(mx_port_queue(b.handle, packet(1000n), 0), MX_OK, "another port, with the pool empty");
      assert.equal(prefixCount(b.index), 0);
      consistent();
      const got = new mx_port_packet_t();
      for (let i = 0; i < n; i++) {
        assert.equal(mx_port_wait(a.handle, 0n, got, 0), MX_OK);
        assert.equal(got.key, BigInt(i), `packet ${i}`);
        assert.equal(got.type, MX_PKT_TYPE_USER);
        assert.equal(prefixCount(a.index), Math.max(0, PREFIX_POOL_PACKETS - i - 1));
      }
      assert.equal(mx_port_wait(a.handle, 0n, got, 0), MX_ERR_TIMED_OUT);
      assert.equal(mx_port_wait(b.handle, 0n, got, 0), MX_OK);
      assert.equal(got.key, 1000n);
      assert.equal(mx_port_queue(b.handle, packet(1001n), 0), MX_OK);
      assert.equal(prefixCount(b.index), 1, "the pool is free again");
      assert.equal(dp.portCheck(b.index), "");
    });

    it("a handle that was replaced or carried through a channel still names the port's prefix", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      const replaced = { value: 0 };
      assert.equal(mx_handle_replace(handle, MX_RIGHT_SAME_RIGHTS, replaced), MX_OK);
      track(replaced.value);
      assert.equal(mx_port_queue(replaced.value, packet(1n), 0), MX_OK);
      assert.equal(prefixCount(index), 1, "through the replaced handle: the fast path");
      const [c0, c1] = newChannel();
      assert.equal(mx_channel_write(c0, 0, null, 0, [replaced.value], 1), MX_OK);
      const received = [0];
      assert.equal(mx_channel_read(c1, 0, null, received, 0, 1, null, null), MX_OK);
      track(received[0]);
      assert.equal(mx_port_queue(received[0], packet(2n), 0), MX_OK);
      assert.equal(prefixCount(index), 2, "through the received handle: the fast path");
      const got = new mx_port_packet_t();
      assert.equal(mx_port_wait(received[0], 0n, got, 0), MX_OK);
      assert.equal(got.key, 1n);
      assert.equal(prefixCount(index), 1);
    });

    it("closing a kernel port destroys its prefix: its index and its pool entries come back", () => {
      assert.equal(kernel_stats().deadlines, 0, "no deadline is armed (the fast paths run)");
      const { handle, index } = kernelPort();
      for (let i = 0; i < 5; i++) assert.equal(mx_port_queue(handle, packet(BigInt(i)), 0), MX_OK);
      assert.equal(prefixCount(index), 5);
      assert.equal(mx_handle_close(handle), MX_OK);
      const taken = takeAllPorts();
      try {
        assert.ok(taken.includes(index), "the index is free again");
        assert.equal(prefixCount(index), 0, "and empty");
        assert.equal(dp.portCheck(index), "");
      } finally {
        for (const p of taken) dp.portDestroy(p);
      }
      const c = kernelPort();
      for (let i = 0; i < PREFIX_POOL_PACKETS; i++) assert.equal(mx_port_queue(c.handle, packet(BigInt(i)), 0), MX_OK);
      assert.equal(prefixCount(c.index), PREFIX_POOL_PACKETS, "all the pool's entries came back");
    });
  });
});
