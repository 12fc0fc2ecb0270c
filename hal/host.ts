/**
 * The Node HAL: a real monotonic clock by default, and a deterministic virtual one for tests.
 *
 * `hal` (what `#hal` resolves to on Node) is the real-clock HAL: time is `process.hrtime.bigint()` since start,
 * `idle()` blocks the thread with Atomics.wait until the alarm (no busy loop), and the kernel's service routine runs
 * from an unref'd setTimeout when the alarm is due, so a pending alarm never keeps Node alive. It offers no
 * interrupt vectors unless a test asks for simulated ones with `simulateVectors`.
 *
 * `VirtualHal` is a clock that moves only when told: `advance(ns)` (or a synchronous wait's `idle()`, which jumps
 * to the alarm) moves it and runs the service routine if the alarm passed or interrupts are waiting, exactly as a
 * board's event loop would. `raise(vector)` records an interrupt at the current virtual time into a small ring that
 * counts overflows. Switch the kernel to it and back with `kernel_set_hal` from kernel/index.ts:
 *
 *   const vhal = new VirtualHal({ vectors: [5] });
 *   const previous = kernel_set_hal(vhal);
 *   try { ... vhal.advance(MX_MSEC(10)); ... } finally { kernel_set_hal(previous); }
 */
import type { Hal, InterruptSink } from "./hal.ts";
import { byteLength, copyBytes } from "./user_memory.ts";

function consoleLine(line: string): void {
  console.log(line);
}

/** As the device's native does: the prototype, every own property with its attributes, and whether it is extensible. */
function cloneObject<T extends object>(template: T): T {
  const copy = Object.create(Object.getPrototypeOf(template) as object | null, Object.getOwnPropertyDescriptors(template)) as T;
  return Object.isExtensible(template) ? copy : Object.preventExtensions(copy);
}

/** Node's microtask queue is the one its promise jobs share, as XS's job queue is on the device. */
function queueJob<A extends unknown[]>(job: (...args: A) => void, ...args: A): void {
  queueMicrotask(() => job(...args));
}

const INFINITE = 0xffff_ffff_ffff_ffffn;

/** Interrupt lines simulated in software: enable masks, a record ring with overflow counting. */
class InterruptSim {
  private readonly vectors = new Set<number>();
  private readonly enabled = new Set<number>();
  private readonly ringVec: Int32Array;
  private readonly ringTs: Float64Array;
  private ringHead = 0;
  private ringLen = 0;
  private overflow = 0;

  constructor(ringSize: number) {
    this.ringVec = new Int32Array(ringSize);
    this.ringTs = new Float64Array(ringSize);
  }

  setVectors(vectors: readonly number[]): void {
    this.vectors.clear();
    for (const v of vectors) this.vectors.add(v);
  }

  available(vector: number): boolean {
    return this.vectors.has(vector);
  }

  enable(vector: number, on: boolean): void {
    if (on) this.enabled.add(vector);
    else this.enabled.delete(vector);
  }

  isEnabled(vector: number): boolean {
    return this.enabled.has(vector);
  }

  /** Records an interrupt as a handler would; a masked line records nothing. False if masked. */
  record(vector: number, timestamp: number): boolean {
    if (!this.enabled.has(vector)) return false;
    if (this.ringLen === this.ringVec.length) {
      this.overflow++;
      return true;
    }
    const i = (this.ringHead + this.ringLen) % this.ringVec.length;
    this.ringVec[i] = vector;
    this.ringTs[i] = timestamp;
    this.ringLen++;
    return true;
  }

  pending(): boolean {
    return this.ringLen > 0;
  }

  drain(sink: InterruptSink): number {
    while (this.ringLen > 0) {
      const i = this.ringHead;
      this.ringHead = (i + 1) % this.ringVec.length;
      this.ringLen--;
      sink(this.ringVec[i], this.ringTs[i]);
    }
    const lost = this.overflow;
    this.overflow = 0;
    return lost;
  }
}

export interface SimulationOptions {
  /** Interrupt vectors the simulated board offers. */
  vectors?: readonly number[];
  /** Interrupt records the ring holds before it counts overflows (default 8). */
  ringSize?: number;
}

/** The real-clock HAL. */
export class RealHal implements Hal {
  readonly byteLength = byteLength;
  readonly copyBytes = copyBytes;
  readonly log = consoleLine;
  readonly queueJob = queueJob;
  readonly cloneObject = cloneObject;
  private readonly start = process.hrtime.bigint();
  private alarm = INFINITE;
  private service: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private irq = new InterruptSim(8);

