/**
 * Port V1 (Magenta's IOPortDispatcher, June 2017): variable-size packets that begin with mx_packet_header_t.
 *
 * It shares the V2 port's queues and waiter handling and differs only in what a packet is (a copy of up to
 * MX_PORT_MAX_PKT_SIZE bytes with the header type forced to MX_PORT_PKT_TYPE_USER) and in how a wait takes one:
 * a buffer smaller than the packet gets MX_ERR_BUFFER_TOO_SMALL and the packet stays queued (the project decision,
 * rather than the 2017 bug that reported MX_OK and lost it). V1 packets are rare, so they are simply allocated.
 */
import {
  MX_ERR_BUFFER_TOO_SMALL,
  MX_ERR_INVALID_ARGS,
  MX_ERR_SHOULD_WAIT,
  MX_OBJ_TYPE_IOPORT,
  MX_OK,
  MX_PORT_PKT_TYPE_USER,
} from "./constants.ts";
import { put32 } from "./args.ts";
import { hal } from "./platform.ts";
import { PortDispatcher, PortPacket, type PortWaiter } from "./port.ts";

class V1Packet extends PortPacket {
  override counted = true;
  constructor(readonly buf: Uint8Array) {
    super();
  }
  override size(): number {
    return this.buf.length;
  }
  override copyOut(dst: unknown): boolean {
    return hal.copyBytes(dst, 0, this.buf, 0, this.buf.length);
  }
}

/** A V1 packet record: the first `n` bytes of the caller's `src`; null if `src` does not cover them. */
export function v1Packet(src: unknown, n: number): PortPacket | null {
  const buf = new Uint8Array(n);
  if (!hal.copyBytes(buf, 0, src, 0, n)) return null;
  put32(buf, 8, MX_PORT_PKT_TYPE_USER);
  return new V1Packet(buf);
}

export class PortV1Dispatcher extends PortDispatcher {
  constructor() {
    super(MX_OBJ_TYPE_IOPORT);
  }

  protected override handOff(p: PortPacket, w: PortWaiter): boolean {
    if (w.want < p.size()) {
      w.finish(MX_ERR_BUFFER_TOO_SMALL);
      return false;
    }
    w.finish(p.copyOut(w.dst) ? MX_OK : MX_ERR_INVALID_ARGS);
    return true;
  }

  /** The wait's buffer is checked before anything is taken, so a bad one changes nothing. */
  override take(dst: unknown, want: number): number {
    if (hal.byteLength(dst) < want) return MX_ERR_INVALID_ARGS;
    const p = this.peek();
    if (p === null) return MX_ERR_SHOULD_WAIT;
    if (want < p.size()) return MX_ERR_BUFFER_TOO_SMALL;
    return this.pop().copyOut(dst) ? MX_OK : MX_ERR_INVALID_ARGS;
  }
}
