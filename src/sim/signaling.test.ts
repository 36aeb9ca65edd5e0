// Proves simulated links are set up by offer and answer as real peers set them up: a joiner's first
// link through the server and every later one through the overlay (answers reaching joiners not in
// place yet, also while they walk back along a fast-growing ring), glare settled to one link, an
// offer to a peer that is gone failing after its retry, and NAT types deciding which links are
// relayed.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { LINK_CONNECT_TIMEOUT_MS, type LinkDownReason } from '../env/ports.js';
import { withDefaults } from '../core/options.js';
import { RoutedSignaler } from '../services/signal/routed.js';
import { OVERLAY_OPTIONS, runOverlay } from './scenarios/overlay.js';
import { SignaledNet } from './signaled-net.js';
import { DEFAULT_SIGNALING, SimSignaling } from './signaling.js';
import { Simulator } from './simulator.js';

/** Two or more nodes whose Nets signal through the simulated server only (no overlay yet). */
function serverOnly(count: number, seed = 7) {
  const sim = new Simulator({ seed });
  const signaling = new SimSignaling(sim, { ...DEFAULT_SIGNALING, symmetricNatShare: 0 });
  const peers = Array.from({ length: count }, () => {
    const node = sim.addNode();
    const signaler = new RoutedSignaler(node.id);
    signaler.setServer(signaling.connect(node.index, node.id));
    const net = new SignaledNet(node.env.net, node.index, signaler, node.env.clock, signaling, (id) => sim.indexOf(id));
    const seen = { ups: [] as PeerId[], downs: [] as Array<[PeerId, LinkDownReason]> };
    net.setHandler({ onLinkUp: (p) => seen.ups.push(p), onLinkDown: (p, why) => seen.downs.push([p, why]), onMessage: () => {} });
    return { node, net, signaler, seen };
  });
  return { sim, signaling, peers };
}

describe('signaled links', () => {
  it('signal a joiner\'s first link through the server and every later one through the overlay', () => {
    const r = runOverlay(withDefaults(OVERLAY_OPTIONS, { nodes: 40, lookups: 100, seed: 1 }));
    expect([r.ringConsistent, r.success]).toEqual([true, 1]);
    // One server-signaled link per joiner (its bootstrap); answers to joiners not in place yet
    // reach them through their relays, so no offer waits out the connect timeout.
    expect([r.linksViaServer, r.answerTimeouts]).toEqual([39, 0]);
    expect(r.linksViaOverlay).toBeGreaterThan(5 * 39);
  });

  it('bring every answer back to a joiner through the peers it names as its relays', () => {
    // 200 peers growing fast: joiners whose first successor is out of date walk back along the
    // ring, one closer successor at a time. Each answer comes back through a relay the joiner named.
    // Naming its oldest links lost answers with seed 2 (51 offers timed out, a joiner 17.8 s out
    // of place): the successor it had just left behind released their link. A bootstrap that
    // released its link to a joiner before the joiner's successor was linked lost them with seed 3.
    for (const seed of [2, 3]) {
      const r = runOverlay(withDefaults(OVERLAY_OPTIONS, { nodes: 200, lookups: 50, seed }));
      expect([r.ringConsistent, r.success, r.answerTimeouts], `seed ${seed}`).toEqual([true, 1, 0]);
      // No joiner waited out an offer's connect timeout before it was in place.
      expect(r.joinStabilizeMsMax, `seed ${seed}`).toBeLessThan(LINK_CONNECT_TIMEOUT_MS);
    }
  });

  it('settle glare to one link, up on both sides', () => {
    const { sim, signaling, peers } = serverOnly(2);
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    a.net.connect(b.node.id);
    b.net.connect(a.node.id);
    sim.run({ forMs: 2_000 });
    expect([a.seen.ups, b.seen.ups]).toEqual([[b.node.id], [a.node.id]]);
    expect([a.net.isLinked(b.node.id), b.net.isLinked(a.node.id)]).toEqual([true, true]);
    // Both offered, one offer was answered; the link counts once, under the server.
    expect([signaling.stats.offers, signaling.stats.answers, signaling.stats.directLinks]).toEqual([2, 1, 1]);
    expect(a.signaler.stats.linksViaServer + b.signaler.stats.linksViaServer).toBe(1);
  });

  it('fail an offer to a peer that is gone once its retry has timed out too', () => {
    const { sim, signaling, peers } = serverOnly(2);
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    sim.crash(b.node.id);
    a.net.connect(b.node.id);
    sim.run({ forMs: 30_000 });
    expect(a.seen.downs).toEqual([[b.node.id, 'connect-failed']]);
    expect([signaling.stats.offers, signaling.stats.retries, signaling.stats.serverDropped]).toEqual([2, 1, 2]);
  });

  it('relay the links of peers behind a symmetric NAT, and only those', () => {
    const none = runOverlay(withDefaults(OVERLAY_OPTIONS, { nodes: 20, lookups: 20, seed: 2, symmetricNat: 0 }));
    const all = runOverlay(withDefaults(OVERLAY_OPTIONS, { nodes: 20, lookups: 20, seed: 2, symmetricNat: 1 }));
    expect([none.relayedLinkShare, none.relayKBps]).toEqual([0, 0]);
    expect(all.relayedLinkShare).toBe(1);
    expect(all.relayKBps).toBeGreaterThan(0);
    const sim = new Simulator({ seed: 3 });
    const s = new SimSignaling(sim, { ...DEFAULT_SIGNALING, symmetricNatShare: 0.5 });
    const nats = Array.from({ length: 200 }, (_, i) => s.natOf(i));
    for (let a = 0; a < 20; a++) {
      for (let b = 0; b < 20; b++) expect(s.relayed(a, b)).toBe(nats[a] === 'symmetric' || nats[b] === 'symmetric');
    }
    expect(new Set(nats)).toEqual(new Set(['open', 'full-cone', 'port-restricted', 'symmetric']));
  });
});
