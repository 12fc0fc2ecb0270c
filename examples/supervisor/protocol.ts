/**
 * The messages of the supervisor example, shared by its processes (plain data: no authority in it). Each message
 * is a tag byte and UTF-8 text; handles travel beside it.
 *
 *   client → driver  CONNECT          "give me a channel to the line service"
 *   driver → client  CONNECTED + [h]  h: the client's end of a new channel to the service
 *   driver → service CLIENT + [h]     h: the service's end of that channel
 *   driver → client  LINE text        a line that arrived on the UART
 *   client → service REQUEST text     (on the channel the driver gave it)
 *   service → client REPLY text
 *   client → driver  PRINT text       "write this line on the UART"
 *   driver → client  QUIT             the UART said "quit": everyone ends
 *   supervisor → client DRIVER + [h]  h: the client's end of a channel to a (re)started driver
 *   supervisor → driver BOOT + [interrupt, registration, client]   what a (re)started driver owns
 *   supervisor → service REGISTRATION + [h]   h: the end on which a (re)started driver registers clients
 */
export const CONNECT = 1;
export const CONNECTED = 2;
export const CLIENT = 3;
export const LINE = 4;
export const REQUEST = 5;
export const REPLY = 6;
export const PRINT = 7;
export const QUIT = 8;
export const DRIVER = 9;
export const BOOT = 10;
export const REGISTRATION = 11;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function message(tag: number, text = ""): Uint8Array {
  const body = encoder.encode(text);
  const bytes = new Uint8Array(1 + body.length);
  bytes[0] = tag;
  bytes.set(body, 1);
  return bytes;
}

export function text(bytes: Uint8Array, size: number): string {
  return decoder.decode(bytes.subarray(1, size));
}
