/** The program the per-process RAM figure starts (bench/process_cases.ts processRam): it waits for ever. */
import { MX_TIME_INFINITE, type Vdso } from "../kernel/program.ts";

export default function main(sys: Vdso): Promise<number> {
  return sys.awaitable.mx_nanosleep(MX_TIME_INFINITE);
}
