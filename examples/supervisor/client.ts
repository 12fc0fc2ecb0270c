/**
 * The client process: it gets a driver from the supervisor (again after each restart), asks the first driver for a
 * channel to the line service, and then, for each UART line the driver hands it, asks the service and has the
 * driver print the answer. Its service channel survives a driver's crash, so its next request just works.
 */
import type { Vdso } from "../../kernel/program.ts";
import { receive, send } from "./channel_io.ts";
import { CONNECT, CONNECTED, LINE, PRINT, QUIT, REPLY, REQUEST, text } from "./protocol.ts";

export default async function client(sys: Vdso, bootstrap: number): Promise<number> {
  let service = 0;
  let answered = 0;
  for (let given; (given = await receive(sys, bootstrap)) !== null; ) {
    const driver = given.handles[0];
    if (service === 0) {
      send(sys, driver, CONNECT);
      const connected = await receive(sys, driver);
      if (connected === null || connected.tag !== CONNECTED) return -1;
      service = connected.handles[0];
      console.log("client: connected to the line service through the driver");
    }
    for (let m; (m = await receive(sys, driver)) !== null; ) {
      if (m.tag === QUIT) return answered;
      if (m.tag !== LINE) continue;
      send(sys, service, REQUEST, text(m.bytes, m.size));
      const reply = await receive(sys, service);
      if (reply === null || reply.tag !== REPLY) return -2;
      send(sys, driver, PRINT, text(reply.bytes, reply.size));
      answered++;
    }
    sys.mx_handle_close(driver);
    console.log("client: the driver went away; waiting for the next one");
  }
  return answered;
}
