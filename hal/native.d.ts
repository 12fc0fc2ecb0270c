/**
 * Typings for what hal/runtime/native.c installs on the device's global object before the main module runs.
 * Only hal/device.ts (and device-only tools such as benchmarks) should touch `native`; programs use the kernel.
 */
declare global {
  /** Writes its arguments' string values to the console, without a newline (Moddable's trace). */
  function trace(...values: unknown[]): void;

  const native: {
    /** Caller memory (hal.ts): a genuine Uint8Array's byte length or -1, and a checked copy between two of them. */
    byteLength(v: unknown): number;
    copyBytes(dst: unknown, dstOffset: number, src: unknown, srcOffset: number, n: number): boolean;
    /** Monotonic nanoseconds since reset (under `qemu -icount shift=0`, also instructions since reset). */
    now(): bigint;
    setAlarm(deadline: bigint): void;
    idle(): void;
    setServiceHandler(service: () => void): void;
    interruptAvailable(vector: number): boolean;
    interruptEnable(vector: number, enabled: boolean): void;
    interruptAck(vector: number): void;
    drainInterrupts(sink: (vector: number, timestamp: number) => void): number;
    /** When the alarm interrupt last took effect (monotonic ns): how late after its deadline. */
    alarmFiredAt(): bigint;
    /** How often the clock's 32-bit hardware counter wraps, in ns. */
    readonly clockWrap: number;
    /** The board's guarantee for alarmFiredAt() - deadline, in ns (one timer tick, or one clock reading). */
    readonly alarmResolution: number;
    /** Available interrupt lines no device drives, for tests that raise lines from outside (QEMU qtest). */
    readonly spareLines: readonly number[];
    /** A word the host may write through a debugger or QEMU qtest (symbol runtime_host_mailbox); tests use it. */
    hostMailbox(): number;
    /** The data UART: its receive interrupt line, and non-blocking reads and writes (count defaults to length). */
    readonly uartVector: number;
    uartRead(into: Uint8Array, count?: number): number;
    uartWrite(bytes: Uint8Array, count?: number): number;
    /** Bytes of XS chunks and slots in use after a full garbage collection (it runs one: for measurements). */
    liveBytes(): number;
    /** A ModuleSource of the firmware's module `specifier` (for a Compartment's { source } descriptor). */
    moduleSource(specifier: string): object;
    /** The object every Compartment's global inherits from: the intrinsics, and what the kernel adds to them while the
     * base heap is built (hardened after, with all it holds). */
    processGlobal(): object;
    /** The Compartment process `proc` runs in (hal/runtime/rejections.c attributes unhandled rejections by it). */
    processCompartment(proc: number, compartment: object | null): void;
    /** The kernel's handler of a process's unhandled rejection (kept on `native`: set while the base heap is built). */
    setRejectionHandler(handler: (proc: number, reason: unknown) => void): void;
    /** Writes one line to the console. */
    log(line: string): void;
    /** Runs job(...args) as a job of its own after the current one (hal.ts). */
    queueJob<A extends unknown[]>(job: (...args: A) => void, ...args: A): void;
    /** A copy of an ordinary object: its prototype and own properties (hal.ts). */
    cloneObject<T extends object>(template: T): T;
    /** Ends the program with an exit status (QEMU exits with it). */
    exit(status: number): never;
    /** Bytes XS has taken from the C heap for chunks and slots, its peak, and the creation.static cap (0: none);
     * mallocBytes: everything the C heap holds (XS's chunks, slots and tables, and the runtime's buffers). */
    memory(): {
      chunkBytes: number;
      slotBytes: number;
      peakBytes: number;
      limitBytes: number;
      /** Everything the C heap holds (XS's chunks and slots, its tables, the runtime's buffers). */
      mallocBytes: number;
      /** All the RAM the heap may use: between .bss and the C stack, and the board's extra region. */
      heapRoomBytes: number;
    };
    readonly board: string;
    readonly build: string;
    /** Clock readings at the start of main() and after the machine was created. */
    readonly bootTime: bigint;
    readonly machineTime: bigint;
    /** The last function given to setServiceHandler (kept here so that it survives into the base heap). */
    readonly serviceHandler?: () => void;
  };

  const console: { log(...values: unknown[]): void };

  /** UTF-8 only, as Node's and browsers' (hal/runtime/text.ts installs them on the device). */
  class TextEncoder {
    readonly encoding: string;
    encode(input?: string): Uint8Array;
  }
  class TextDecoder {
    readonly encoding: string;
    decode(input?: ArrayBuffer | ArrayBufferView): string;
  }
}

export {};
