/**
 * What a device test can ask of the host while it runs in QEMU: raise interrupt lines (qtest `set_irq_in`),
 * stream bytes into the board's data UART and check what comes back, or both at once as fast as they go (a storm). Requests arrive as console lines
 * `@@host {"op": ..., "token": n}`; the host answers by writing the token into the guest's `runtime_host_mailbox`
 * word through qtest (`writel`), with bit 31 set when the host-side check failed.
 *
 * The guest spins on the mailbox rather than sleeping: under `-icount sleep=off` an idle guest's virtual time jumps
 * to its next timer deadline at once, while the host answers in real time.
 */
import { createServer, type Server, type Socket } from "node:net";

import { connectUart } from "../../qemu/uart-socket.ts";
import { run } from "./jobs.ts";

export const HOST_PREFIX = "@@host ";

type Request =
  | { op: "irq"; token: number; lines: number[] }
  | { op: "uart-send"; token: number; count: number; seed: number }
  | { op: "uart-verify"; token: number }
  | { op: "storm"; token: number; lines: number[]; pulses: number; uart: number; seed: number };

/** The byte the host sends at position i of a UART stream (the guest uses the same formula to check). */
export const uartPattern = (seed: number, i: number) => (i * 31 + seed * 7 + (i >> 8)) & 0xff;

/** One line of qtest: a command and its "OK" (or "FAIL") reply, strictly in order. */
class Qtest {
  private buffer = "";
  private waiting: ((line: string) => void)[] = [];

  constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      this.buffer += text;
      let newline: number;
      while ((newline = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        if (line.startsWith("IRQ")) continue; // asynchronous notifications, not replies
        this.waiting.shift()?.(line);
      }
    });
  }

  command(text: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(`${text}\n`);
    });
  }
}

export class HostServices {
  private server: Server | undefined;
  private qtest: Qtest | undefined;
  private uart: Socket | undefined;
  private mailbox = 0;
  private sent: number[] = [];
  private received: number[] = [];
  /** Problems the host saw, reported as a test failure of their own. */
  readonly problems: string[] = [];
  /** Requests not yet answered, by token: how far the host got with each (for a run that hangs). */
  private readonly progress = new Map<number, string>();

  constructor(
    readonly qtestPath: string,
    readonly uartPath: string,
    /** The QOM path of the board's NVIC, whose inputs `set_irq_in` drives. */
    private readonly nvic = "/machine/armv7m",
  ) {}

  /** Listens for QEMU's qtest connection (QEMU is the client); call before starting QEMU. */
  async listen(elf: string): Promise<void> {
    const symbols = await run("arm-none-eabi-nm", [elf]);
    const line = symbols.stdout.split("\n").find((l) => l.endsWith(" runtime_host_mailbox"));
    this.mailbox = line ? parseInt(line.split(" ")[0], 16) : 0;
    await new Promise<void>((resolve) => {
      this.server = createServer((socket) => (this.qtest = new Qtest(socket)));
      this.server.listen(this.qtestPath, resolve);
    });
  }

  /** Connects to the data UART once QEMU listens on it (QEMU holds the guest until then). */
  connectUart(): void {
    connectUart(this.uartPath).then(
      (socket) => {
        this.uart = socket;
        socket.on("data", (bytes: Buffer) => this.received.push(...bytes));
      },
      (error) => this.problems.push((error as Error).message),
    );
  }

  /** Handles one console line if it is a host request; true if it was. */
  handle(line: string): boolean {
    if (!line.startsWith(HOST_PREFIX)) return false;
    let request: Request;
    try {
      request = JSON.parse(line.slice(HOST_PREFIX.length));
    } catch {
      this.problems.push(`unreadable host request: ${line}`);
      return true;
    }
    this.progress.set(request.token, "received");
    void this.serve(request).catch((error) => this.problems.push(`host request ${line} failed: ${(error as Error).message}`));
    return true;
  }

  /** One line on the requests the host has not answered yet, or "" when there are none. */
  unanswered(): string {
    const open = [...this.progress].map(([token, state]) => `token ${token}: ${state}`);
    return open.length ? `host requests not answered: ${open.join("; ")}` : "";
  }

  private async answer(token: number, ok: boolean): Promise<void> {
    if (!this.qtest || !this.mailbox) throw new Error("no qtest connection or no runtime_host_mailbox symbol");
    const value = (token | (ok ? 0 : 0x8000_0000)) >>> 0;
    this.progress.set(token, "answering");
    await this.qtest.command(`writel 0x${this.mailbox.toString(16)} 0x${value.toString(16)}`);
    this.progress.delete(token);
  }

  /** One pulse on each line: the NVIC latches the rising edge as pending; the line does not stay high. */
  private async pulse(lines: number[]): Promise<boolean> {
    let ok = true;
    for (const level of [1, 0]) {
      for (const n of lines) {
        const reply = await this.qtest!.command(`set_irq_in ${this.nvic} unnamed-gpio-in ${n} ${level}`);
        if (!reply.startsWith("OK")) {
          this.problems.push(`qtest set_irq_in ${this.nvic} line ${n}: ${reply}`);
          ok = false;
        }
      }
    }
    return ok;
  }

  private async serve(request: Request): Promise<void> {
    if (request.op === "irq") {
      await this.answer(request.token, await this.pulse(request.lines));
    } else if (request.op === "storm") {
      // As fast as qtest and the socket take them: `pulses` pulses on every line while `uart` bytes stream into the
      // data UART. Answered only when all is sent: the guest keeps working meanwhile and polls the mailbox.
      const bytes = Buffer.alloc(request.uart);
      for (let i = 0; i < bytes.length; i++) bytes[i] = uartPattern(request.seed, i);
      let streamed = false;
      const streaming = new Promise<void>((resolve) =>
        this.uart!.write(bytes, () => {
          streamed = true;
          resolve();
        }),
      );
      let ok = true;
      for (let i = 0; i < request.pulses; i++) {
        this.progress.set(request.token, `storm: pulse ${i + 1} of ${request.pulses} being sent; UART bytes handed to the socket: ${streamed}`);
        ok = (await this.pulse(request.lines)) && ok;
      }
      this.progress.set(request.token, `storm: pulses sent; waiting for the socket to take the UART bytes`);
      await streaming;
      await this.answer(request.token, ok);
    } else if (request.op === "uart-send") {
      const bytes = Buffer.alloc(request.count);
      for (let i = 0; i < bytes.length; i++) bytes[i] = uartPattern(request.seed, i);
      this.sent.push(...bytes);
      await new Promise<void>((resolve) => this.uart!.write(bytes, () => resolve()));
      await this.answer(request.token, true);
    } else if (request.op === "uart-verify") {
      // The guest has written its echo; give the socket a moment to deliver the tail.
      const deadline = Date.now() + 5000;
      while (this.received.length < this.sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const ok = this.received.length === this.sent.length && this.received.every((b, i) => b === this.sent[i]);
      if (!ok) {
        const at = this.received.findIndex((b, i) => b !== this.sent[i]);
        this.problems.push(`UART echo: sent ${this.sent.length} bytes, got ${this.received.length} back${at >= 0 ? `, first difference at byte ${at}` : ""}`);
      }
      this.sent = [];
      this.received = [];
      await this.answer(request.token, ok);
    }
  }

  close(): void {
    this.uart?.destroy();
    this.server?.close();
  }
}
