/**
 * The device side of tools/lib/host-services.ts: a test asks the host for something (raise interrupt lines, send
 * bytes into the data UART, check the echo) and waits for the answer in the mailbox word the host writes over
 * qtest. It spins instead of sleeping: an idle guest's virtual time would race to its next timer deadline while
 * the host takes real time to answer. Device only.
 */
let lastToken = 0;

/** Sends a request without waiting; returns the token its answer will carry (see hostAnswer). */
export function postHost(request: Record<string, unknown>): number {
  lastToken = (lastToken % 0x7fff_ffff) + 1;
  console.log(`@@host ${JSON.stringify({ ...request, token: lastToken })}`);
  return lastToken;
}

/** The host's answer to `token` if it has come: true for success; undefined while it has not. */
export function hostAnswer(token: number): boolean | undefined {
  const answer = native.hostMailbox();
  return (answer & 0x7fff_ffff) === token ? (answer & 0x8000_0000) === 0 : undefined;
}

/** Sends a request and returns true if the host reports success; throws if it never answers. */
export function askHost(request: Record<string, unknown>): boolean {
  const token = postHost(request);
  // native.now, not mx_time_get: a syscall would drain interrupt records while the host is still raising lines.
  const giveUp = native.now() + 5_000_000_000n;
  for (;;) {
    const answer = hostAnswer(token);
    if (answer !== undefined) return answer;
    if (native.now() > giveUp) throw new Error(`the host did not answer ${JSON.stringify(request)}`);
  }
}

/** The byte the host sends at position i of a UART stream (same formula as uartPattern in host-services.ts). */
export const uartPattern = (seed: number, i: number) => (i * 31 + seed * 7 + (i >> 8)) & 0xff;
