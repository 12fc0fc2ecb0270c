/**
 * How processes end: a fault (an exception, a rejection) ends only the faulting process, with a one-line report and
 * MX_TASK_RETCODE_EXCEPTION_KILL; mx_task_kill and mx_process_exit end it where it is; its live handles close
 * (peers see PEER_CLOSED, objects only it held are destroyed), and the code it still has on the job queue can do
 * nothing: its syscalls answer BAD_STATE, its awaitable calls never settle, and its data-plane entries never touch
 * the table again, even once a new process has that table.
 */
import assert from "node:assert/strict";
import {
  mx_channel_write,
  mx_handle_close,
  mx_object_wait_one,
  mx_port_packet_t,
  mx_task_kill,
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_ERR_BAD_STATE,
  MX_ERR_TIMED_OUT,
  MX_OK,
  MX_PORT_OPT_V2,
  MX_TASK_RETCODE_EXCEPTION_KILL,
  MX_TASK_RETCODE_SYSCALL_KILL,
  MX_TIME_INFINITE,
  type ProgramMain,
  type Vdso,
} from "../../kernel/index.ts";
import { processOf } from "../../kernel/dataplane/dataplane.ts";
import { out, useHandles } from "./helpers.ts";
import { channel, ended, hasEnded, info, reports, settle, spawn, usePrograms, useReports } from "./process_helpers.ts";

/** What the test's processes did, for the test to check. */
const log: string[] = [];
let zombie: Vdso | null = null;
let zombiePort = 0;
let successorPort = 0;

const programs: Record<string, ProgramMain> = {
  throws() {
    throw new RangeError("the driver's register map is wrong");
  },
  async rejects(sys) {
    await sys.awaitable.mx_nanosleep(0n);
    throw new TypeError("late");
  },
  throwsOddly() {
    throw { toString: () => { throw new Error("no"); } }; // eslint-disable-line no-throw-literal
  },
  /** Holds its start channel, waits on it, and logs if it ever goes on. */
  async waits(sys, start) {
    log.push("waiting");
    const status = await sys.awaitable.mx_object_wait_one(start, MX_CHANNEL_READABLE, MX_TIME_INFINITE, null);
    log.push(`woke ${status}`);
    return 0;
  },
  /** Exits from inside a nested call, and catches what mx_process_exit throws, to go on regardless. */
  exits(sys) {
    try {
      (() => sys.mx_process_exit(3))();
    } catch {
      log.push(`after exit: ${sys.mx_handle_close(1)}`);
    }
    return 4;
  },
  /** Makes a port, keeps its syscalls for the test, and waits for ever. */
  async keeps(sys) {
    const port = out();
    sys.mx_port_create(MX_PORT_OPT_V2, port);
    zombie = sys;
    zombiePort = port.value;
    await sys.awaitable.mx_nanosleep(MX_TIME_INFINITE);
    return 0;
  },
  /** Makes a port (in the killed process's table, given to it), and waits. */
  async successor(sys, start) {
    const port = out();
    sys.mx_port_create(MX_PORT_OPT_V2, port);
    successorPort = port.value;
    await sys.awaitable.mx_object_wait_one(start, MX_CHANNEL_PEER_CLOSED, MX_TIME_INFINITE, null);
    const packet = new mx_port_packet_t();
    log.push(`successor queue ${sys.mx_port_wait(port.value, 0n, packet, 0)}`);
    return 0;
  },
};