  now(): bigint {
    return process.hrtime.bigint() - this.start;
  }

  setAlarm(deadline: bigint): void {
    this.alarm = deadline;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.alarm === INFINITE || this.service === null) return;
    const ms = Number((this.alarm - this.now()) / 1_000_000n) + 1;
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(ms, 0), 0x7fff_ffff));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    if (this.now() >= this.alarm || this.irq.pending()) this.service?.();
    else this.schedule();
  }

  idle(): void {
    if (this.irq.pending()) return;
    if (this.alarm === INFINITE) {
      Atomics.wait(this.sleeper, 0, 0);
      return;
    }
    const ns = this.alarm - this.now();
    if (ns > 0n) Atomics.wait(this.sleeper, 0, 0, Number(ns) / 1e6);
  }

  setServiceHandler(service: () => void): void {
    this.service = service;
    this.schedule();
  }

  /** Offers simulated interrupt vectors (none by default); `raise` then records interrupts on them. */
  simulateVectors(options: SimulationOptions): void {
    this.irq = new InterruptSim(options.ringSize ?? 8);
    this.irq.setVectors(options.vectors ?? []);
  }

  /** Records a simulated interrupt now; the service routine runs from the event loop. */
  raise(vector: number): void {
    if (this.irq.record(vector, Number(this.now())) && this.service !== null) {
      setTimeout(() => this.fire(), 0).unref();
    }
  }

  interruptAvailable(vector: number): boolean {
    return this.irq.available(vector);
  }
  interruptEnable(vector: number, enabled: boolean): void {
    this.irq.enable(vector, enabled);
  }
  interruptAck(_vector: number): void {}
  drainInterrupts(sink: InterruptSink): number {
    return this.irq.drain(sink);
  }
}

/** A deterministic HAL: virtual time, simulated interrupts, service runs only when time moves or `pump` is called. */
export class VirtualHal implements Hal {
  readonly byteLength = byteLength;
  readonly copyBytes = copyBytes;
  readonly log = consoleLine;
  readonly queueJob = queueJob;
  readonly cloneObject = cloneObject;
  private time = 0n;
  private alarm = INFINITE;
  private service: (() => void) | null = null;
  private readonly irq: InterruptSim;
  /** Vectors acknowledged so far, in order (what the kernel told the interrupt controller). */
  readonly acks: number[] = [];

  constructor(options: SimulationOptions & { start?: bigint } = {}) {
    this.irq = new InterruptSim(options.ringSize ?? 8);
    this.irq.setVectors(options.vectors ?? []);
    this.time = options.start ?? 1_000_000n;
  }

  now(): bigint {
    return this.time;
  }

  /** The alarm the kernel armed (MX_TIME_INFINITE if none). */
  get alarmAt(): bigint {
    return this.alarm;
  }

  setAlarm(deadline: bigint): void {
    this.alarm = deadline;
  }

  /**
   * A synchronous wait sleeps: virtual time jumps to the alarm. With no alarm and no interrupt pending nothing
   * could ever wake the CPU, so this throws rather than hang the test run.
   */
  idle(): void {
    if (this.irq.pending()) return;
    if (this.alarm === INFINITE) throw new Error("VirtualHal.idle: no alarm and no interrupt, the wait would never end");
    if (this.alarm > this.time) this.time = this.alarm;
  }

  setServiceHandler(service: () => void): void {
    this.service = service;
  }

  /** Moves time forward by `ns` and lets the "event loop" run the service routine if anything is due. */
  advance(ns: bigint): void {
    this.time += ns;
    this.pump();
  }

  /** Runs the service routine if the alarm has passed or interrupt records are waiting. */
  pump(): void {
    if ((this.alarm !== INFINITE && this.alarm <= this.time) || this.irq.pending()) this.service?.();
  }

  /** Records an interrupt at the current virtual time (nothing if the line is masked); returns whether recorded. */
  raise(vector: number): boolean {
    return this.irq.record(vector, Number(this.time));
  }

  /** True if the kernel has unmasked the line. */
  isEnabled(vector: number): boolean {
    return this.irq.isEnabled(vector);
  }

  interruptAvailable(vector: number): boolean {
    return this.irq.available(vector);
  }
  interruptEnable(vector: number, enabled: boolean): void {
    this.irq.enable(vector, enabled);
  }
  interruptAck(vector: number): void {
    this.acks.push(vector);
  }
  drainInterrupts(sink: InterruptSink): number {
    return this.irq.drain(sink);
  }
}

export const hal = new RealHal();
