/**
 * The line service process: it answers each REQUEST with the line upper-cased. It learns of clients only through
 * channels it is handed: a registration channel per driver (from the supervisor), and on it one channel per client
 * (from the driver). A client's channel outlives the driver that brokered it.
 */
import type { Vdso } from "../../kernel/program.ts";
import { receive, send } from "./channel_io.ts";
import { CLIENT, REPLY, REQUEST, text } from "./protocol.ts";

async function serveClient(sys: Vdso, channel: number): Promise<void> {
  for (let m; (m = await receive(sys, channel)) !== null; ) {
    if (m.tag === REQUEST) send(sys, channel, REPLY, text(m.bytes, m.size).toUpperCase());
  }
  sys.mx_handle_close(channel);
}

async function serveRegistrations(sys: Vdso, registration: number): Promise<void> {
  for (let m; (m = await receive(sys, registration)) !== null; ) {
    if (m.tag === CLIENT && m.handles.length === 1) void serveClient(sys, m.handles[0]);
  }
  sys.mx_handle_close(registration);
}

export default async function service(sys: Vdso, bootstrap: number): Promise<number> {
  let drivers = 0;
  for (let m; (m = await receive(sys, bootstrap)) !== null; drivers++) void serveRegistrations(sys, m.handles[0]);
  return drivers;
}
