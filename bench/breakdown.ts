/**
 * Where a port round trip and a channel round trip spend their instructions, step by step through the kernel:
 * each step the syscalls take (kernel_enter, argument checks, handle lookups, the packet and message copies, the
 * dispatcher work) is timed on its own with the same harness as the operations, so the profile's claims are
 * measured, not guessed. Device only; it reaches into kernel modules that programs must not import (the kernel's
 * public API has no way to time its own steps), and changes nothing in them.
 */
import { isU32, isU64 } from "../kernel/args.ts";
import type { ChannelDispatcher } from "../kernel/channel.ts";
import { kernel_enter } from "../kernel/clock.ts";
import { handleGet } from "../kernel/handle_table.ts";
import {
  mx_channel_create,
  mx_channel_read,
  mx_channel_write,
  mx_handle_close,
  mx_port_create,
  mx_port_packet_t,
  mx_port_queue,
  mx_port_wait,
  MX_CHANNEL_READABLE,
  MX_OBJ_TYPE_CHANNEL,
  MX_OBJ_TYPE_IOPORT,
  MX_OBJ_TYPE_IOPORT2,
  MX_PORT_OPT_V2,
  MX_RIGHT_READ,
  MX_RIGHT_WRITE,
} from "../kernel/index.ts";
import { copyPacketOut, PacketImage } from "../kernel/packet.ts";
import { type PortDispatcher, userPacket } from "../kernel/port.ts";
import { ok } from "./cases.ts";
import type { Case, Loop } from "./harness.ts";

export interface Step extends Case {
  /** The operation whose steps this belongs to. */
  group: string;
  /** What the step is, for the report. */
  what: string;
}

function nothing(): void {}

/** Module constants, against which the same literals written inline are compared. */
const NUMBER = "number";
const ZERO = 0n;

/** A V2 port and the objects the port steps use. */
function withPort(body: (port: number, d: PortDispatcher, packet: mx_port_packet_t, received: mx_port_packet_t) => (n: number) => void): () => Loop {
  return () => {
    const out = { value: 0 };
    ok(mx_port_create(MX_PORT_OPT_V2, out), "port_create");
    const port = out.value;
    const packet = new mx_port_packet_t();
    const received = new mx_port_packet_t();
    const run = body(port, handleGet(port, 0, 0) as PortDispatcher, packet, received);
    return { run, check() {}, teardown: () => ok(mx_handle_close(port), "handle_close") };
  };
}

/** A channel pair and the objects the channel steps use. */
function withChannel(body: (a: number, b: number, da: ChannelDispatcher, db: ChannelDispatcher) => (n: number) => void): () => Loop {
  return () => {
    const a = { value: 0 };
    const b = { value: 0 };
    ok(mx_channel_create(0, a, b), "channel_create");
    const run = body(a.value, b.value, handleGet(a.value, 0, 0) as ChannelDispatcher, handleGet(b.value, 0, 0) as ChannelDispatcher);
    return {
      run,
      check() {},
      teardown() {
        ok(mx_handle_close(a.value), "handle_close");
        ok(mx_handle_close(b.value), "handle_close");
      },
    };
  };
}

/** A loop with nothing to set up; its result is ignored (returning it keeps the loop's work observable). */
function plain(run: (n: number) => unknown): () => Loop {
  return () => ({
    run(n) {
      run(n);
    },
    check() {},
    teardown() {},
  });
}

/** The steps' byte buffers, made at first use: made while the module is preloaded, they would be read-only. */
let buffers: { src48: Uint8Array; dst48: Uint8Array; src64: Uint8Array; dst64: Uint8Array } | null = null;
const bytes = () =>
  (buffers ??= { src48: new Uint8Array(48), dst48: new Uint8Array(48), src64: new Uint8Array(64), dst64: new Uint8Array(64) });
const N = 300;

