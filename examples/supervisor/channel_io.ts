/**
 * Reading and writing the example's messages with a process's own syscalls (its vdso): each process has only
 * those, so this helper takes them as an argument rather than importing the kernel.
 */
import {
  MX_CHANNEL_PEER_CLOSED,
  MX_CHANNEL_READABLE,
  MX_ERR_PEER_CLOSED,
  MX_OK,
  MX_TIME_INFINITE,
  type Vdso,
} from "../../kernel/program.ts";
import { message } from "./protocol.ts";

export interface Received {
  tag: number;
  bytes: Uint8Array;
  size: number;
  handles: number[];
}

/** The next message on `channel`, or null once the peer has closed and nothing is left. */
export async function receive(sys: Vdso, channel: number): Promise<Received | null> {
  const bytes = new Uint8Array(256);
  const handles = [0, 0, 0, 0];
  const size = { value: 0 };
  const count = { value: 0 };
  for (;;) {
    const status = sys.mx_channel_read(channel, 0, bytes, handles, bytes.length, handles.length, size, count);
    if (status === MX_OK) return { tag: bytes[0], bytes, size: size.value, handles: handles.slice(0, count.value) };
    if (status === MX_ERR_PEER_CLOSED) return null;
    const waited = await sys.awaitable.mx_object_wait_one(channel, MX_CHANNEL_READABLE | MX_CHANNEL_PEER_CLOSED, MX_TIME_INFINITE, null);
    if (waited !== MX_OK) return null;
  }
}

/** Sends a tagged message (and handles) on `channel`; false if the peer is gone. */
export function send(sys: Vdso, channel: number, tag: number, text = "", handles: number[] = []): boolean {
  const bytes = message(tag, text);
  return sys.mx_channel_write(channel, 0, bytes, bytes.length, handles, handles.length) === MX_OK;
}
