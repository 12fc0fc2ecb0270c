/**
 * The benchmark firmware's program, run by bench/main.ts: times every case (bench/cases.ts), the C baselines (bench/hooks.c), the kernel
 * step breakdown (bench/breakdown.ts), interrupt latency and boot, and reports each result as one
 * `@@bench {json}` console line, which tools/lib/bench/device.ts parses. Every JavaScript case is then run once more
 * between profile markers, and the empty loop after it, so a run under the insn_profile QEMU plugin also yields where
 * its instructions go, loop overhead subtracted address by address (regions are reported in the plugin's order).
 *
 * It is preloaded (bench/manifest.json), as an application's modules are: loaded at boot from flash instead, its code
 * and objects stayed live in the XS heap, and every collection the cases paid marked them (the process cases paid
 * ~8,000 instructions per spawn for it).
 *
 * Order matters: the interrupt measurements come last, because while an interrupt object is bound every syscall
 * also drains the interrupt ring (kernel/clock.ts kernel_enter), which the other operations must not pay.
 */
import {
  awaitable,
  mx_deadline_after,
  mx_handle_close,
  mx_interrupt_ack,
  mx_interrupt_bind,
  mx_interrupt_create,
  mx_port_create,
  mx_port_packet_t,
  mx_port_wait,
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
  MX_PORT_OPT_V2,
  MX_TIME_INFINITE,
} from "../kernel/index.ts";
import { portRoundTripStep, steps } from "./breakdown.ts";
import { cases, expect, ok } from "./cases.ts";
import { processRam } from "./process_cases.ts";
import { type Clock, type Loop, measure, summarize } from "./harness.ts";

const REPEATS = 5;
/** Instructions each repeat spans at least (harness.ts MeasureOptions.budget). */
const BUDGET = 250_000_000;
/** Dual-timer ticks from arming to the line rising: far longer than the JavaScript needs to go idle (a tick is 40
 * instructions), so the line always rises while the CPU sleeps. */
const IRQ_DELAY_TICKS = 25_000;
const IRQ_ITERATIONS = 500;
const IRQ_PROFILED = 50;

const clock: Clock = { now: () => Number(native.now()) };

function report(record: Record<string, unknown>): void {
  console.log(`@@bench ${JSON.stringify(record)}`);
}

let region = 1; // region 0 is the boot

/** Runs `body` between the profile markers; the plugin closes region number `region` at the end marker. */
async function profileRegion(name: string, operations: number, body: () => void | Promise<void>): Promise<void> {
  bench.profileBegin();
  const pending = body();
  if (pending) await pending;
  bench.profileEnd();
  report({ type: "profile", region: region++, name, operations });
}

function emptyLoop(n: number): void {
  for (let i = 0; i < n; i++) {}
}

/** Profiles n iterations of an operation, then the empty loop with the same n, which the report subtracts. */
async function profile(name: string, n: number, perIteration: number, body: () => void | Promise<void>): Promise<void> {
  await profileRegion(name, n * perIteration, body);
  await profileRegion(`${name}:empty`, n, () => emptyLoop(n));
}