export const steps: Step[] = [
  {
    group: "js",
    name: "empty_call",
    what: "calling an empty JavaScript function",
    iterations: N,
    setup: plain((n) => {
      for (let i = 0; i < n; i++) nothing();
    }),
  },
  {
    group: "js",
    name: "native_now",
    what: "native.now() (a host function returning a bigint)",
    iterations: N,
    setup: plain((n) => {
      for (let i = 0; i < n; i++) native.now();
    }),
  },
  {
    group: "js",
    name: "typeof_literal",
    what: 'typeof v === "number", the string written inline',
    iterations: N,
    setup: plain((n) => {
      const v: unknown = 5;
      let flag = false;
      for (let i = 0; i < n; i++) flag = typeof v === "number";
      return flag;
    }),
  },
  {
    group: "js",
    name: "typeof_constant",
    what: "typeof v === NUMBER, the string held in a module constant",
    iterations: N,
    setup: plain((n) => {
      const v: unknown = 5;
      let flag = false;
      for (let i = 0; i < n; i++) flag = typeof v === NUMBER;
      return flag;
    }),
  },
  {
    group: "js",
    name: "bigint_literal",
    what: "evaluating the literal 0n",
    iterations: N,
    setup: plain((n) => {
      let big = 1n;
      for (let i = 0; i < n; i++) big = 0n;
      return big;
    }),
  },
  {
    group: "js",
    name: "bigint_constant",
    what: "reading 0n from a module constant",
    iterations: N,
    setup: plain((n) => {
      let big = 1n;
      for (let i = 0; i < n; i++) big = ZERO;
      return big;
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "kernel_enter",
    what: "kernel_enter() with nothing due (no deadline, no interrupt bound)",
    iterations: N,
    setup: plain((n) => {
      for (let i = 0; i < n; i++) kernel_enter();
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "isU32",
    what: "isU32(0) (kernel/args.ts)",
    iterations: N,
    setup: plain((n) => {
      for (let i = 0; i < n; i++) isU32(0);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "isU64",
    what: "isU64(0n) (kernel/args.ts; how deadlines are checked)",
    iterations: N,
    setup: plain((n) => {
      for (let i = 0; i < n; i++) isU64(0n);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "handleGet_v1_miss",
    what: "handleGet(V2 port, WRITE, IOPORT): a lookup that fails on the object type",
    iterations: N,
    setup: withPort((port) => (n) => {
      for (let i = 0; i < n; i++) handleGet(port, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "handleGet",
    what: "handleGet(V2 port, WRITE, IOPORT2): a successful lookup",
    iterations: N,
    setup: withPort((port) => (n) => {
      for (let i = 0; i < n; i++) handleGet(port, MX_RIGHT_WRITE, MX_OBJ_TYPE_IOPORT2);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "byteLength",
    what: "native.byteLength(Uint8Array) (hal.byteLength: is it a genuine Uint8Array, and how long)",
    iterations: N,
    setup: plain((n) => {
      const { src48 } = bytes();
      for (let i = 0; i < n; i++) native.byteLength(src48);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "copyBytes_48",
    what: "native.copyBytes(dst, 0, src, 0, 48) (hal.copyBytes: both checked, one memmove)",
    iterations: N,
    setup: plain((n) => {
      const { src48, dst48 } = bytes();
      for (let i = 0; i < n; i++) native.copyBytes(dst48, 0, src48, 0, 48);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "copyPacketOut",
    what: "copyPacketOut(bytes, mx_port_packet_t): the packet's brand check (#bytes in p) and the copy",
    iterations: N,
    setup: withPort((_port, _d, packet) => {
      const image = new PacketImage();
      return (n) => {
        for (let i = 0; i < n; i++) copyPacketOut(image.bytes, packet);
      };
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "set_48",
    what: "dst.set(src) of 48 B (XS 13.3 copies element by element between two arrays)",
    iterations: N,
    setup: plain((n) => {
      const { src48, dst48 } = bytes();
      for (let i = 0; i < n; i++) dst48.set(src48);
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "userPacket_dequeued",
    what: "userPacket(src) + dequeued(): a pooled packet record, 48 B copied in, returned to the pool",
    iterations: N,
    setup: withPort((_port, _d, packet) => (n) => {
      for (let i = 0; i < n; i++) userPacket(packet)!.dequeued();
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "dispatcher",
    what: "PortDispatcher.queue(userPacket(packet)) + take(dst): the port without the syscall layer",
    iterations: N,
    setup: withPort((_port, d, packet, received) => (n) => {
      for (let i = 0; i < n; i++) {
        d.queue(userPacket(packet)!);
        d.take(received, 0);
      }
    }),
  },
  {
    group: "port_v2_roundtrip",
    name: "syscalls",
    what: "mx_port_queue + mx_port_wait (the operation)",
    iterations: N,
    setup: withPort((port, _d, packet, received) => (n) => {
      for (let i = 0; i < n; i++) {
        mx_port_queue(port, packet, 0);
        mx_port_wait(port, 0n, received, 0);
      }
    }),
  },
  {
    group: "channel_64_roundtrip",
    name: "handleGet",
    what: "handleGet(channel, READ, CHANNEL): a successful lookup",
    iterations: N,
    setup: withChannel((a) => (n) => {
      for (let i = 0; i < n; i++) handleGet(a, MX_RIGHT_READ, MX_OBJ_TYPE_CHANNEL);
    }),
  },
  {
    group: "channel_64_roundtrip",
    name: "copyBytes_64",
    what: "native.copyBytes(dst, 0, src, 0, 64) (a message is copied in and out)",
    iterations: N,
    setup: plain((n) => {
      const { src64, dst64 } = bytes();
      for (let i = 0; i < n; i++) native.copyBytes(dst64, 0, src64, 0, 64);
    }),
  },
  {
    group: "channel_64_roundtrip",
    name: "set_64",
    what: "dst.set(src) of 64 B",
    iterations: N,
    setup: plain((n) => {
      const { src64, dst64 } = bytes();
      for (let i = 0; i < n; i++) dst64.set(src64);
    }),
  },
  {
    group: "channel_64_roundtrip",
    name: "tracker_update",
    what: "StateTracker.update: READABLE set then cleared, no observers",
    iterations: N,
    setup: withChannel((_a, _b, _da, db) => (n) => {
      const tracker = db.tracker;
      for (let i = 0; i < n; i++) {
        tracker.update(0, MX_CHANNEL_READABLE);
        tracker.update(MX_CHANNEL_READABLE, 0);
      }
    }),
  },
  {
    group: "channel_64_roundtrip",
    name: "dispatcher",
    what: "ChannelDispatcher.write + read: the channel without the syscall layer",
    iterations: N,
    setup: withChannel((_a, _b, da, db) => (n) => {
      const { src64, dst64 } = bytes();
      for (let i = 0; i < n; i++) {
        da.write(src64, 64, null, 0);
        db.read(dst64, null, 64, 0, null, null, false);
      }
    }),
  },
  {
    group: "channel_64_roundtrip",
    name: "syscalls",
    what: "mx_channel_write + mx_channel_read (the operation)",
    iterations: N,
    setup: withChannel((a, b) => (n) => {
      const { src64, dst64 } = bytes();
      for (let i = 0; i < n; i++) {
        mx_channel_write(a, 0, src64, 64, null, 0);
        mx_channel_read(b, 0, dst64, null, 64, 0, null, null);
      }
    }),
  },
];

/** The port round trip again, measured while an interrupt object is bound (every syscall then drains the ring). */
export function portRoundTripStep(): Step {
  return { ...steps.find((s) => s.group === "port_v2_roundtrip" && s.name === "syscalls")!, name: "syscalls_irq_bound", what: "mx_port_queue + mx_port_wait while one interrupt object is bound" };
}
