// The `gossip` scenario: N peers run the gossip layer (peer sampling, aggregation, ordered
// slicing) on an oracle ring (sim/oracle-ring.ts: one-hop delivery by peer id, frames through the
// codec, crashes detected after a delay). With --churn S, sessions are exponential with median S
// seconds and every departure (a crash) is replaced by a fresh peer, for all but the last
// --stable seconds. A checker samples every live peer's estimates every 10 s after the first
// minute and compares them with the truth; the figures are the median and worst peer's error
// while stable (the last sample) and the worst such figures under churn.
import type { OptionValues } from '../../core/options.js';
import { ATTRIBUTE_LIMITS, type Attributes } from '../../gossip/attributes.js';
import { GossipService } from '../../gossip/service.js';
import { logValue } from '../../gossip/quantiles.js';
import { OracleNetwork } from '../oracle-ring.js';
import { churningPopulation } from './population.js';
import { Simulator } from '../simulator.js';
import { defineScenario, NODES_OPTION, SEED_OPTION, type ScenarioResult } from './options.js';
import { gossipFigures, type PeerRecord } from './gossip-figures.js';

export const GOSSIP_OPTIONS = {
  seed: SEED_OPTION,
  nodes: { ...NODES_OPTION, default: 1000 },
  seconds: { type: 'number', default: 600, min: 1, unit: 's', description: 'virtual seconds to run' },
  churn: { type: 'number', default: 0, min: 0, unit: 's', description: 'median session in seconds (exponential); 0 for no churn' },
  stable: { type: 'number', default: 120, min: 0, unit: 's', description: 'seconds at the end without churn, where the stable figures are taken' },
  liars: { type: 'number', default: 0, min: 0, max: 1, description: 'fraction of peers that report absurd attributes (1e18 of everything)' },
  noTrim: { type: 'flag', description: 'turn trimming off (clamp to the schema limits only), to measure what trimming saves' },
  frames: { type: 'choice', choices: ['values', 'bytes'], default: 'values', description: 'frames as checked objects, or through the msgpack codec too (same run, slower; see sim/oracle-ring.ts)' },
} as const;

export type GossipScenarioOptions = OptionValues<typeof GOSSIP_OPTIONS>;

/** When sampling starts: the bounds hold "after 60 s". */
const FIRST_SAMPLE_MS = 60_000;
const SAMPLE_EVERY_MS = 10_000;
const GiB = 2 ** 30;

/** Honest attributes drawn for one peer: a few cores, storage offered log-uniform from 1 GiB to 4 TiB. */
export function drawAttributes(next: () => number): Omit<Attributes, 'uptimeS'> {
  const storageOfferedBytes = Math.round(GiB * Math.pow(4096, next()));
  return {
    cores: [1, 2, 4, 8, 16][Math.floor(next() * 5)]!,
    storageOfferedBytes,
    storageUsedBytes: Math.round(storageOfferedBytes * next()),
    tasksRunning: Math.floor(next() * 8),
  };
}

export async function runGossip(o: GossipScenarioOptions): Promise<ScenarioResult> {
  const sim = new Simulator({ seed: o.seed });
  const rng = sim.stream('gossip-scenario');
  const net = new OracleNetwork(20, 5_000, o.frames);
  const churnEndMs = Math.max(0, o.seconds - o.stable) * 1000;
  let sent = 0;
  let peerMs = 0;

  const { peers, departures } = churningPopulation<PeerRecord & { stop(): void }>({
    sim, rng, net, nodes: o.nodes, churnS: o.churn, churnEndMs,
    make: (node, ring, clock) => {
      const startedMs = clock.now();
      const liar = rng.next() < o.liars;
      const honest = drawAttributes(() => rng.next());
      const reported = liar ? { cores: 1e18, storageOfferedBytes: 1e18, storageUsedBytes: 1e18, tasksRunning: 1e18 } : honest;
      const gossip = new GossipService({ ring, clock, rng: node.env.rng, attributes: () => ({ ...reported, uptimeS: (clock.now() - startedMs) / 1000 }), sliceBy: 'storageOfferedBytes', trim: !o.noTrim });
      gossip.start();
      return { id: node.id, gossip, honest, liar, startedMs, sliceU: logValue(Math.min(reported.storageOfferedBytes, ATTRIBUTE_LIMITS.storageOfferedBytes)), stop: () => gossip.stop() };
    },
    onLeave: (p) => {
      sent += p.gossip.counters.sent;
      peerMs += sim.now() - p.startedMs;
    },
  });

  const samples: Array<{ atMs: number; churning: boolean; figures: ReturnType<typeof gossipFigures.sample> }> = [];
  const sampleAt = (ms: number): void => {
    sim.schedule(ms - sim.now(), () => samples.push({ atMs: ms, churning: o.churn > 0 && ms < churnEndMs, figures: gossipFigures.sample([...peers.values()]) }));
  };
  for (let t = FIRST_SAMPLE_MS; t <= o.seconds * 1000; t += SAMPLE_EVERY_MS) sampleAt(t);
  await sim.runAsync({ untilMs: o.seconds * 1000 });

  const live = [...peers.values()];
  for (const p of live) {
    sent += p.gossip.counters.sent;
    peerMs += sim.now() - p.startedMs;
  }
  return gossipFigures.summary({ samples, live, sentMessages: sent, peerSeconds: peerMs / 1000, departures: departures(), digest: sim.digest() });
}

export const GOSSIP_SCENARIO = defineScenario({
  description: 'peers gossip (sampling, aggregation, slicing) on an oracle ring; prints the estimates\' errors, traffic and the sample\'s spread',
  options: GOSSIP_OPTIONS,
  run: runGossip,
});
