/**
 * `mx_port_packet_t`: the 48-byte V2 port packet, in the C layout (little-endian), as a class.
 *
 * The kernel only ever reads and writes `bytes`, so a packet passed to mx_port_wait is filled by one native copy
 * (hal.copyBytes) and reusing one packet object for every wait costs nothing. The typed views and accessors that
 * make the C union readable are built on first use, so that a packet that is only passed through the kernel stays
 * one small object.
 */
import { MX_PORT_PACKET_SIZE } from "./constants.ts";
import { OBJECT } from "./args.ts";
import { freezeDeep } from "./freeze.ts";
import { hal } from "./platform.ts";

/** The `user` member: four views of bytes 16..47, the C union. */
export interface mx_packet_user_t {
  u64: BigUint64Array;
  u32: Uint32Array;
  u16: Uint16Array;
  c8: Uint8Array;
}

/** The `signal` member (bytes 16..31). */
export class mx_packet_signal_t {
  readonly #v: DataView;
  constructor(v: DataView) {
    this.#v = v;
  }
  get trigger(): number {
    return this.#v.getUint32(16, true);
  }
  set trigger(x: number) {
    this.#v.setUint32(16, x >>> 0, true);
  }
  get observed(): number {
    return this.#v.getUint32(20, true);
  }
  set observed(x: number) {
    this.#v.setUint32(20, x >>> 0, true);
  }
  get count(): bigint {
    return this.#v.getBigUint64(24, true);
  }
  set count(x: bigint) {
    this.#v.setBigUint64(24, BigInt(x), true);
  }
}

/** The `interrupt` member (bytes 16..23): this project's interrupt packets. */
export class mx_packet_interrupt_t {
  readonly #v: DataView;
  constructor(v: DataView) {
    this.#v = v;
  }
  get timestamp(): bigint {
    return this.#v.getBigUint64(16, true);
  }
  set timestamp(x: bigint) {
    this.#v.setBigUint64(16, BigInt(x), true);
  }
}

/**
 * A kernel-built packet: its 48 bytes and a 32-bit view of them. Fields are stored a word at a time (one
 * typed-array store, not four byte stores: each costs ~500 instructions on XS) and the packet is copied out whole.
 */
export class PacketImage {
  readonly bytes = new Uint8Array(MX_PORT_PACKET_SIZE);
  readonly words = new Uint32Array(this.bytes.buffer);
}

/*
 * The two copies between the kernel's 48 bytes and a caller's V2 packet argument: an mx_port_packet_t (its own
 * bytes) or anything else, which hal.copyBytes then accepts only as a genuine Uint8Array of at least 48 bytes.
 * False when the argument is neither (C's bad pointer). Set by the class below, the only code that can see its
 * private field.
 */
export let copyPacketIn: (kernelBytes: Uint8Array, src: unknown) => boolean;
export let copyPacketOut: (kernelBytes: Uint8Array, dst: unknown) => boolean;
/** A V2 packet argument's bytes as the data plane takes them: a packet's own array, or the argument itself. */
export let packetBytes: (p: unknown) => unknown;

export class mx_port_packet_t {
  /**
   * Private, behind a getter: the kernel copies into and out of exactly the array this packet was made with, and
   * `#bytes in p` recognises a packet without running any code of the caller's (a Proxy or a look-alike object
   * with this prototype is not one; `instanceof` would consult the Proxy and cost ~1,500 instructions on XS).
   */
  readonly #bytes = new Uint8Array(MX_PORT_PACKET_SIZE);
  #view: DataView | null = null;
  #user: mx_packet_user_t | null = null;
  #signal: mx_packet_signal_t | null = null;
  #interrupt: mx_packet_interrupt_t | null = null;

  static {
    // The brand test is written out in both: they are on every port round trip, and a call costs ~250 instructions.
    copyPacketIn = (kernelBytes, p) => {
      const src = typeof p === OBJECT && p !== null && #bytes in (p as object) ? (p as mx_port_packet_t).#bytes : p;
      return hal.copyBytes(kernelBytes, 0, src, 0, MX_PORT_PACKET_SIZE);
    };
    copyPacketOut = (kernelBytes, p) => {
      const dst = typeof p === OBJECT && p !== null && #bytes in (p as object) ? (p as mx_port_packet_t).#bytes : p;
      return hal.copyBytes(dst, 0, kernelBytes, 0, MX_PORT_PACKET_SIZE);
    };
    packetBytes = (p) => (typeof p === OBJECT && p !== null && #bytes in (p as object) ? (p as mx_port_packet_t).#bytes : p);
  }

  /** The whole packet, 48 bytes. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  #dv(): DataView {
    return (this.#view ??= new DataView(this.#bytes.buffer, this.#bytes.byteOffset, MX_PORT_PACKET_SIZE));
  }

  get key(): bigint {
    return this.#dv().getBigUint64(0, true);
  }
  set key(x: bigint) {
    this.#dv().setBigUint64(0, BigInt(x), true);
  }
  get type(): number {
    return this.#dv().getUint32(8, true);
  }
  set type(x: number) {
    this.#dv().setUint32(8, x >>> 0, true);
  }
  get status(): number {
    return this.#dv().getInt32(12, true);
  }
  set status(x: number) {
    this.#dv().setInt32(12, x | 0, true);
  }

  get user(): mx_packet_user_t {
    if (this.#user === null) {
      const buf = this.#bytes.buffer;
      this.#user = {
        u64: new BigUint64Array(buf, 16, 4),
        u32: new Uint32Array(buf, 16, 8),
        u16: new Uint16Array(buf, 16, 16),
        c8: new Uint8Array(buf, 16, 32),
      };
    }
    return this.#user;
  }

  get signal(): mx_packet_signal_t {
    return (this.#signal ??= new mx_packet_signal_t(this.#dv()));
  }

  get interrupt(): mx_packet_interrupt_t {
    return (this.#interrupt ??= new mx_packet_interrupt_t(this.#dv()));
  }
}

// Every process shares these classes (kernel/program.ts): frozen, so that none can change them for the others.
freezeDeep(mx_packet_signal_t);
freezeDeep(mx_packet_interrupt_t);
freezeDeep(mx_port_packet_t);
