/**
 * Events: an object that is nothing but signals. Users may set MX_EVENT_SIGNALED and the user signals.
 */
import { MX_EVENT_SIGNAL_MASK, MX_OBJ_TYPE_EVENT } from "./constants.ts";
import { Dispatcher } from "./dispatcher.ts";
import { StateTracker } from "./state_tracker.ts";

export class EventDispatcher extends Dispatcher {
  constructor() {
    super(MX_OBJ_TYPE_EVENT, new StateTracker(0));
  }
  override userSignalMask(): number {
    return MX_EVENT_SIGNAL_MASK;
  }
}