describe("processes: faults, kill and exit", () => {
  usePrograms(programs);
  useHandles();
  useReports();
  beforeEach(() => {
    log.length = 0;
  });

  it("an exception in main ends that process only: EXCEPTION_KILL, one report line naming it and the error", async () => {
    const [mine, theirs] = channel();
    const other = spawn("waits", theirs);
    const p = spawn("throws", 0, 0, "uart-driver");
    assert.equal(await ended(p), MX_TASK_RETCODE_EXCEPTION_KILL);
    assert.deepEqual(reports, [`process "uart-driver" faulted: RangeError: the driver's register map is wrong`]);
    await settle();
    assert.ok(!hasEnded(other), "the other process runs on");
    assert.equal(mx_channel_write(mine, 0, new Uint8Array(1), 1, null, 0), MX_OK);
    assert.equal(await ended(other), 0);
    assert.deepEqual(log, ["waiting", `woke ${MX_OK}`]);
  });

  it("a rejection of main's promise is a fault too, and an error that cannot be printed is still reported", async () => {
    assert.equal(await ended(spawn("rejects")), MX_TASK_RETCODE_EXCEPTION_KILL);
    assert.equal(await ended(spawn("throwsOddly")), MX_TASK_RETCODE_EXCEPTION_KILL);
    assert.deepEqual(reports, [`process "rejects" faulted: TypeError: late`, `process "throwsOddly" faulted: a value that cannot be printed`]);
  });

  it("mx_task_kill ends a waiting process: SYSCALL_KILL, its handles close (the peer sees PEER_CLOSED), its wait never returns", async () => {
    const [mine, theirs] = channel();
    const p = spawn("waits", theirs);
    await settle();
    assert.deepEqual(log, ["waiting"]);
    assert.equal(mx_task_kill(p), MX_OK);
    assert.equal(await ended(p), MX_TASK_RETCODE_SYSCALL_KILL);
    assert.equal(mx_object_wait_one(mine, MX_CHANNEL_PEER_CLOSED, 0n, null), MX_OK, "its end of the channel closed");
    await settle();
    assert.deepEqual(log, ["waiting"], "its awaiting code did not go on");
    assert.equal(mx_task_kill(p), MX_OK, "killing an ended process is OK");
    assert.deepEqual(info(p), { returnCode: MX_TASK_RETCODE_SYSCALL_KILL, started: true, exited: true });
  });

  it("mx_process_exit ends the process where it is: its code, even if it catches, can do nothing more", async () => {
    assert.equal(await ended(spawn("exits")), 3);
    assert.deepEqual(log, [`after exit: ${MX_ERR_BAD_STATE}`]);
    assert.deepEqual(reports, [], "an exit is not a fault");
  });

  it("an ended process's syscalls, fast paths included, never reach the table a new process was given", async () => {
    const killed = spawn("keeps");
    await settle();
    const sys = zombie as Vdso;
    const packet = new mx_port_packet_t();
    assert.equal(sys.mx_port_queue(zombiePort, packet, 0), MX_OK, "alive, its fast path works");
    assert.equal(mx_task_kill(killed), MX_OK);
    await ended(killed);
    const [mine, theirs] = channel();
    const successor = spawn("successor", theirs);
    await settle();
    assert.equal(processOf(successorPort), processOf(zombiePort), "the new process has the killed one's table");
    for (const port of [zombiePort, successorPort]) {
      assert.equal(sys.mx_port_queue(port, packet, 0), MX_ERR_BAD_STATE);
      assert.equal(sys.mx_port_wait(port, 0n, packet, 0), MX_ERR_BAD_STATE);
      assert.equal(sys.mx_channel_write(port, 0, new Uint8Array(1), 1, null, 0), MX_ERR_BAD_STATE);
      assert.equal(sys.mx_channel_read(port, 0, new Uint8Array(1), null, 1, 0, null, null), MX_ERR_BAD_STATE);
      assert.equal(sys.mx_handle_close(port), MX_ERR_BAD_STATE);
    }
    let settled = false;
    void sys.awaitable.mx_nanosleep(0n).then(() => (settled = true));
    assert.equal(mx_handle_close(mine), MX_OK);
    assert.equal(await ended(successor), 0);
    assert.deepEqual(log, [`successor queue ${MX_ERR_TIMED_OUT}`], "the successor's port got nothing");
    assert.equal(settled, false, "an ended process's awaitable call never settles");
  });
});

