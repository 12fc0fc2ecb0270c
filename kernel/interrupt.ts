/**
 * Interrupt objects (this project's extension, after later Zircon): one object per board vector, bound to a port.
 *
 * The HAL's interrupt handlers only record (vector, timestamp); the kernel drains those records at syscall entry,
 * in its service routine and while a synchronous wait sleeps, and turns each into a packet. The object owns its one
 * packet, so an interrupt never allocates, and at most one is pending until mx_interrupt_ack re-arms it: records
 * that arrive meanwhile are dropped, as a masked line would drop them.
 *
 * Records go first to the data plane's sink (dataplane/dataplane.ts interruptBind): while the object and its port are
 * plain, the packet goes straight into the port's prefix there (and on the device a synchronous wait on that port is
 * served without coming back here); any other record comes to `sink` below.
 */
import {
  MX_ERR_ALREADY_BOUND,
  MX_ERR_BAD_STATE,
  MX_OBJ_TYPE_INTERRUPT,
  MX_OK,
  MX_PKT_TYPE_INTERRUPT,
} from "./constants.ts";
import { setInterruptDrain } from "./clock.ts";
import { Dispatcher } from "./dispatcher.ts";
import { hal } from "./platform.ts";
import { bindSlowPath, interruptBind as dpInterruptBind, interruptSink as dpInterruptSink, interruptUnbind as dpInterruptUnbind } from "#dataplane";
import { ImagePacket, type PortDispatcher } from "./port.ts";

/** The object's one packet, kept as it will be read: only the key (at bind) and the timestamp change. */
class InterruptPacket extends ImagePacket {
  constructor() {
    super();
    this.image.words[2] = MX_PKT_TYPE_INTERRUPT;
    this.image.words[3] = MX_OK;
  }
}

/** By vector number. An array, not a Map: the kernel is preloaded into read-only memory, where a Map created at
 * load time stays read-only, while XS copies a changed array into RAM. */
const byVector: (InterruptDispatcher | undefined)[] = [];
let bound = 0;
let lost = 0;

function sink(vector: number, timestamp: number): void {
  const d = byVector[vector];
  if (d !== undefined) d.fire(timestamp);
}

bindSlowPath("interruptSink", sink);

function drain(): void {
  lost += hal.drainInterrupts(dpInterruptSink);
}

export class InterruptDispatcher extends Dispatcher {
  private port: PortDispatcher | null = null;
  /** The object's one packet (the data plane reads and writes its `queued`). */
  readonly packet = new InterruptPacket();
  /** A packet went out and has not been acknowledged (the data plane reads it, and sets it when it queues). */
  pending = false;
  /** The data plane's binding, or -1. */
  private binding = -1;

  constructor(readonly vector: number) {
    super(MX_OBJ_TYPE_INTERRUPT, null);
    byVector[vector] = this;
  }

  fire(timestamp: number): void {
    if (this.port === null || this.pending || this.packet.queued) return;
    // A Uint32Array store takes its value modulo 2^32 and truncates: the two halves without fmod or floor.
    this.packet.image.words[4] = timestamp;
    this.packet.image.words[5] = timestamp / 0x1_0000_0000;
    this.pending = this.port.queue(this.packet) === MX_OK;
  }

  bind(port: PortDispatcher, keyLo: number, keyHi: number): number {
    if (this.port !== null) return MX_ERR_ALREADY_BOUND;
    this.port = port;
    this.packet.image.words[0] = keyLo;
    this.packet.image.words[1] = keyHi;
    if (port.dataIndex >= 0) this.binding = dpInterruptBind(this, this.vector, port.dataIndex, keyLo, keyHi);
    if (bound++ === 0) setInterruptDrain(drain);
    hal.interruptEnable(this.vector, true);
    return MX_OK;
  }

  ack(): number {
    if (this.port === null) return MX_ERR_BAD_STATE;
    this.pending = false;
    hal.interruptAck(this.vector);
    return MX_OK;
  }

  override onZeroHandles(): void {
    byVector[this.vector] = undefined;
    if (this.port === null) return;
    hal.interruptEnable(this.vector, false);
    if (this.binding >= 0) {
      dpInterruptUnbind(this.binding);
      this.binding = -1;
    }
    this.port.remove(this.packet);
    this.port = null;
    if (--bound === 0) setInterruptDrain(null);
  }
}

/** True if an interrupt object already exists for `vector`. */
export function interruptExists(vector: number): boolean {
  return byVector[vector] !== undefined;
}

/** Interrupt records the HAL lost to ring overflow so far. */
export function interruptsLost(): number {
  return lost;
}