// --- interrupts: C baseline, then the kernel path, then the port round trip while the line stays bound ---
async function interruptBenchmarks(): Promise<void> {
  const cSamples: number[] = [];
  for (let r = 0; r < REPEATS; r++) cSamples.push(bench.cIrq(IRQ_ITERATIONS, IRQ_DELAY_TICKS) / IRQ_ITERATIONS);
  report({ type: "c", ...summarize("irq_to_js", IRQ_ITERATIONS, cSamples) });
  report({ type: "c", ...summarize("irq_to_sync_wait", IRQ_ITERATIONS, cSamples) });

  const out = { value: 0 };
  ok(mx_port_create(MX_PORT_OPT_V2, out), "port_create");
  const port = out.value;
  ok(mx_interrupt_create(0, bench.irqVector, out), "interrupt_create");
  const irq = out.value;
  ok(mx_interrupt_bind(irq, port, 0x1e0n, 0), "interrupt_bind");
  const packet = new mx_port_packet_t();
  let fastest = Infinity;
  let slowest = 0;

  /** n interrupts; the mean latency from the line rising to the waiter's first call after its await resumes. */
  const interrupts = async (n: number): Promise<number> => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      bench.irqArm(IRQ_DELAY_TICKS);
      const status = await awaitable.mx_port_wait(port, MX_TIME_INFINITE, packet, 0);
      const elapsed = bench.irqElapsed();
      bench.irqStop();
      ok(status, "port_wait for the interrupt");
      expect(packet.type === MX_PKT_TYPE_INTERRUPT && packet.key === 0x1e0n, "an INTERRUPT packet with the bound key");
      expect(elapsed < IRQ_DELAY_TICKS * 40, "the waiter ran before the timer's next period");
      ok(mx_interrupt_ack(irq), "interrupt_ack");
      total += elapsed;
      fastest = Math.min(fastest, elapsed);
      slowest = Math.max(slowest, elapsed);
    }
    return total / n;
  };
  await interrupts(2);
  fastest = Infinity;
  slowest = 0;
  const samples: number[] = [];
  for (let r = 0; r < REPEATS; r++) samples.push(await interrupts(IRQ_ITERATIONS));
  report({ type: "op", ...summarize("irq_to_js", IRQ_ITERATIONS, samples), fastest, slowest });

  /**
   * n interrupts received by a synchronous mx_port_wait, the CPU asleep inside the call: the mean latency from the
   * line rising to the caller's first call after the wait returns. The deadline only guards against a lost line.
   */
  const syncInterrupts = (n: number): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const guard = mx_deadline_after(BigInt(IRQ_DELAY_TICKS) * 400n);
      bench.irqArm(IRQ_DELAY_TICKS);
      const status = mx_port_wait(port, guard, packet, 0);
      const elapsed = bench.irqElapsed();
      bench.irqStop();
      ok(status, "synchronous port_wait for the interrupt");
      expect(packet.type === MX_PKT_TYPE_INTERRUPT && packet.key === 0x1e0n, "an INTERRUPT packet with the bound key");
      ok(mx_interrupt_ack(irq), "interrupt_ack");
      total += elapsed;
    }
    return total / n;
  };
  syncInterrupts(2);
  const syncSamples: number[] = [];
  for (let r = 0; r < REPEATS; r++) syncSamples.push(syncInterrupts(IRQ_ITERATIONS));
  report({ type: "op", ...summarize("irq_to_sync_wait", IRQ_ITERATIONS, syncSamples) });

  // Profile of the delivery, one region per interrupt (the tool adds them up): the plugin opens each region where the
  // interrupt handler records the line (hal_irq_record, tools/lib/bench/device.ts); the waiter closes it.
  const first = region;
  for (let i = 0; i < IRQ_PROFILED; i++) {
    bench.irqArm(IRQ_DELAY_TICKS);
    const status = await awaitable.mx_port_wait(port, MX_TIME_INFINITE, packet, 0);
    bench.irqElapsed();
    bench.profileEnd();
    region++;
    bench.irqStop();
    ok(status, "port_wait for the interrupt");
    ok(mx_interrupt_ack(irq), "interrupt_ack");
  }
  report({ type: "profile", region: first, count: IRQ_PROFILED, name: "irq_to_js", operations: IRQ_PROFILED });

  // The same for a synchronous wait: the caller closes the region when mx_port_wait returns.
  const firstSync = region;
  for (let i = 0; i < IRQ_PROFILED; i++) {
    const guard = mx_deadline_after(BigInt(IRQ_DELAY_TICKS) * 400n);
    bench.irqArm(IRQ_DELAY_TICKS);
    const status = mx_port_wait(port, guard, packet, 0);
    bench.irqElapsed();
    bench.profileEnd();
    region++;
    bench.irqStop();
    ok(status, "synchronous port_wait for the interrupt");
    ok(mx_interrupt_ack(irq), "interrupt_ack");
  }
  report({ type: "profile", region: firstSync, count: IRQ_PROFILED, name: "irq_to_sync_wait", operations: IRQ_PROFILED });

  const bound = portRoundTripStep();
  report({ type: "step", group: bound.group, what: bound.what, ...(await measure(bound, clock, { repeats: 3, budget: BUDGET / 4 })) });
  ok(mx_handle_close(irq), "handle_close interrupt");
  ok(mx_handle_close(port), "handle_close port");
}


/** Runs the benchmark; `mainStarted` and `memoryAtMain` are the clock and the memory when the main module began. */
export async function runBenchmark(mainStarted: bigint, memoryAtMain: { chunkBytes: number; slotBytes: number }): Promise<void> {
  report({ type: "start", board: native.board, build: native.build });
  report({
    type: "boot",
    bootTime: Number(native.bootTime),
    machineTime: Number(native.machineTime),
    mainTime: Number(mainStarted),
    heapAtMain: memoryAtMain.chunkBytes + memoryAtMain.slotBytes,
  });
  report({ type: "profile", region: 0, name: "boot", operations: 1 });

  const heapRoom = native.memory().heapRoomBytes;
  const runnable = cases.filter((c) => {
    if (c.ramBytes === undefined || c.ramBytes <= heapRoom) return true;
    report({ type: "note", name: c.name, text: `needs ${c.ramBytes} B of heap room for its buffers; ${native.board} has ${heapRoom} B` });
    return false;
  });

  for (const c of runnable) {
    const m = await measure(c, clock, {
      repeats: REPEATS,
      budget: BUDGET,
      after: (loop: Loop, n: number) => profile(c.name, n, c.operations ?? 1, () => {
        const pending = loop.run(n, clock);
        return pending instanceof Promise ? pending.then(() => {}) : undefined;
      }),
    });
    report({ type: "op", ...m, heapPeak: native.memory().peakBytes });
  }

  for (const c of cases) {
    // C operations are about a thousand times cheaper: more iterations keep the two 40-instruction ticks far below 1%.
    const n = c.iterations * 30;
    const samples: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const elapsed = bench.c(c.name, n);
      if (elapsed < 0) break;
      samples.push((elapsed - bench.c("empty", n)) / n);
    }
    if (samples.length === REPEATS) report({ type: "c", ...summarize(c.name, n, samples) });
  }

  for (const step of steps) report({ type: "step", group: step.group, what: step.what, ...(await measure(step, clock, { repeats: 3, budget: BUDGET / 4 })) });

  if (bench.irqVector >= 0) await interruptBenchmarks();
  else report({ type: "note", name: "irq_to_js", text: "this board has no interrupt source for the benchmark (bench/manifest.json platforms)" });

  // The workload's heap peak is read first: the RAM measure's forced full collections can make XS grow its heap
  // (collection pressure), which says nothing of what the kernel and the cases need.
  const memoryAtEnd = native.memory();
  const PROCESSES_MEASURED = 8;
  const perProcess = await processRam(PROCESSES_MEASURED, () => {
    const live = native.liveBytes();
    const m = native.memory();
    return { live, other: m.mallocBytes - m.chunkBytes - m.slotBytes };
  });
  report({ type: "memory", peak: memoryAtEnd.peakBytes, limit: memoryAtEnd.limitBytes, room: memoryAtEnd.heapRoomBytes, perProcess });
  report({ type: "end", status: MX_OK });
}
