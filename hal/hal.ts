/**
 * The hardware abstraction the kernel is written against.
 *
 * The kernel never touches a clock, a timer or an interrupt controller itself: it asks this interface, so the same
 * kernel code runs on a Cortex-M board (hal/device.ts, backed by the C drivers under hal/ and boards/) and on Node
 * (hal/host.ts, a real or a virtual clock). Which implementation a program gets is decided by the package's
 * `#hal` import condition: Node resolves it to hal/host.ts, the device build to hal/device.ts.
 *
 * Shape, and why:
 * - Time is one 64-bit monotonic nanosecond clock, because Magenta deadlines are absolute MX_CLOCK_MONOTONIC values.
 * - There is one one-shot alarm: the kernel keeps its own ordered deadlines (timers, waits) and arms only the
 *   earliest, as a tickless kernel does.
 * - Interrupt handlers only record (vector, timestamp) into a ring; the kernel drains it when the runtime calls its
 *   service routine or while a synchronous wait sleeps. JavaScript never runs inside an interrupt handler.
 * - Callers' byte buffers are read and written only through `byteLength` and `copyBytes`, which look at the engine's
 *   internal slots (in C on the device, hal/runtime/user_memory.c; through the intrinsic getters on Node,
 *   hal/user_memory.ts), the way a kernel reaches user memory only through copy_from_user and copy_to_user.
 */

/** Receives one recorded interrupt. `timestamp` is monotonic nanoseconds as a number (exact below 2^53 ns, 104 days). */
export type InterruptSink = (vector: number, timestamp: number) => void;

export interface Hal {
  /** Monotonic time in nanoseconds since boot. Never goes backwards. */
  now(): bigint;

  /**
   * Arms the one-shot alarm at an absolute monotonic deadline, replacing any earlier setting.
   * `0xFFFF_FFFF_FFFF_FFFFn` (MX_TIME_INFINITE) disarms it. A deadline already past fires at once.
   */
  setAlarm(deadline: bigint): void;

  /**
   * Sleeps the CPU until the alarm deadline passes or an interrupt is recorded, then returns. It may return early
   * (spuriously); callers re-check their condition. Used only by synchronous (blocking) kernel calls.
   */
  idle(): void;

  /**
   * Registers the kernel's service routine. The runtime calls it from its event loop, never from an interrupt
   * handler and never while other JavaScript is on the stack, whenever the alarm has passed or interrupt records
   * are waiting. This is how awaitable waits time out and how interrupts become packets while JavaScript is idle.
   */
  setServiceHandler(service: () => void): void;

  /** True if the board offers this interrupt vector to programs. */
  interruptAvailable(vector: number): boolean;

  /** Unmasks (true) or masks (false) an interrupt line at the interrupt controller and in its device. */
  interruptEnable(vector: number, enabled: boolean): void;

  /** Acknowledges a handled interrupt so the line may fire again (re-enables a level-triggered source). */
  interruptAck(vector: number): void;

  /**
   * Hands every recorded interrupt to `sink`, oldest first, and empties the ring.
   * Returns how many records were lost to ring overflow since the previous call (0 normally).
   */
  drainInterrupts(sink: InterruptSink): number;

  /**
   * Caller memory (Magenta's user pointers): the byte length of `v` if it is a genuine Uint8Array, -1 for anything
   * else. Decided from the object's internal slots, never by asking it, so a look-alike (a Proxy, an object whose
   * prototype is Uint8Array.prototype, a typed array with its own `length`) is not one and no caller code runs. A
   * detached buffer covers 0 bytes.
   */
  byteLength(v: unknown): number;

  /**
   * Copies `n` bytes from `src` at `srcOffset` to `dst` at `dstOffset` if both are genuine Uint8Arrays that cover
   * the range and `dst` may be written; otherwise copies nothing and returns false (C's copy_from_user or
   * copy_to_user failing). Overlapping ranges copy as memmove does. Offsets and `n` are non-negative integers.
   */
  copyBytes(dst: unknown, dstOffset: number, src: unknown, srcOffset: number, n: number): boolean;

  /** Writes one line to the console (the board's UART, Node's stdout): the kernel's reports. */
  log(line: string): void;

  /**
   * Runs `job(...args)` as a job of its own once the current one is done, in order with promise jobs (XS's job queue
   * on the device, Node's microtask queue): what `Promise.resolve().then(() => job(...args))` does, without
   * allocating promises and their resolving functions. `job` must not throw (XS ends the machine when a job does).
   */
  queueJob<A extends unknown[]>(job: (...args: A) => void, ...args: A): void;

  /**
   * A new object with `template`'s prototype, a copy of its own properties (their attributes too) and its
   * extensibility (a copy of a frozen object is frozen), made in one engine call, for kernel objects made often (a
   * process is a copy of a template: XS adds a property to a new object at ~600 instructions on the device, a copy
   * takes ~40). Ordinary objects without private fields only: the device refuses an array, a typed array, a host
   * object or anything with internal state (TypeError).
   */
  cloneObject<T extends object>(template: T): T;
}

/** The HAL this program runs on, chosen by the `#hal` import condition. */
export declare const hal: Hal;
