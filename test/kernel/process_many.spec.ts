/**
 * Eight processes at once, each running its own echo loop over awaitable waits and its own channel: what a small
 * board must hold (netduinoplus2 runs this spec in a machine of its own, so it starts from a clean heap).
 */
import assert from "node:assert/strict";
import {
  awaitable,
  mx_channel_read,
  mx_channel_write,
  mx_handle_close,
  MX_CHANNEL_READABLE,
  MX_OK,
  MX_TIME_INFINITE,
} from "../../kernel/index.ts";
import { useHandles } from "./helpers.ts";
import { channel, echo, ended, spawn, usePrograms, useReports } from "./process_helpers.ts";

describe("processes: eight at once", () => {
  usePrograms({ echo });
  useHandles();
  useReports();

  it("eight processes at once, each echoing on its own channel, each ending when its peer closes", async () => {
    const peers: number[] = [];
    const processes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const [mine, theirs] = channel();
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
