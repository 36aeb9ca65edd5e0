// A churning population of simulated peers on an oracle ring, for the gossip and slices
// scenarios: N peers started over RAMP_MS, sessions exponential with median `churnS` seconds
// (none when 0) until churnEndMs, each departure a crash replaced at once by a fresh peer.
import type { PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import { sessionSampler } from '../churn.js';
import type { SeededRng } from '../../env/rng.js';
import { OracleRing, type OracleNetwork } from '../oracle-ring.js';
import type { SimNode } from '../node.js';
import type { Simulator } from '../simulator.js';

/** Peers are started over this long, as a cloud's first volunteers would arrive. */
const RAMP_MS = 5_000;

export interface PopulationPeer {
  startedMs: number;
  /** Stop the peer's services (it is about to crash). */
  stop(): void;
}

export interface PopulationOptions<P extends PopulationPeer> {
  sim: Simulator;
  rng: SeededRng;
  net: OracleNetwork;
  nodes: number;
  churnS: number;
  churnEndMs: number;
  /** Build and start one peer's services on its ring. */
  make: (node: SimNode, ring: OracleRing, clock: Clock) => P;
  /** Called with a peer as it departs, before it stops. */
  onLeave?: (p: P) => void;
}

export function churningPopulation<P extends PopulationPeer>(o: PopulationOptions<P>): { peers: Map<PeerId, P>; departures: () => number } {
  const peers = new Map<PeerId, P>();
  const session = o.churnS > 0 ? sessionSampler({ kind: 'exponential', medianMs: o.churnS * 1000 }, o.rng) : null;
  let departures = 0;
  const add = (): void => {
    const node = o.sim.addNode();
    const clock = node.env.clock;
    const ring = new OracleRing(o.net, node.id, clock);
    o.net.add(ring);
    const p = o.make(node, ring, clock);
    peers.set(node.id, p);
    if (session) {
      const leaveMs = session();
      if (p.startedMs + leaveMs < o.churnEndMs) o.sim.schedule(leaveMs, () => leave(node.id));
    }
  };
  const leave = (id: PeerId): void => {
    const p = peers.get(id);
    if (!p) return;
    o.onLeave?.(p);
    p.stop();
    peers.delete(id);
    o.net.crash(id, (ms, fn) => o.sim.schedule(ms, fn));
    o.sim.crash(id);
    departures++;
    add();
  };
  for (let i = 0; i < o.nodes; i++) o.sim.schedule(Math.floor((i * RAMP_MS) / o.nodes), add);
  return { peers, departures: () => departures };
}
