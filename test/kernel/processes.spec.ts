/**
 * Processes: each runs its main with its own handle table; handles move between tables only through channels (with
 * their rights), a value means nothing in another process, and a process's end is seen through MX_TASK_TERMINATED
 * and its return code (docs/processes.md).
 */
import assert from "node:assert/strict";
import {
  awaitable,
  kernel_stats,
  mx_channel_read,
  mx_channel_write,
  mx_event_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_signal,
  mx_object_wait_one,
  MX_CHANNEL_READABLE,
  MX_ERR_BAD_HANDLE,
  MX_EVENT_SIGNALED,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_RIGHT_WRITE,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  type ProgramMain,
  type Vdso,
} from "../../kernel/index.ts";
import { out, track, useHandles } from "./helpers.ts";
import { channel, echo, ended, info, settle, spawn, usePrograms, useReports } from "./process_helpers.ts";

/** What the test's processes saw, by name, for the test to check. */
const seen: Record<string, unknown> = {};

/** Reads one message on `channel` in process `sys`: its bytes and handles. */
async function receive(sys: Vdso, channel: number): Promise<{ bytes: number[]; handles: number[] }> {
  assert.equal(await sys.awaitable.mx_object_wait_one(channel, MX_CHANNEL_READABLE, MX_TIME_INFINITE, null), MX_OK);
  const bytes = new Uint8Array(16);
  const handles = [0, 0];
  const nb = out();
  const nh = out();
  assert.equal(sys.mx_channel_read(channel, 0, bytes, handles, 16, 2, nb, nh), MX_OK);
  return { bytes: [...bytes.subarray(0, nb.value)], handles: handles.slice(0, nh.value) };
}

const programs: Record<string, ProgramMain> = {
  exit7: () => 7,
  ordered: () => {
    (seen.order as string[]).push("main");
    return 0;
  },
  async exitLater(sys) {
    await sys.awaitable.mx_nanosleep(0n);
    return 9;
  },
  args(sys, arg1, arg2) {
    seen.args = [arg1, arg2];
    return 0;
  },
  /** Tries to add to and replace what its vdso and awaitable object hold. */
  tamper(sys) {
    const attempt = (o: object, key: string) => {
      try {
        (o as Record<string, unknown>)[key] = () => MX_OK;
      } catch {
        // strict code throws on a frozen object: what is checked is that nothing changed
      }
      return Object.prototype.hasOwnProperty.call(o, key);
    };
    const close = sys.mx_handle_close;
    seen.tamper = {
      frozen: [Object.isFrozen(sys), Object.isFrozen(sys.awaitable), Object.isFrozen(Object.getPrototypeOf(sys))],
      added: [attempt(sys, "mx_handle_close"), attempt(sys, "extra"), attempt(sys.awaitable, "mx_nanosleep")],
      same: sys.mx_handle_close === close && sys.mx_handle_close(0) !== MX_OK,
    };
    return 0;
  },
  /** Tries the values it is sent in process 0's table, then sends back an event of its own. */
  async stranger(sys, start) {
    const { bytes } = await receive(sys, start);
    const foreign = new DataView(new Uint8Array(bytes).buffer).getInt32(0, true);
    seen.foreignClose = sys.mx_handle_close(foreign);
    seen.foreignSignal = sys.mx_object_signal(foreign, 0, MX_USER_SIGNAL_0);
    const e = out();
    assert.equal(sys.mx_event_create(0, e), MX_OK);
    seen.own = e.value;
    assert.equal(sys.mx_channel_write(start, 0, new Uint8Array(1), 1, [e.value], 1), MX_OK);
    seen.ownAfterWrite = sys.mx_object_signal(e.value, 0, MX_USER_SIGNAL_0);
    return 0;
  },
  /** Receives a handle, signals through it, closes it. */
  async signaller(sys, start) {
    const { handles } = await receive(sys, start);
    seen.received = handles;
    seen.signal = sys.mx_object_signal(handles[0], 0, MX_EVENT_SIGNALED);
    return sys.mx_handle_close(handles[0]) === MX_OK ? 1 : 2;
  },
  echo,
  /** Writes an event into its start channel and exits: the handle outlives the process in the message. */
  writeAndExit(sys, start) {
    const e = out();
    sys.mx_event_create(0, e);
    sys.mx_object_signal(e.value, 0, MX_USER_SIGNAL_0);
    sys.mx_channel_write(start, 0, new Uint8Array(1), 1, [e.value], 1);
    return 0;
  },
};


