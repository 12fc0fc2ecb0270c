/**
 * A FIFO of the calls blocked on one object: port waiters in arrival order (the first gets the next packet),
 * channel_call callers (the first whose txid matches gets the reply).
 *
 * Intrusive, so blocking allocates nothing beyond the waiter itself: each waiter carries its own links and a flag
 * saying it is on the queue, which makes removal safe from every path that can end a wait (a packet, the deadline,
 * the handle closing) in any order. As in the state tracker, a removed waiter keeps its `next`, so a walk that ends
 * waits (and may run a caller's setter, which may end others) goes on from it; walks skip waiters no longer `queued`.
 */
export interface Queued<T> {
  prev: T | null;
  next: T | null;
  queued: boolean;
}

export class WaiterQueue<T extends Queued<T>> {
  head: T | null = null;
  private tail: T | null = null;

  append(w: T): void {
    w.prev = this.tail;
    w.next = null;
    if (this.tail === null) this.head = w;
    else this.tail.next = w;
    this.tail = w;
    w.queued = true;
  }

  /** Takes `w` off the queue; nothing if it is not on it. */
  remove(w: T): void {
    if (!w.queued) return;
    w.queued = false;
    if (w.prev === null) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = null;
  }
}
