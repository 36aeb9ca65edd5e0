// Proves the overlay signal service delivers signal messages to the addressed peer only, drops and
// counts malformed or misaddressed ones, answers a peer it cannot route to through the relays that
// peer named (its linked successors first), and carries a real WebRTC link set-up end to end.
import { afterAll, describe, expect, it } from 'vitest';
import { WIRE_VERSION, type Envelope } from '../../core/envelope.js';
import type { PeerId } from '../../core/id.js';
import type { RingPort } from '../../overlay/port.js';
import { OverlaySignaler, SIGNAL_SVC } from './overlay.js';
import type { SignalMessage } from './messages.js';
import { createIdentity, type Identity } from '../../runtime/identity.js';
import { CryptoRng } from '../../runtime/rng.js';
import { loopbackNet } from '../../runtime/test-util/loopback.js';
import { shutdownNodeRtc } from '../../runtime/node-rtc.js';

/** Rings that hand envelopes straight to each other on a later turn, as a one-hop overlay would (the part of the port signal uses). */
class FakeRings {
  private readonly handlers = new Map<PeerId, (env: Envelope) => void>();
  /** Sends per (from, op), to see which path a message took. */
  readonly log: string[] = [];
  ring(self: PeerId, links?: { linked: PeerId[]; oldest: PeerId[]; routable?: PeerId[]; succs?: PeerId[] }): Pick<RingPort, 'self' | 'send' | 'onService' | 'isLinked' | 'links' | 'successors' | 'predecessor'> & { inject(env: Envelope): void } {
    return {
      self,
      send: (peer, svc, op, body) => {
        const h = this.handlers.get(peer);
        // With links given, only linked peers (and those listed routable) can be reached.
        if (!h || (links && !links.linked.includes(peer) && !links.routable?.includes(peer))) return false;
        this.log.push(`${self.slice(0, 4)}>${peer.slice(0, 4)}:${op}`);
        const env: Envelope = { v: WIRE_VERSION, mid: 1, src: self, dst: peer, to: 'peer', ring: 'base', svc, op, hops: 1, ttl: 32, body: structuredClone(body) };
        setTimeout(() => h(env), 0);
        return true;
      },
      onService: (svc, h) => {
        if (svc === SIGNAL_SVC) this.handlers.set(self, h);
        return () => this.handlers.delete(self);
      },
      inject: (env) => this.handlers.get(self)?.(env),
      isLinked: (peer) => (links ? links.linked.includes(peer) : this.handlers.has(peer)),
      links: () => links?.oldest ?? [],
      successors: () => links?.succs ?? [],
      predecessor: () => null,
    };
  }
}

const ids = (): Identity => createIdentity(new CryptoRng());

/** A handler that records senders, and a way to await the next one. */
function inbox(): { from: PeerId[]; msgs: SignalMessage[]; handle(from: PeerId, m: SignalMessage): void; next(): Promise<PeerId> } {
  const waiters: Array<(p: PeerId) => void> = [];
  const box = {
    from: [] as PeerId[],
    msgs: [] as SignalMessage[],
    handle(from: PeerId, m: SignalMessage) {
      box.from.push(from);
      box.msgs.push(m);
      waiters.shift()?.(from);
    },
    next: () => new Promise<PeerId>((resolve) => waiters.push(resolve)),
  };
  return box;
}
afterAll(() => shutdownNodeRtc());

const candidate = (sid: string): SignalMessage => ({ v: 1, type: 'candidate', sid, candidate: 'a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host', mid: '0' });

type RingLinks = { linked: PeerId[]; oldest: PeerId[]; routable?: PeerId[]; succs?: PeerId[] };

/** Peers A and B and a relay R on FakeRings with the links given; exchange() sends A→B, then B→A. */
function trio(links: (a: PeerId, b: PeerId, r: PeerId) => [RingLinks, RingLinks, RingLinks]) {
  const rings = new FakeRings();
  const [a, b, r] = [ids().id, ids().id, ids().id];
  const [la, lb, lr] = links(a, b, r);
  const sa = new OverlaySignaler(rings.ring(a, la));
  const sb = new OverlaySignaler(rings.ring(b, lb));
  new OverlaySignaler(rings.ring(r, lr));
  const atA = inbox();
  const atB = inbox();
  sa.setHandler(atA.handle);
  sb.setHandler(atB.handle);
  const exchange = async (m: SignalMessage) => {
    sa.send(b, m);
    expect(await atB.next()).toBe(a);
    sb.send(a, m);
    expect(await atA.next()).toBe(b);
    expect(atA.msgs).toEqual([m]);
  };
  return { rings, a, b, r, sa, sb, exchange };
}

