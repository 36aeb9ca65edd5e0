// Link set-up as real peers do it, on the simulator: the rendezvous server that carries a peer's
// first offers and answers, the NAT type of each simulated peer, and the figures a run reports.
// The Net that runs the offer/answer exchange over them is signaled-net.ts; the overlay half of
// the path is the real RoutedSignaler and OverlaySignaler (src/services/signal/).
//
// What is modelled: every link needs an offer from one side and an answer from the other, carried
// by the server (client → server → client, each leg with the server's latency and a chance of
// loss; a peer that is down is not connected to the server, so its messages are dropped there) or
// through the overlay (the ring's own links, with their latency). Only once the answer is back
// does the link's connectivity check run (the simulator's plain connect, one round trip). A link
// between two peers of which either sits behind a symmetric NAT cannot be hole-punched and goes
// through a TURN relay: it is counted as relayed, and every byte sent on it as relay bandwidth.
// Not modelled: trickled ICE candidates (the simulated offer carries what a link needs), the
// signatures over the DTLS fingerprint (real peers check them in WebRtcNet), and relay capacity.
import type { PeerId } from '../core/id.js';
import type { SeededRng } from '../env/rng.js';
import type { SignalMessage, Signaler } from '../services/signal/messages.js';
import { sampleLatency, type LatencyModel } from './network.js';
import type { Simulator } from './simulator.js';

export type NatType = 'open' | 'full-cone' | 'port-restricted' | 'symmetric';

export interface SignalingOptions {
  /** One-way latency between a peer and the rendezvous server, drawn per message leg. */
  serverLatency: LatencyModel;
  /** Probability that a message through the server is lost (a WebSocket that dropped it). */
  serverLossRate: number;
  /** Share of peers behind a symmetric NAT; the rest are spread evenly over the other types. */
  symmetricNatShare: number;
}

/**
 * A fifth of peers behind a symmetric NAT makes about a third of links relayed (1 - 0.8²), within
 * the range deployments report (most links of ../shared/seeds/004 needed TURN; js-libp2p measures
 * hole punching failing about 30% of the time).
 */
export const DEFAULT_SIGNALING: SignalingOptions = {
  serverLatency: { kind: 'uniform', minMs: 10, maxMs: 60 },
  serverLossRate: 0,
  symmetricNatShare: 0.2,
};

/** Figures of a run's link set-ups, summed over its peers. */
export interface SignalingStats {
  /** Offers sent (each a peer connection made by the offerer) and offers answered (one by the answerer). */
  offers: number;
  answers: number;
  /** Attempts whose answer did not come within the connect timeout, and retries after them. */
  answerTimeouts: number;
  retries: number;
  /** Messages the server carried, and those it lost or could not deliver (target gone). */
  serverMessages: number;
  serverDropped: number;
  /** Links that came up, by how they connected. */
  directLinks: number;
  relayedLinks: number;
  /** Bytes sent over relayed links: what the relays carried. */
  relayBytes: number;
}

export function newSignalingStats(): SignalingStats {
  return { offers: 0, answers: 0, answerTimeouts: 0, retries: 0, serverMessages: 0, serverDropped: 0, directLinks: 0, relayedLinks: 0, relayBytes: 0 };
}

const OTHER_NATS: NatType[] = ['open', 'full-cone', 'port-restricted'];

/** The simulated rendezvous server and every peer's NAT type. */
export class SimSignaling {
  readonly stats = newSignalingStats();
  /** Server-side handlers by node index: a peer is connected to the server while its node is up. */
  private readonly handlers = new Map<number, (from: PeerId, msg: SignalMessage) => void>();
  private readonly nats: NatType[] = [];

  constructor(
    private readonly sim: Simulator,
    readonly opts: SignalingOptions = DEFAULT_SIGNALING,
    private readonly rng: SeededRng = sim.stream('signaling'),
  ) {}

  /** The NAT type of node index, drawn when first asked for in index order (so it depends on the seed only). */
  natOf(index: number): NatType {
    while (this.nats.length <= index) {
      const r = this.rng.next();
      const share = this.opts.symmetricNatShare;
      this.nats.push(r < share ? 'symmetric' : OTHER_NATS[Math.min(2, Math.floor(((r - share) / (1 - share)) * 3))]!);
    }
    return this.nats[index]!;
  }

  /** Whether a link between nodes a and b must go through a relay (either behind a symmetric NAT). */
  relayed(a: number, b: number): boolean {
    return this.natOf(a) === 'symmetric' || this.natOf(b) === 'symmetric';
  }

  /** Connect node index (whose id is self) to the server: the Signaler its RoutedSignaler uses as the server path. */
  connect(index: number, self: PeerId): Signaler {
    const sim = this.sim;
    return {
      send: (to, msg) => {
        this.stats.serverMessages++;
        const toIndex = sim.indexOf(to);
        const lost = this.opts.serverLossRate > 0 && this.rng.next() < this.opts.serverLossRate;
        // The hello proved our id: the server stamps it as `from`. Two legs, each with its latency.
        const delayMs = sampleLatency(this.opts.serverLatency, this.rng) + sampleLatency(this.opts.serverLatency, this.rng);
        if (lost || toIndex < 0 || sim.ups[index] !== 1) return void this.stats.serverDropped++;
        sim.schedule(delayMs, () => {
          const h = this.handlers.get(toIndex);
          if (h === undefined || sim.ups[toIndex] !== 1) return void this.stats.serverDropped++;
          h(self, msg);
        });
      },
      setHandler: (fn) => void this.handlers.set(index, fn),
    };
  }

  /** Node index went away: its server connection closes. */
  disconnect(index: number): void {
    this.handlers.delete(index);
  }
}
