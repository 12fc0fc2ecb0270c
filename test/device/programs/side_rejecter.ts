/** A program that leaves a rejection unhandled outside main's chain, then waits (test/device/isolation.spec.ts). */
import { MX_TIME_INFINITE, type Vdso } from "../../../kernel/program.ts";

async function forgotten(): Promise<void> {
  throw new TypeError("a rejection nobody handles");
}

export default async function main(sys: Vdso): Promise<number> {
  void forgotten();
  return sys.awaitable.mx_nanosleep(MX_TIME_INFINITE);
}