describe('OverlaySignaler', () => {
  it('delivers to the addressed peer and drops malformed or misaddressed envelopes', async () => {
    const rings = new FakeRings();
    const a = ids();
    const b = ids();
    const sa = new OverlaySignaler(rings.ring(a.id));
    const rb = rings.ring(b.id);
    const sb = new OverlaySignaler(rb);
    const atB = inbox();
    sb.setHandler(atB.handle);
    const cand: SignalMessage = { v: 1, type: 'candidate', sid: 's1', candidate: 'a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host', mid: '0' };
    sa.send(b.id, cand);
    expect(await atB.next()).toBe(a.id);
    expect(atB.msgs).toEqual([cand]);
    const base = { v: WIRE_VERSION, mid: 2, src: a.id, dst: b.id, to: 'peer', ring: 'base', svc: SIGNAL_SVC, hops: 1, ttl: 8 } as const;
    rb.inject({ ...base, op: 'candidate', body: { m: { ...cand, sdp: 'extra' } } });
    rb.inject({ ...base, op: 'offer', body: { m: cand } });
    rb.inject({ ...base, op: 'candidate', body: cand });
    rb.inject({ ...base, op: 'candidate', dst: a.id, body: { m: cand } });
    expect(atB.msgs).toHaveLength(1);
    expect(sb.stats).toMatchObject({ delivered: 1, badMessages: 3, misaddressed: 1 });
    sa.send(ids().id, cand);
    expect(sa.stats.unroutable).toBe(1);
  });

  it('answers a peer it has no link to through the relay that peer named', async () => {
    const rings = new FakeRings();
    const [a, b, r] = [ids(), ids(), ids()];
    // A has just joined: its only link is R. B cannot route to A, so it must use A's hint.
    const sa = new OverlaySignaler(rings.ring(a.id, { linked: [r.id, b.id], oldest: [r.id] }));
    const sb = new OverlaySignaler(rings.ring(b.id, { linked: [r.id], oldest: [r.id] }));
    new OverlaySignaler(rings.ring(r.id, { linked: [a.id, b.id], oldest: [] }));
    const atA = inbox();
    const atB = inbox();
    sa.setHandler(atA.handle);
    sb.setHandler(atB.handle);
    const cand = (sid: string): SignalMessage => ({ v: 1, type: 'candidate', sid, candidate: 'a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host', mid: '0' });
    sa.send(b.id, cand('x'));
    expect(await atB.next()).toBe(a.id);
    sb.send(a.id, cand('y'));
    expect(await atA.next()).toBe(b.id);
    expect(atA.msgs).toEqual([cand('y')]);
    expect(sb.stats.viaRelay).toBe(1);
    expect(rings.log.slice(1)).toEqual([`${b.id.slice(0, 4)}>${r.id.slice(0, 4)}:relay`, `${r.id.slice(0, 4)}>${a.id.slice(0, 4)}:relayed`]);
  });

  it('answers a peer not in place yet through its relay, routed there when not linked to it', async () => {
    // A has joined but is not in place: the route toward it ends elsewhere. Its only link is R,
    // which B can route to but has no link with.
    const t = trio((a, b, r) => [{ linked: [r], oldest: [r], routable: [b] }, { linked: [], oldest: [], routable: [r] }, { linked: [a], oldest: [] }]);
    await t.exchange(candidate('o'));
    expect([t.sb.stats.viaRelay, t.sb.stats.unroutable]).toEqual([1, 0]);
    expect(t.rings.log.slice(1)).toEqual([`${t.b.slice(0, 4)}>${t.r.slice(0, 4)}:relay`, `${t.r.slice(0, 4)}>${t.a.slice(0, 4)}:relayed`]);
  });

  it('names its linked successors as its relays before older links, which may be closing', async () => {
    // A, not in place, walks back along the ring: its new successor X is not linked yet, the one
    // before, S, is, and O is an older link (a successor A has left behind). B routes to S and O.
    const rings = new FakeRings();
    const [a, b, s, o, x] = [ids().id, ids().id, ids().id, ids().id, ids().id];
    const sa = new OverlaySignaler(rings.ring(a, { linked: [o, s], oldest: [o, s], routable: [b], succs: [x, s] }));
    const sb = new OverlaySignaler(rings.ring(b, { linked: [], oldest: [], routable: [s, o] }));
    new OverlaySignaler(rings.ring(s, { linked: [a], oldest: [a] }));
    new OverlaySignaler(rings.ring(o, { linked: [a], oldest: [a] }));
    const atA = inbox();
    const atB = inbox();
    sa.setHandler(atA.handle);
    sb.setHandler(atB.handle);
    sa.send(b, candidate('p'));
    expect(await atB.next()).toBe(a);
    sb.send(a, candidate('q'));
    expect(await atA.next()).toBe(b);
    expect(rings.log).toEqual([`${a.slice(0, 4)}>${b.slice(0, 4)}:candidate`, `${b.slice(0, 4)}>${s.slice(0, 4)}:relay`, `${s.slice(0, 4)}>${a.slice(0, 4)}:relayed`]);
  });

  it('sends through its own link when it cannot route, and is answered the same way', async () => {
    const t = trio((a, b, r) => [{ linked: [r], oldest: [r] }, { linked: [r], oldest: [] }, { linked: [a, b], oldest: [] }]);
    // B names no relays and cannot reach A; the relay that brought A's message is the way back.
    await t.exchange(candidate('z'));
    expect([t.sa.stats.viaRelay, t.sb.stats.viaRelay, t.sb.stats.unroutable]).toEqual([1, 1, 0]);
  });

  it('reaches a peer of another ring through the peer of that ring it met, and is answered back the same way', async () => {
    const rings = new FakeRings();
    const [a, b, c] = [ids(), ids(), ids()];
    // A (one ring) is linked to C (the other ring) only; B, of C's ring, is not linked to C but
    // routes to it, and its own routes toward A's id end elsewhere.
    const sa = new OverlaySignaler(rings.ring(a.id, { linked: [c.id], oldest: [c.id] }));
    const sb = new OverlaySignaler(rings.ring(b.id, { linked: [], oldest: [], routable: [c.id] }));
    new OverlaySignaler(rings.ring(c.id, { linked: [a.id], oldest: [a.id], routable: [b.id] }));
    const atA = inbox();
    const atB = inbox();
    sa.setHandler(atA.handle);
    sb.setHandler(atB.handle);
    const cand = (sid: string): SignalMessage => ({ v: 1, type: 'candidate', sid, candidate: 'a=candidate:1 1 UDP 1 127.0.0.1 5000 typ host', mid: '0' });
    sa.relayThrough([b.id], c.id);
    sa.send(b.id, cand('m'));
    expect(await atB.next()).toBe(a.id);
    sb.send(a.id, cand('n'));
    expect(await atA.next()).toBe(b.id);
    const [ash, bsh, csh] = [a.id.slice(0, 4), b.id.slice(0, 4), c.id.slice(0, 4)];
    expect(rings.log).toEqual([`${ash}>${csh}:relay`, `${csh}>${bsh}:relayed`, `${bsh}>${csh}:relay`, `${csh}>${ash}:relayed`]);
  });

  it('carries a WebRTC link set-up between two Nets', async () => {
    const rings = new FakeRings();
    const a = ids();
    const b = ids();
    const na = loopbackNet(new OverlaySignaler(rings.ring(a.id)), a);
    const nb = loopbackNet(new OverlaySignaler(rings.ring(b.id)), b);
    const upAtB = new Promise<PeerId>((r) => nb.setHandler({ onLinkUp: r, onLinkDown: () => {}, onMessage: () => {} }));
    na.connect(b.id);
    expect(await upAtB).toBe(a.id);
    na.close();
    nb.close();
  });
});
