/**
 * A program that tries to reach what a process must not (test/device/isolation.spec.ts): every probe answers a
 * string, "refused: ..." or what it reached, and the answers go back over the start channel as JSON.
 */
import { MX_OK, mx_port_packet_t, type Vdso } from "../../../kernel/program.ts";
import { helperInstances } from "./attacker_helper.ts";

type Probes = Record<string, string>;

function attempt(f: () => unknown): string {
  try {
    const v = f();
    return `reached: ${typeof v === "function" ? "a function" : String(v)}`;
  } catch (e) {
    return `refused: ${(e as Error).name}`;
  }
}

async function attemptImport(specifier: string): Promise<string> {
  try {
    const ns = (await import(specifier)) as Record<string, unknown>;
    return `reached: ${Object.keys(ns).slice(0, 3).join(",")}`;
  } catch (e) {
    return `refused: ${(e as Error).name}`;
  }
}

/** Globals a process must not see (the kernel's, the HAL's, the test harness's, XS's host ones). */
const FORBIDDEN_GLOBALS = ["native", "trace", "dataplane", "harden", "lockdown", "describe", "it", "kernel_check", "mx_port_create", "print", "gc"];

export default async function main(sys: Vdso, start: number): Promise<number> {
  const g = globalThis as Record<string, unknown>;
  const probes: Probes = {};
  for (const name of FORBIDDEN_GLOBALS) probes[`global ${name}`] = typeof g[name];
  probes["globals it has"] = ["console", "TextEncoder", "TextDecoder", "Compartment", "Array", "Promise"].map((n) => typeof g[n]).join(",");
  probes["console holds"] = Object.getOwnPropertyNames(g.console as object).join(",");
  // What every process's global inherits (the intrinsics, console, the text classes) is one object all share.
  const shared = Object.getPrototypeOf(globalThis) as Record<string, unknown>;
  probes["shared global changed"] = attempt(() => (shared.console = { log: () => 0 }));
  probes["shared global added to"] = attempt(() => (shared.pwned = 1));
  probes["console.log replaced"] = attempt(() => ((g.console as Record<string, unknown>).log = () => 0));
  for (const specifier of ["kernel/index", "kernel/handle_table", "kernel/process", "#dataplane", "#hal", "hal/uart", "mc/config", "kernel/constants"]) {
    probes[`import ${specifier}`] = await attemptImport(specifier);
  }
  probes["import kernel/program"] = await attemptImport("kernel/program");
  probes["own module, fresh"] = String(helperInstances());
  probes["grandchild compartment imports kernel/index"] = attempt(() =>
    new (g.Compartment as new (o: object) => { importNow(s: string): unknown })({ modules: { k: { namespace: "kernel/index" } } }).importNow("k"),
  );
  probes["Array.prototype changed"] = attempt(() => ((Array.prototype as unknown as Record<string, unknown>).pwned = 1));
  probes["Object.prototype changed"] = attempt(() => ((Object.prototype as Record<string, unknown>).pwned = 1));
  probes["Promise.prototype.then replaced"] = attempt(() => ((Promise.prototype as unknown as Record<string, unknown>).then = () => 0));
  probes["Function constructor"] = attempt(() => new Function("return globalThis.native")());
  probes["syscall's constructor"] = attempt(() => (sys.mx_handle_close.constructor as FunctionConstructor)("return 1")());
  probes["eval"] = attempt(() => (0, eval)("1"));
  const proto = Object.getPrototypeOf(sys) as Record<string, unknown>;
  probes["vdso frozen"] = String(Object.isFrozen(sys) && Object.isFrozen(proto));
  probes["vdso changed"] = attempt(() => ((sys as unknown as Record<string, unknown>).mx_handle_close = () => 0));
  probes["vdso prototype changed"] = attempt(() => (proto.mx_handle_close = 1));
  const lazy = Object.getPrototypeOf(proto) as { constructor: { get(v: unknown, n: string): unknown } };
  probes["vdso getter on a forged object"] = attempt(() => lazy.constructor.get({}, "mx_handle_close"));
  probes["entry slowPath called directly"] = attempt(() => ((sys.mx_port_queue as unknown as Record<string, (...a: unknown[]) => number>).slowPath(1, null, 0)));
  probes["packet class frozen"] = String(Object.isFrozen(mx_port_packet_t) && Object.isFrozen(mx_port_packet_t.prototype));
  probes["packet class changed"] = attempt(() => ((mx_port_packet_t.prototype as unknown as Record<string, unknown>).key = 1));
  probes["mx_time_get changed"] = attempt(() => ((sys.mx_time_get as unknown as Record<string, unknown>).pwned = 1));
  probes["handle 1 in its table"] = String(sys.mx_handle_close(1));
  // What the kernel hands it: out-parameters get plain values, awaitable calls plain promises, packets its own bytes.
  const written: string[] = [];
  const spy = {
    get value(): number {
      return 0;
    },
    set value(v: unknown) {
      written.push(`${typeof v}${typeof v === "object" && v !== null ? `:${Object.getOwnPropertyNames(v).join("/")}` : ""}`);
    },
  };
  const event = { value: 0 };
  sys.mx_event_create(0, event);
  sys.mx_event_create(0, spy);
  sys.mx_channel_create(0, spy, spy);
  sys.mx_object_wait_one(event.value, 1, 0n, spy);
  const items = [{ handle: event.value, waitfor: 1, pending: 0 }];
  sys.mx_object_wait_many(items, 1, 0n);
  written.push(typeof items[0].pending);
  probes["out-parameters receive"] = [...new Set(written)].join(",");
  const pending = sys.awaitable.mx_nanosleep(0n);
  probes["awaitable gives"] = String(Object.getPrototypeOf(pending) === Promise.prototype && Reflect.ownKeys(pending).length === 0);
  probes["awaitable resolves to"] = typeof (await pending);
  const packet = new mx_port_packet_t();
  const port = { value: 0 };
  sys.mx_port_create(1, port);
  sys.mx_port_queue(port.value, packet, 0);
  sys.mx_port_wait(port.value, 0n, packet, 0);
  probes["a packet received holds"] = Reflect.ownKeys(packet).map(String).join(",");
  const report = new TextEncoder().encode(JSON.stringify(probes));
  return sys.mx_channel_write(start, 0, report, report.length, null, 0) === MX_OK ? 0 : 1;
}
