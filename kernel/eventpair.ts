/**
 * Event pairs: two linked events. Each side can signal the other (mx_object_signal_peer), and closing one side
 * asserts MX_EPAIR_PEER_CLOSED on the other while the bits already signalled there stay.
 */
import {
  MX_EPAIR_PEER_CLOSED,
  MX_EPAIR_SIGNALED,
  MX_OBJ_TYPE_EVENT_PAIR,
  MX_USER_SIGNAL_ALL,
} from "./constants.ts";
import { Dispatcher } from "./dispatcher.ts";
import { StateTracker } from "./state_tracker.ts";

const USER_MASK = MX_USER_SIGNAL_ALL | MX_EPAIR_SIGNALED;

export class EventPairDispatcher extends Dispatcher {
  peer: EventPairDispatcher | null = null;
  declare readonly tracker: StateTracker;

  constructor() {
    super(MX_OBJ_TYPE_EVENT_PAIR, new StateTracker(0));
  }

  override userSignalMask(): number {
    return USER_MASK;
  }

  override signalPeer(clear: number, set: number): number {
    return this.signalPeerOf(this.peer, clear, set);
  }

  override onZeroHandles(): void {
    const peer = this.peer;
    this.peer = null;
    if (peer !== null) {
      peer.peer = null;
      peer.tracker.update(0, MX_EPAIR_PEER_CLOSED);
    }
  }
}

export function eventPair(): [EventPairDispatcher, EventPairDispatcher] {
  const a = new EventPairDispatcher();
  const b = new EventPairDispatcher();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
