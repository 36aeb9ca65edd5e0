// Proves WebRtcNet sets up real identity-bound data channel links on loopback (and tells how they
// connected, and how many connections it made), carries frames in
// order with backpressure, ends simultaneous connects in one link, refuses forged identities
// and misbehaving peers while staying up, and drops a link whose peer went silent after we sent to it.
import { afterAll, describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import type { LinkDownReason, NetHandler } from '../env/ports.js';
import { FrameTooLargeError } from '../core/errors.js';
import { MemorySignalHub } from './memory-signaler.js';
import { loopbackNet } from './test-util/loopback.js';
import { shutdownNodeRtc } from './node-rtc.js';
import { createIdentity } from './identity.js';
import { CryptoRng } from './rng.js';
import type { WebRtcNet } from './webrtc-net.js';
import { SendQueueFullError } from './link.js';

type Event = { kind: 'up' | 'down' | 'msg'; peer: PeerId; reason?: LinkDownReason; frame?: Uint8Array };

function recorder(net: WebRtcNet): { events: Event[]; next: (pred: (e: Event) => boolean) => Promise<Event> } {
  const events: Event[] = [];
  const waiters: Array<{ pred: (e: Event) => boolean; resolve: (e: Event) => void }> = [];
  const push = (e: Event) => {
    events.push(e);
    for (const w of [...waiters]) if (w.pred(e)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(e));
  };
  const h: NetHandler = {
    onLinkUp: (peer) => push({ kind: 'up', peer }),
    onLinkDown: (peer, reason) => push({ kind: 'down', peer, reason }),
    onMessage: (peer, frame) => push({ kind: 'msg', peer, frame: new Uint8Array(frame) }),
  };
  net.setHandler(h);
  return {
    events,
    next: (pred) => {
      const seen = events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

const nets: WebRtcNet[] = [];
function make(hub: MemorySignalHub, ...rest: Parameters<typeof loopbackNet> extends [unknown, ...infer R] ? R : never): WebRtcNet {
  const id = rest[0] ?? createIdentity(new CryptoRng());
  const net = loopbackNet(hub.signaler(id.id), id, rest[1]);
  nets.push(net);
  return net;
}

afterAll(() => {
  for (const n of nets) n.close();
  shutdownNodeRtc();
});

describe('WebRtcNet on loopback', () => {
  it('links two peers and carries 64 KiB frames in order under backpressure', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub);
    const b = make(hub);
    const ra = recorder(a);
    const rb = recorder(b);
    a.connect(b.self);
    await ra.next((e) => e.kind === 'up' && e.peer === b.self);
    await rb.next((e) => e.kind === 'up' && e.peer === a.self);
    expect(a.links()).toEqual([b.self]);
    expect(b.isLinked(a.self)).toBe(true);
    // How it connected is read from the selected candidate pair: host addresses on loopback.
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (a.kinds.counts.host + a.kinds.counts.unknown > 0) (clearInterval(t), resolve()); }, 20); });
    expect(a.linkKind(b.self)).toBe('host');
    expect(a.stats.setups).toBe(1);
    // 400 × 64 KiB is 25 MiB, three times what a link queues: the sender must meet a full
    // queue (a SendQueueFullError it sees) and wait for room, and nothing may be lost.
    const count = 400;
    let queueFull = 0;
    for (let i = 0; i < count; ) {
      const f = new Uint8Array(64 * 1024).fill(i & 0xff);
      f[0] = i & 0xff;
      f[1] = i >> 8;
      try {
        expect(a.send(b.self, f)).toBe(true);
        i++;
      } catch (e) {
        expect(e).toBeInstanceOf(SendQueueFullError);
        queueFull++;
        await a.whenWritable(b.self);
      }
    }
    expect(queueFull).toBeGreaterThan(0);
    const last = await rb.next((e) => e.kind === 'msg' && e.frame![0] === ((count - 1) & 0xff) && e.frame![1] === (count - 1) >> 8);
    expect(last.frame!.length).toBe(64 * 1024);
    const order = rb.events.filter((e) => e.kind === 'msg').map((e) => e.frame![0]! + (e.frame![1]! << 8));
    expect(order).toEqual([...Array(count).keys()]);
    expect(() => a.send(b.self, new Uint8Array(64 * 1024 + 1))).toThrow(FrameTooLargeError);
    a.disconnect(b.self);
    await rb.next((e) => e.kind === 'down' && e.peer === a.self);
    expect(b.isLinked(a.self)).toBe(false);
  });

  it('ends a simultaneous connect from both sides with one link', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub);
    const b = make(hub);
    const ra = recorder(a);
    const rb = recorder(b);
    a.connect(b.self);
    b.connect(a.self);
    await ra.next((e) => e.kind === 'up');
    await rb.next((e) => e.kind === 'up');
    a.send(b.self, Uint8Array.of(7));
    await rb.next((e) => e.kind === 'msg');
    expect(ra.events.filter((e) => e.kind === 'up')).toHaveLength(1);
    expect(rb.events.filter((e) => e.kind === 'up')).toHaveLength(1);
    expect(ra.events.filter((e) => e.kind === 'down')).toHaveLength(0);
  });

  it('refuses an offer whose key does not hash to the claimed id', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub, undefined, { connectTimeoutMs: 1500 });
    const b = make(hub);
    const mallory = createIdentity(new CryptoRng());
    const ra = recorder(a);
    recorder(b);
    // The tap swaps a's public key for mallory's: the signature no longer binds to a's id.
    hub.tap = (from, _to, msg) => (from === a.self && msg.type === 'offer' ? { ...msg, publicKey: Buffer.from(mallory.publicKey).toString('hex') } : msg);
    a.connect(b.self);
    const down = await ra.next((e) => e.kind === 'down');
    expect(down.reason).toBe('connect-failed');
    expect(b.stats.refusedIdentity).toBeGreaterThanOrEqual(1);
    expect(b.links()).toEqual([]);
  });

  it('disconnects and counts a peer that sends garbage, and keeps serving others', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub);
    const b = make(hub);
    const c = make(hub);
    const ra = recorder(a);
    const rb = recorder(b);
    const rc = recorder(c);
    b.connect(a.self);
    c.connect(a.self);
    await rb.next((e) => e.kind === 'up');
    await rc.next((e) => e.kind === 'up');
    await ra.next((e) => e.kind === 'up' && e.peer === c.self);
    // Reach under the Net to write a frame with an unknown kind byte, as a hostile peer would.
    const link = (b as unknown as { open: Map<PeerId, { link: { channel: { send(d: Uint8Array): void } } }> }).open.get(a.self)!;
    link.link.channel.send(Uint8Array.of(9, 9, 9));
    const down = await ra.next((e) => e.kind === 'down' && e.peer === b.self);
    expect(down.reason).toBe('refused');
    expect(a.stats.misbehaviour.garbage).toBe(1);
    c.send(a.self, Uint8Array.of(1, 2, 3));
    const m = await ra.next((e) => e.kind === 'msg' && e.peer === c.self);
    expect([...m.frame!]).toEqual([1, 2, 3]);
  });

  it('disconnects and counts a peer that sends an oversize frame', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub);
    const b = make(hub);
    const ra = recorder(a);
    const rb = recorder(b);
    b.connect(a.self);
    await rb.next((e) => e.kind === 'up');
    const raw = (b as unknown as { open: Map<PeerId, { link: { channel: { send(d: Uint8Array): void } } }> }).open.get(a.self)!;
    raw.link.channel.send(new Uint8Array(64 * 1024 + 2));
    const down = await ra.next((e) => e.kind === 'down' && e.peer === b.self);
    expect(down.reason).toBe('refused');
    expect(a.stats.misbehaviour.oversize).toBe(1);
    expect(ra.events.filter((e) => e.kind === 'msg')).toHaveLength(0);
  });

  it('disconnects a peer that floods past the inbound frame rate', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub, undefined, { limits: { maxInboundFramesPerSec: 1, inboundBurstFrames: 10 } });
    const b = make(hub);
    const ra = recorder(a);
    const rb = recorder(b);
    b.connect(a.self);
    await rb.next((e) => e.kind === 'up');
    for (let i = 0; i < 50; i++) b.send(a.self, Uint8Array.of(i));
    const down = await ra.next((e) => e.kind === 'down' && e.peer === b.self);
    expect(down.reason).toBe('refused');
    expect(a.stats.misbehaviour.flood).toBe(1);
    expect(a.stats.peersDisconnected).toBe(1);
  });

  it('drops a link whose peer went silent after we sent to it (a killed process leaves its channel open)', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub, undefined, { keepAliveIntervalMs: 200, unansweredLinkMs: 600 });
    // b never pings: as a SIGKILLed peer, it stays silent while its channel looks open to a.
    const b = make(hub, undefined, { keepAliveIntervalMs: 1e9, deadLinkMs: 1e9 });
    const ra = recorder(a);
    recorder(b);
    a.connect(b.self);
    await ra.next((e) => e.kind === 'up' && e.peer === b.self);
    expect(a.send(b.self, Uint8Array.of(1))).toBe(true);
    const down = await ra.next((e) => e.kind === 'down' && e.peer === b.self);
    expect(down.reason).toBe('timeout');
    expect(a.isLinked(b.self)).toBe(false);
  });

  it('keeps a link that carries data one way only while its peer pings', async () => {
    const hub = new MemorySignalHub();
    const a = make(hub, undefined, { keepAliveIntervalMs: 200, unansweredLinkMs: 600 });
    const b = make(hub, undefined, { keepAliveIntervalMs: 200 });
    const ra = recorder(a);
    const rb = recorder(b);
    a.connect(b.self);
    await ra.next((e) => e.kind === 'up' && e.peer === b.self);
    // Twenty frames 100 ms apart span three unanswered periods; b only pings back.
    for (let i = 0; i < 20; i++) {
      expect(a.send(b.self, Uint8Array.of(i))).toBe(true);
      await rb.next((e) => e.kind === 'msg' && e.frame![0] === i);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ra.events.filter((e) => e.kind === 'down')).toEqual([]);
    expect(a.isLinked(b.self)).toBe(true);
  });
});
