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
import { copyBytes, put32 } from "./args.ts";
import { PortDispatcher, PortPacket, type PortWaiter } from "./port.ts";

class V1Packet extends PortPacket {
  readonly buf: Uint8Array;
  constructor(src: Uint8Array, n: number) {
    super();
    this.counted = true;
    this.buf = new Uint8Array(n);
    copyBytes(this.buf, 0, src, 0, n);
    put32(this.buf, 8, MX_PORT_PKT_TYPE_USER);
  }
  override size(): number {
    return this.buf.length;
  }
  override copyOut(dst: Uint8Array): void {
    dst.set(this.buf);
  }
}

/** A V1 packet record: `n` bytes of `src` (the caller checked 16 <= n <= 128 and the buffer). */
export function v1Packet(src: Uint8Array, n: number): PortPacket {
  return new V1Packet(src, n);
}

/** The buffer a V1 wait names: a Uint8Array covering `size` bytes. */
function v1Buffer(dst: unknown, size: number): Uint8Array | null {
  return dst instanceof Uint8Array && dst.length >= size ? dst : null;
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
    p.copyOut(v1Buffer(w.dst, w.want) as Uint8Array);
    w.finish(MX_OK);
    return true;
  }

  /** The wait's buffer is checked before anything is taken, so a bad one changes nothing. */
  override take(dst: unknown, want: number): number {
    const buf = v1Buffer(dst, want);
    if (buf === null) return MX_ERR_INVALID_ARGS;
    const p = this.peek();
    if (p === null) return MX_ERR_SHOULD_WAIT;
    if (want < p.size()) return MX_ERR_BUFFER_TOO_SMALL;
    this.pop().copyOut(buf);
    return MX_OK;
  }
}
