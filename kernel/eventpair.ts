/**
 * Event pairs: two linked events. Each side can signal the other (mx_object_signal_peer), and closing one side
 * asserts MX_EPAIR_PEER_CLOSED on the other while the bits already signalled there stay.
 */
import {
  MX_EPAIR_PEER_CLOSED,
  MX_EPAIR_SIGNALED,
  MX_ERR_INVALID_ARGS,
  MX_ERR_PEER_CLOSED,
  MX_OBJ_TYPE_EVENT_PAIR,
  MX_OK,
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
    if (((clear | set) & ~USER_MASK) !== 0) return MX_ERR_INVALID_ARGS;
    if (this.peer === null) return MX_ERR_PEER_CLOSED;
    this.peer.tracker.update(clear, set);
    return MX_OK;
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
