import assert from "node:assert/strict";
import {
  Channel,
  Event,
  kernel_stats,
  MX_CHANNEL_READABLE,
  MX_ERR_PEER_CLOSED,
  MX_ERR_TIMED_OUT,
  MX_EVENT_SIGNALED,
  MX_MSEC,
  MX_PKT_TYPE_SIGNAL_ONE,
  MX_PKT_TYPE_USER,
  MX_TIMER_SIGNALED,
  mx_deadline_after,
  MxError,
  Port,
  Timer,
} from "../../kernel/index.ts";

describe("object layer (Port, Channel, Event, Timer)", () => {
  let baseline = 0;
  beforeEach(() => {
    baseline = kernel_stats().handles;
  });
  afterEach(() => {
    assert.equal(kernel_stats().handles, baseline);
  });

  it("Port: user packets and watched events arrive in FIFO order", async () => {
    const port = Port.create();
    const e = Event.create();
    port.watch(e, MX_EVENT_SIGNALED, 1n);
    port.queue(2n, (u) => (u.u32[0] = 99));
    e.signal(MX_EVENT_SIGNALED);
    const first = await port.receive();
    assert.equal(first.type, MX_PKT_TYPE_USER);
    assert.equal(first.user.u32[0], 99);
    const second = await port.receive();
    assert.equal(second.type, MX_PKT_TYPE_SIGNAL_ONE);
    assert.equal(second.key, 1n);
    assert.equal(port.unwatch(e, 1n), false);
    await assert.rejects(port.receive(0n), (err: unknown) => err instanceof MxError && err.status === MX_ERR_TIMED_OUT);
    e.close();
    port.close();
  });

  it("Channel: messages with handles, receive waits, PEER_CLOSED at the end", async () => {
    const [a, b] = Channel.pair();
    const e = Event.create();
    const got = b.receive();
    a.write(Uint8Array.of(1, 2, 3), [e]);
    assert.equal(e.handle, 0);
    const msg = await got;
    assert.deepStrictEqual(Array.from(msg.bytes), [1, 2, 3]);
    assert.equal(msg.handles.length, 1);
    const moved = new Event(msg.handles[0]);
    moved.signal(MX_EVENT_SIGNALED);
    assert.equal((await moved.wait(MX_EVENT_SIGNALED)) & MX_EVENT_SIGNALED, MX_EVENT_SIGNALED);
    assert.equal(b.read(), null);
    a.write(new Uint8Array(0));
    a.close();
    assert.equal((await b.wait(MX_CHANNEL_READABLE)) & MX_CHANNEL_READABLE, MX_CHANNEL_READABLE);
    assert.equal((await b.receive()).bytes.length, 0);
    await assert.rejects(b.receive(), (err: unknown) => err instanceof MxError && err.status === MX_ERR_PEER_CLOSED);
    moved.close();
    b.close();
    b.close();
  });

  it("Timer: a one-shot timer signals", async () => {
    const t = Timer.create();
    t.start(mx_deadline_after(MX_MSEC(2)));
    assert.equal((await t.wait(MX_TIMER_SIGNALED)) & MX_TIMER_SIGNALED, MX_TIMER_SIGNALED);
    t.cancel();
    await assert.rejects(t.wait(MX_TIMER_SIGNALED, 0n), MxError);
    t.close();
  });
});