describe("processes: lifecycle and handle tables", () => {
  usePrograms(programs);
  useHandles();
  useReports();

  it("main's return value is the return code; MX_TASK_TERMINATED is asserted; get_info says started and exited", async () => {
    const p = spawn("exit7");
    assert.deepEqual(info(p), { returnCode: 0, started: true, exited: false }, "main runs after mx_process_start returns");
    assert.equal(await ended(p), 7);
    assert.deepEqual(info(p), { returnCode: 7, started: true, exited: true });
    assert.equal(await ended(spawn("exitLater")), 9, "an async main's result, after it waited");
  });

  it("main runs in a job queued by mx_process_start: after the caller's job and jobs queued before, before later ones", async () => {
    const order: string[] = [];
    seen.order = order;
    void Promise.resolve().then(() => order.push("queued before"));
    const p = spawn("ordered");
    void Promise.resolve().then(() => order.push("queued after"));
    order.push("caller");
    assert.equal(await ended(p), 0);
    assert.deepEqual(order, ["caller", "queued before", "main", "queued after"]);
  });

  it("main receives arg1's value in its own table (MX_HANDLE_INVALID stays 0) and arg2", async () => {
    await ended(spawn("args", 0, 0xffff_ffff));
    assert.deepEqual(seen.args, [0, 0xffff_ffff]);
  });

  it("a process's vdso and its awaitable object are frozen: it cannot add to them or replace a syscall", async () => {
    assert.equal(await ended(spawn("tamper")), 0);
    assert.deepEqual(seen.tamper, { frozen: [true, true, true], added: [false, false, false], same: true });
  });

  it("a value is BAD_HANDLE in any other process, both ways; its own handle works", async () => {
    const e = track(newEventHandle());
    const [mine, theirs] = channel();
    const p = spawn("stranger", theirs);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, e, true);
    assert.equal(mx_channel_write(mine, 0, bytes, 4, null, 0), MX_OK);
    assert.equal(await ended(p), 0);
    assert.equal(seen.foreignClose, MX_ERR_BAD_HANDLE);
    assert.equal(seen.foreignSignal, MX_ERR_BAD_HANDLE);
    assert.equal(mx_object_signal(seen.own as number, 0, MX_USER_SIGNAL_0), MX_ERR_BAD_HANDLE, "its value in process 0");
    assert.equal(seen.ownAfterWrite, MX_ERR_BAD_HANDLE, "a written handle has left the writer");
    const got = [0];
    assert.equal(mx_channel_read(mine, 0, new Uint8Array(1), got, 1, 1, null, null), MX_OK);
    track(got[0]);
    assert.notEqual(got[0], seen.own, "it arrives under a value of the reader's table");
    assert.equal(mx_object_signal(got[0], 0, MX_USER_SIGNAL_0), MX_OK);
  });

  it("a handle written to a channel moves to the reading process with its rights, and comes back", async () => {
    const e = newEventHandle();
    const reduced = out();
    assert.equal(mx_handle_duplicate(e, MX_RIGHT_TRANSFER | MX_RIGHT_WRITE, reduced), MX_OK);
    const [mine, theirs] = channel();
    const p = spawn("signaller", theirs);
    assert.equal(mx_channel_write(mine, 0, new Uint8Array(1), 1, [reduced.value], 1), MX_OK);
    assert.equal(mx_handle_close(reduced.value), MX_ERR_BAD_HANDLE, "it left process 0");
    assert.equal(await ended(p), 1, "it closed the handle it was given");
    assert.equal((seen.received as number[]).length, 1);
    assert.equal(seen.signal, MX_OK, "WRITE travelled with it");
    const observed = out();
    assert.equal(mx_object_wait_one(e, MX_EVENT_SIGNALED, 0n, observed), MX_OK);
    assert.equal(mx_handle_close(e), MX_OK);
    const withoutWrite = newEventHandle();
    const readOnly = out();
    assert.equal(mx_handle_duplicate(withoutWrite, MX_RIGHT_TRANSFER | MX_RIGHT_READ, readOnly), MX_OK);
    const [mine2, theirs2] = channel();
    const q = spawn("signaller", theirs2);
    assert.equal(mx_channel_write(mine2, 0, new Uint8Array(1), 1, [readOnly.value], 1), MX_OK);
    assert.equal(await ended(q), 1);
    assert.notEqual(seen.signal, MX_OK, "without WRITE it cannot signal");
    mx_handle_close(withoutWrite);
  });

  it("a channel round trip between processes: each message comes back, in order; the peer's close ends the echo", async () => {
    const [mine, theirs] = channel();
    const p = spawn("echo", theirs);
    const back = new Uint8Array(64);
    for (let i = 0; i < 50; i++) {
      const message = new Uint8Array(1 + (i % 64)).fill(i);
      assert.equal(mx_channel_write(mine, 0, message, message.length, null, 0), MX_OK);
      assert.equal(await awaitable.mx_object_wait_one(mine, MX_CHANNEL_READABLE, MX_TIME_INFINITE, null), MX_OK);
      const size = out();
      assert.equal(mx_channel_read(mine, 0, back, null, 64, 0, size, null), MX_OK);
      assert.deepEqual([...back.subarray(0, size.value)], [...message]);
    }
    assert.equal(mx_handle_close(mine), MX_OK);
    assert.equal(await ended(p), 50);
  });

  it("handles a process wrote outlive it in the message, and its table is reused only once they have left", async () => {
    const before = kernel_stats().handles;
    const [mine, theirs] = channel();
    const p = spawn("writeAndExit", theirs);
    assert.equal(await ended(p), 0);
    await settle();
    const got = [0];
    assert.equal(mx_channel_read(mine, 0, new Uint8Array(1), got, 1, 1, null, null), MX_OK);
    const observed = out();
    assert.equal(mx_object_wait_one(got[0], MX_USER_SIGNAL_0, 0n, observed), MX_OK, "the event the process made");
    assert.equal(mx_handle_close(got[0]), MX_OK);
    assert.equal(mx_handle_close(mine), MX_OK);
    assert.equal(kernel_stats().handles, before + 1, "only the process handle is left");
  });
});

function newEventHandle(): number {
  const e = out();
  assert.equal(mx_event_create(0, e), MX_OK);
  return e.value;
}
