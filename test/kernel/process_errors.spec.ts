/**
 * The process syscalls' errors, in check order (docs/processes.md), and the limits: tables run out
 * (NO_RESOURCES), the handle limit is per process, and a read that would move handles past it says NO_MEMORY and
 * leaves the message queued.
 */
import assert from "node:assert/strict";
import {
  kernel_configure,
  kernel_limits,
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_event_create,
  mx_handle_close,
  mx_handle_duplicate,
  mx_object_get_info,
  mx_object_signal_peer,
  mx_process_create,
  mx_process_start,
  mx_task_kill,
  MX_ERR_ACCESS_DENIED,
  MX_ERR_BAD_HANDLE,
  MX_ERR_BAD_STATE,
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_NO_MEMORY,
  MX_ERR_NO_RESOURCES,
  MX_ERR_NOT_FOUND,
  MX_ERR_NOT_SUPPORTED,
  MX_ERR_WRONG_TYPE,
  MX_INFO_HANDLE_BASIC,
  MX_INFO_HANDLE_VALID,
  MX_INFO_PROCESS,
  MX_OK,
  MX_RIGHT_READ,
  MX_RIGHT_TRANSFER,
  MX_TASK_RETCODE_SYSCALL_KILL,
  MX_TIME_INFINITE,
  MX_USER_SIGNAL_0,
  type KernelLimits,
  type ProgramMain,
} from "../../kernel/index.ts";
import { PROCESSES } from "../../kernel/dataplane/dataplane.ts";
import { out, track, useHandles } from "./helpers.ts";
import { ended, info, settle, spawn, usePrograms, useReports } from "./process_helpers.ts";

let inbox: { status: number; handles: number[] } | null = null;
let writes: number[] = [];

const programs: Record<string, ProgramMain> = {
  idle: () => 0,
  /** Writes 100-byte messages (fast path) until refused, then one of 200 (slow path); waits for USER_SIGNAL_0 on its
   * channel and writes 100-byte messages until refused again. */
  async flooder(sys, start) {
    const fill = (size: number): number => {
      let n = 0;
      while (sys.mx_channel_write(start, 0, new Uint8Array(size), size, null, 0) === MX_OK) n++;
      return n;
    };
    writes = [fill(100), sys.mx_channel_write(start, 0, new Uint8Array(200), 200, null, 0)];
    await sys.awaitable.mx_object_wait_one(start, MX_USER_SIGNAL_0, MX_TIME_INFINITE, null);
    writes.push(fill(100));
    return 0;
  },
  /** Tries to read its start channel's first message (two handles) at once. */
  reader(sys, start) {
    const handles = [0, 0];
    inbox = { status: sys.mx_channel_read(start, 0, new Uint8Array(1), handles, 1, 2, null, null), handles };
    if (inbox.status === MX_OK) for (const h of handles) sys.mx_handle_close(h);
    return 0;
  },
};

function created(name = "p"): number {
  const h = out();
  assert.equal(mx_process_create(name, 0, h), MX_OK);
  return track(h.value);
}

function event(): number {
  const e = out();
  assert.equal(mx_event_create(0, e), MX_OK);
  return track(e.value);
}

