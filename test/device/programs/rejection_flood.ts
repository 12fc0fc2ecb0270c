/** A program that leaves forty rejections unhandled at once, then waits (test/device/isolation.spec.ts). */
import { MX_TIME_INFINITE, type Vdso } from "../../../kernel/program.ts";

export default async function main(sys: Vdso): Promise<number> {
  for (let i = 0; i < 40; i++) void Promise.reject(new Error(`forgotten ${i}`));
  return sys.awaitable.mx_nanosleep(MX_TIME_INFINITE);
}
