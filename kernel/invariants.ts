/**
 * The invariant walker: `kernel_check()` walks every structure of the kernel and returns what is inconsistent
 * (nothing, in a healthy kernel). For tests and diagnostics: the fuzzer runs it after every step, the exhaustion
 * tests after every limit they hit. It allocates and takes time in proportion to the kernel's size, so it is never
 * called by the kernel itself.
 *
 * What it checks: the handle table's own bookkeeping; every handle names an object whose handle count is the number
 * of handles naming it; every travelling handle sits in exactly one queued message, and every handle in a message
 * is travelling; each object's own rules (signals that mirror state, queues, peers, waiters that still wait,
 * observers of live waits and ports); the deadline list is sorted, holds only live waits and timers with handles,
 * and the alarm is armed no later than its head. A dead port's observers are allowed until the next state change of
 * the object they watch: Magenta retires them then, when their packet cannot be queued.
 */
import { checkDeadlines } from "./clock.ts";
import { ChannelDispatcher } from "./channel.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { handleSlots, handleTableProblems } from "./handle_table.ts";

const MAX_PROBLEMS = 20;

export function kernel_check(): string[] {
  const problems: string[] = [];
  const report = (p: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  handleTableProblems(report);
  const named = new Map<Dispatcher, number>();
  const inTransit = new Set<number>();
  handleSlots((value, d, travelling) => {
    if (d === null) return report(`handle ${value} names no object`);
    named.set(d, (named.get(d) ?? 0) + 1);
    if (travelling) inTransit.add(value);
  });
  const inMessages: number[] = [];
  let i = 0;
  for (const [d, handles] of named) {
    const name = `object ${i++} (type ${d.type})`;
    if (d.handleCount !== handles) report(`${name}: handle count ${d.handleCount}, named by ${handles} handles`);
    d.checkInvariants(name, report);
    if (d instanceof ChannelDispatcher) d.checkMessages(name, report, inMessages);
  }
  const seen = new Set<number>();
  for (const h of inMessages) {
    if (seen.has(h)) report(`handle ${h} travels in two messages`);
    seen.add(h);
    if (!inTransit.has(h)) report(`handle ${h} is in a message but not travelling`);
  }
  for (const h of inTransit) if (!seen.has(h)) report(`handle ${h} is travelling but in no message`);
  checkDeadlines(report);
  return problems;
}
