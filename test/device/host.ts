/**
 * The device side of tools/lib/host-services.ts: a test asks the host for something (raise interrupt lines, send
 * bytes into the data UART, check the echo) and waits for the answer in the mailbox word the host writes over
 * qtest. It spins instead of sleeping: an idle guest's virtual time would race to its next timer deadline while
 * the host takes real time to answer. Device only.
 */
let lastToken = 0;

/** Sends a request and returns true if the host reports success; throws if it never answers. */
export function askHost(request: Record<string, unknown>): boolean {
  lastToken = (lastToken % 0x7fff_ffff) + 1;
  const token = lastToken;
  console.log(`@@host ${JSON.stringify({ ...request, token })}`);
  // native.now, not mx_time_get: a syscall would drain interrupt records while the host is still raising lines.
  const giveUp = native.now() + 5_000_000_000n;
  for (;;) {
    const answer = native.hostMailbox();
    if ((answer & 0x7fff_ffff) === token) return (answer & 0x8000_0000) === 0;
    if (native.now() > giveUp) throw new Error(`the host did not answer ${JSON.stringify(request)}`);
  }
}

/** The byte the host sends at position i of a UART stream (same formula as uartPattern in host-services.ts). */
export const uartPattern = (seed: number, i: number) => (i * 31 + seed * 7 + (i >> 8)) & 0xff;
