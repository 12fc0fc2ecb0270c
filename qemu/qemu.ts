/**
 * Runs a firmware image in QEMU and reports what the guest did. Used by `npm start`, the device test runner and the
 * benchmarks, so every QEMU run in the project goes through the same guards:
 *
 * - always a wall-clock timeout: an image linked for the wrong memory map spins forever rather than faulting, and
 *   a guest can deadlock; the process is killed (by its PID only) and the result says so; with a post-mortem
 *   socket, gdb first records where the guest was (qemu/post-mortem.ts);
 * - `-icount shift=0,sleep=off` by default: virtual time advances one nanosecond per instruction and idle time is
 *   skipped, so runs are repeatable and a timer delta read in the guest is an instruction count;
 * - the guest's exit status comes back through semihosting (SYS_EXIT_EXTENDED);
 * - console output (the first UART) is streamed as it arrives, or written to a file for exactly repeatable runs,
 *   and kept for the caller.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

import type { Board } from "../tools/lib/board.ts";
import { requireTool } from "../tools/lib/jobs.ts";
import { postMortem, postMortemArgs } from "./post-mortem.ts";

export interface QemuOptions {
  board: Board;
  elf: string;
  /** Wall-clock limit in milliseconds; the guest is killed after it. */
  timeoutMs: number;
  /** `false` runs in real time (host-dependent timing). */
  icount?: boolean;
  /** Connect the board's second UART to this Unix socket (QEMU is the server and waits for the client). */
  uartSocket?: string;
  /** Connect QEMU's qtest protocol to this Unix socket (QEMU is the client: listen first), to raise interrupt
   * lines (`set_irq_in`) and write guest memory (`writel`) while the guest runs. */
  qtestSocket?: string;
  /** Wait for gdb-multiarch on TCP port 1234 before the first instruction (no timeout then). */
  gdb?: boolean;
  /** Serve the gdb stub on this Unix socket while the guest runs; a run that times out gets a post-mortem. */
  postMortemSocket?: string;
  /** Called with console output as it arrives. */
  onOutput?: (text: string) => void;
  /**
   * Write the console to this file instead of a pipe (onOutput is then not called; `output` is read from the file
   * at the end). For runs whose instruction counts must repeat exactly: a pipe that the host drains late makes QEMU's
   * UART report "transmit full", and the guest's wait for it lasts a host-dependent number of instructions.
   */
  consoleFile?: string;
  extraArgs?: string[];
  /** The program's semihosting command line (its argv), and the folder its host files are relative to. */
  semihostingArgs?: string[];
  cwd?: string;
}

export interface QemuResult {
  /** The guest's exit status, or undefined when it did not exit by itself. */
  status: number | undefined;
  timedOut: boolean;
  /** Everything the guest wrote to its console. */
  output: string;
  /** QEMU's own diagnostics (bad arguments, missing files). */
  stderr: string;
  /** A one-line explanation when the run did not end with the guest exiting. */
  problem?: string;
  /** Where the guest was when it timed out (qemu/post-mortem.ts), with postMortemSocket. */
  postMortem?: string;
}

export function qemuArgs(options: QemuOptions): string[] {
  const serial = options.consoleFile ? `file:${options.consoleFile}` : "stdio";
  const args = ["-M", options.board.qemu.machine, "-display", "none", "-monitor", "none", "-serial", serial];
  if (options.uartSocket) args.push("-chardev", `socket,id=uart1,path=${options.uartSocket},server=on,wait=on`, "-serial", "chardev:uart1");
  if (options.qtestSocket) args.push("-accel", "tcg", "-qtest", `unix:${options.qtestSocket}`);
  if (options.icount !== false) args.push("-icount", "shift=0,sleep=off");
  if (options.gdb) args.push("-s", "-S");
  else if (options.postMortemSocket) args.push(...postMortemArgs(options.postMortemSocket));
  const argv = (options.semihostingArgs ?? []).map((arg) => `,arg=${arg.replace(/,/g, ",,")}`).join("");
  args.push("-semihosting-config", `enable=on,target=native${argv}`, ...(options.board.qemu.extra ?? []), ...(options.extraArgs ?? []));
  args.push("-kernel", options.elf);
  return args;
}

export function runQemu(options: QemuOptions): Promise<QemuResult> {
  requireTool("qemu-system-arm");
  return new Promise((resolve) => {
    const child = spawn("qemu-system-arm", qemuArgs(options), { stdio: ["ignore", "pipe", "pipe"], cwd: options.cwd });
    let output = "";
    let stderr = "";
    let timedOut = false;
    let report: Promise<string> | undefined;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      output += text;
      options.onOutput?.(text);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => (stderr += text));
    const timer = options.gdb
      ? undefined
      : setTimeout(async () => {
          timedOut = true;
          if (options.postMortemSocket) await (report = postMortem(options.elf, options.postMortemSocket));
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 2000).unref();
        }, options.timeoutMs);
    child.on("close", async (code, signal) => {
      if (timer) clearTimeout(timer);
      const postMortemText = await report;
      if (options.consoleFile && existsSync(options.consoleFile)) output = readFileSync(options.consoleFile, "utf8");
      const qemuFailed = code !== 0 && /^qemu-system-arm: (?!.*\binfo: )/m.test(stderr);
      const result: QemuResult = { status: timedOut || signal || qemuFailed ? undefined : (code ?? undefined), timedOut, output, stderr };
      if (postMortemText) result.postMortem = postMortemText;
      if (timedOut) result.problem = `the guest did not finish within ${(options.timeoutMs / 1000).toFixed(0)} s (hung, or linked for the wrong board?)`;
      else if (qemuFailed) result.problem = `QEMU failed: ${stderr.trim().split("\n")[0]}`;
      else if (signal) result.problem = `QEMU was killed by ${signal}`;
      resolve(result);
    });
  });
}

/** Why an exit status is what it is (README "Exit status"). */
export function describeStatus(status: number): string {
  if (status === 0) return "success";
  if (status === 1) return "the program reported failure";
  if (status === 2) return "deadlock: the main module was still waiting and nothing could wake it";
  if (status === 3) return "the base heap in flash is missing, damaged or from another build (see the reason above)";
  if (status === 120) return "CPU fault (see the register dump above)";
  if (status > 100 && status < 120) return "XS abort (see the reason above)";
  return "exit status set by the program";
}
