/**
 * Eight processes at once, each running its own echo loop over awaitable waits and its own channel: what a small
 * board must hold (netduinoplus2 runs this spec in a machine of its own, so it starts from a clean heap).
 */
import assert from "node:assert/strict";
import {
  awaitable,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_handle_close,
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_ERR_PEER_CLOSED,
  MX_OK,
  MX_TIME_INFINITE,
  type ProgramMain,
} from "../../kernel/index.ts";
import { out, track, useHandles } from "./helpers.ts";
import { ended, spawn, usePrograms, useReports } from "./process_helpers.ts";

const programs: Record<string, ProgramMain> = {
  /** Echoes each message back until the peer closes; returns how many. */
  async echo(sys, start) {
    const bytes = new Uint8Array(64);
    let n = 0;
    for (;;) {
      const status = await sys.awaitable.mx_object_wait_one(start, MX_CHANNEL_READABLE | MX_CHANNEL_PEER_CLOSED, MX_TIME_INFINITE, null);
      if (status !== MX_OK) return -1;
      const size = out();
      const r = sys.mx_channel_read(start, 0, bytes, null, 64, 0, size, null);
      if (r === MX_ERR_PEER_CLOSED) return n;
      if (r !== MX_OK) return r;
      if (sys.mx_channel_write(start, 0, bytes, size.value, null, 0) !== MX_OK) return -2;
      n++;
    }
  },
};

describe("processes: eight at once", () => {
  usePrograms(programs);
  useHandles();
  useReports();

  it("eight processes at once, each echoing on its own channel, each ending when its peer closes", async () => {
    const peers: number[] = [];
    const processes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const a = out();
      const b = out();
      assert.equal(mx_channel_create(0, a, b), MX_OK);
      const [mine, theirs] = [track(a.value), b.value];
      peers.push(mine);
      processes.push(spawn("echo", theirs, 0, `echo ${i}`));
    }
    const back = new Uint8Array(64);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 8; i++) assert.equal(mx_channel_write(peers[i], 0, new Uint8Array([i, round]), 2, null, 0), MX_OK);
      for (let i = 0; i < 8; i++) {
        assert.equal(await awaitable.mx_object_wait_one(peers[i], MX_CHANNEL_READABLE, MX_TIME_INFINITE, null), MX_OK);
        assert.equal(mx_channel_read(peers[i], 0, back, null, 64, 0, null, null), MX_OK);
        assert.deepEqual([back[0], back[1]], [i, round], "each answer from its own process");
      }
    }
    for (const peer of peers) assert.equal(mx_handle_close(peer), MX_OK);
    for (const p of processes) assert.equal(await ended(p), 3);
  });

});
