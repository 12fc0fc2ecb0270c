/** A program that faults after a wait, inside a race of two loops (test/device/isolation.spec.ts). */
import { MX_TIME_INFINITE, type Vdso } from "../../../kernel/program.ts";

async function loop(sys: Vdso): Promise<number> {
  await sys.awaitable.mx_nanosleep(0n);
  throw new Error("late fault inside a compartment");
}

export default async function main(sys: Vdso): Promise<number> {
  return Promise.race([loop(sys), sys.awaitable.mx_nanosleep(MX_TIME_INFINITE)]);
}