describe("process syscalls: errors in check order, and limits", () => {
  usePrograms(programs);
  useHandles();
  useReports();

  it("mx_process_create: options, name and out are INVALID_ARGS; nothing is made", () => {
    assert.equal(mx_process_create("p", 1, out()), MX_ERR_INVALID_ARGS);
    assert.equal(mx_process_create(42 as unknown as string, 0, out()), MX_ERR_INVALID_ARGS);
    assert.equal(mx_process_create("p", 0, null as unknown as { value: number }), MX_ERR_INVALID_ARGS);
  });

  it("mx_process_start: the process handle (BAD_HANDLE, ACCESS_DENIED without WRITE, WRONG_TYPE), then arg1", () => {
    const p = created();
    const e = event();
    const readOnly = out();
    assert.equal(mx_handle_duplicate(p, MX_RIGHT_READ, readOnly), MX_OK);
    track(readOnly.value);
    assert.equal(mx_process_start(0, "idle", 0, 0), MX_ERR_BAD_HANDLE);
    assert.equal(mx_process_start(readOnly.value, "idle", 0, 0), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_process_start(e, "idle", 0, 0), MX_ERR_WRONG_TYPE);
    assert.equal(mx_process_start(p, "idle", 12345, 0), MX_ERR_BAD_HANDLE, "arg1 not a handle");
    const noTransfer = out();
    assert.equal(mx_handle_duplicate(e, MX_RIGHT_READ, noTransfer), MX_OK);
    track(noTransfer.value);
    assert.equal(mx_process_start(p, "idle", noTransfer.value, 0), MX_ERR_ACCESS_DENIED, "arg1 without TRANSFER");
    assert.equal(mx_handle_close(noTransfer.value), MX_OK, "arg1 stays when its own lookup fails");
    assert.equal(info(p).started, false, "nothing started");
  });

  it("mx_process_start: after arg1, INVALID_ARGS (entry, arg2), NOT_FOUND, BAD_STATE; arg1 is closed on each", async () => {
    const p = created();
    const cases: [unknown, unknown, number][] = [
      [7, 0, MX_ERR_INVALID_ARGS],
      ["idle", -(2 ** 31) - 1, MX_ERR_INVALID_ARGS],
      ["idle", 0.5, MX_ERR_INVALID_ARGS],
      ["idle", 2 ** 32, MX_ERR_INVALID_ARGS],
      ["no such program", 0, MX_ERR_NOT_FOUND],
    ];
    for (const [entry, arg2, status] of cases) {
      const e = event();
      assert.equal(mx_process_start(p, entry as string, e, arg2 as number), status, `${String(entry)}, ${String(arg2)}`);
      assert.equal(mx_handle_close(e), MX_ERR_BAD_HANDLE, "arg1 was consumed");
    }
    assert.equal(mx_process_start(p, "idle", 0, 0), MX_OK);
    const e = event();
    assert.equal(mx_process_start(p, "idle", e, 0), MX_ERR_BAD_STATE, "started already");
    assert.equal(mx_handle_close(e), MX_ERR_BAD_HANDLE);
    assert.equal(await ended(p), 0);
    const killed = created();
    assert.equal(mx_task_kill(killed), MX_OK);
    assert.equal(mx_process_start(killed, "idle", 0, 0), MX_ERR_BAD_STATE, "killed before it started");
    assert.deepEqual(info(killed), { returnCode: MX_TASK_RETCODE_SYSCALL_KILL, started: false, exited: true });
  });

  it("mx_task_kill: BAD_HANDLE, ACCESS_DENIED without WRITE, WRONG_TYPE", () => {
    const p = created();
    const readOnly = out();
    assert.equal(mx_handle_duplicate(p, MX_RIGHT_READ, readOnly), MX_OK);
    track(readOnly.value);
    assert.equal(mx_task_kill(-1), MX_ERR_BAD_HANDLE);
    assert.equal(mx_task_kill(readOnly.value), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_task_kill(event()), MX_ERR_WRONG_TYPE);
  });

  it("mx_object_get_info: topics, rights, type, buffer and sizes", () => {
    const p = created();
    const e = event();
    const buffer = new Uint8Array(8);
    const actual = out();
    const avail = out();
    assert.equal(mx_object_get_info(e, MX_INFO_HANDLE_VALID, null, 0, null, null), MX_OK);
    assert.equal(mx_object_get_info(99, MX_INFO_HANDLE_VALID, null, 0, null, null), MX_ERR_BAD_HANDLE);
    assert.equal(mx_object_get_info(p, MX_INFO_HANDLE_BASIC, buffer, 8, null, null), MX_ERR_NOT_SUPPORTED);
    assert.equal(mx_object_get_info(p, "3" as unknown as number, buffer, 8, null, null), MX_ERR_NOT_SUPPORTED);
    assert.equal(mx_object_get_info(99, MX_INFO_PROCESS, buffer, 8, null, null), MX_ERR_BAD_HANDLE);
    assert.equal(mx_object_get_info(e, MX_INFO_PROCESS, buffer, 8, null, null), MX_ERR_WRONG_TYPE);
    const noRead = out();
    assert.equal(mx_handle_duplicate(p, MX_RIGHT_TRANSFER, noRead), MX_OK);
    track(noRead.value);
    assert.equal(mx_object_get_info(noRead.value, MX_INFO_PROCESS, buffer, 8, null, null), MX_ERR_ACCESS_DENIED);
    assert.equal(mx_object_get_info(p, MX_INFO_PROCESS, buffer, 7, actual, avail), MX_ERR_BUFFER_TOO_SMALL);
    assert.deepEqual([actual.value, avail.value], [0, 1]);
    assert.equal(mx_object_get_info(p, MX_INFO_PROCESS, buffer, 9, null, null), MX_ERR_INVALID_ARGS, "a size beyond the buffer");
    assert.equal(mx_object_get_info(p, MX_INFO_PROCESS, [] as unknown as Uint8Array, 8, null, null), MX_ERR_INVALID_ARGS);
    assert.equal(mx_object_get_info(p, MX_INFO_PROCESS, buffer, 8, actual, avail), MX_OK);
    assert.deepEqual([actual.value, avail.value, ...buffer], [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it(`tables run out: ${PROCESSES - 1} processes at once, then NO_RESOURCES; a table is free again once its process is gone`, () => {
    const made: number[] = [];
    for (let i = 1; i < PROCESSES; i++) made.push(created(`p${i}`));
    assert.equal(mx_process_create("one too many", 0, out()), MX_ERR_NO_RESOURCES);
    assert.equal(mx_handle_close(made[3]), MX_OK, "the last handle of a process never started ends it");
    created("again");
  });

  describe("limits per process: queued bytes and handles", () => {
    let saved: KernelLimits;
    before(() => {
      saved = kernel_limits();
    });
    after(() => {
      assert.equal(kernel_configure(saved), MX_OK);
    });

    it("writes past maxQueuedBytesPerProcess are NO_MEMORY, fast path or not; reading frees them; process 0 is not limited", async () => {
      assert.equal(kernel_configure({ maxQueuedBytesPerProcess: 1000 }), MX_OK);
      const a = out();
      const b = out();
      assert.equal(mx_channel_create(0, a, b), MX_OK);
      track(a.value);
      const p = spawn("flooder", b.value);
      await settle();
      assert.deepEqual(writes, [10, MX_ERR_NO_MEMORY], "10 × 100 bytes fill 1000, and 200 more do not fit");
      const buffer = new Uint8Array(100);
      for (let i = 0; i < 3; i++) assert.equal(mx_channel_read(a.value, 0, buffer, null, 100, 0, null, null), MX_OK);
      assert.equal(mx_object_signal_peer(a.value, 0, MX_USER_SIGNAL_0), MX_OK);
      assert.equal(await ended(p), 0);
      assert.deepEqual(writes, [10, MX_ERR_NO_MEMORY, 3], "reading 300 bytes made room for 3 more");
      const c = out();
      const d = out();
      assert.equal(mx_channel_create(0, c, d), MX_OK);
      track(c.value);
      track(d.value);
      for (let i = 0; i < 20; i++) assert.equal(mx_channel_write(c.value, 0, new Uint8Array(100), 100, null, 0), MX_OK, "process 0");
    });

    it("the handle limit is per process: a read that would move handles past the reader's limit is NO_MEMORY and leaves the message queued", async () => {
      const a = out();
      const b = out();
      assert.equal(mx_channel_create(0, a, b), MX_OK);
      track(a.value);
      const handles = [event(), event()];
      assert.equal(mx_channel_write(a.value, 0, new Uint8Array(1), 1, handles, 2), MX_OK);
      inbox = null;
      const reader = spawn("reader", b.value);
      assert.equal(kernel_configure({ maxHandles: 2 }), MX_OK, "before the reader's main runs (after this turn)");
      assert.equal(await ended(reader), 0);
      assert.deepEqual(inbox, { status: MX_ERR_NO_MEMORY, handles: [0, 0] }, "its start channel and two more exceed 2");
      assert.equal(kernel_configure(saved), MX_OK);
    });
  });
});
