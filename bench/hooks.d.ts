/**
 * Typings for the `bench` global that bench/hooks.c installs at boot (RUNTIME_NATIVES, hal/runtime/runtime.h).
 */
declare global {
  const bench: {
    /** Runs C baseline `name` (an operation name, or "empty" for the bare loop) n times; elapsed ns, -1 if unknown. */
    c(name: string, n: number): number;
    /** n interrupts from the dual timer into a bare C handler and C sleep loop; total ns from line rising to C. */
    cIrq(n: number, delayTicks: number): number;
    /** Starts the dual timer: it raises interrupt line `irqVector` after `ticks` 40 ns ticks, then every period. */
    irqArm(ticks: number): void;
    /** Nanoseconds since the dual timer last raised its line (valid until its next period). */
    irqElapsed(): number;
    /** Stops the dual timer and lowers its line. */
    irqStop(): void;
    /** Profile markers watched by the insn_profile QEMU plugin. */
    profileBegin(): void;
    profileEnd(): void;
    /** The line the timer above raises, or -1 when the board has no interrupt source for the benchmark (then the
     * four irq functions are absent). */
    readonly irqVector: number;
  };
}

export {};
