// The `slices` scenario: N peers run gossip and the slices service on an oracle ring; once gossip
// has its first estimates, one peer asks for --slices slices of --size peers each. With --churn S,
// sessions are exponential with median S seconds and each departure is replaced by a fresh peer,
// until the last --stable seconds; as churn stops, the first slice grows and the second shrinks by
// a tenth of --size. A checker looks at the keeper's records and every member's view each repair
// round: overlaps (a peer in two slices) over the whole run, and how many rounds after churn
// stopped each slice took to be full and a correct ring again.
import type { PeerId } from '../../core/id.js';
import { hashNameToId } from '../../core/id.js';
import type { OptionValues } from '../../core/options.js';
import { GossipService } from '../../gossip/service.js';
import { DIRECTORY_KEY_NAME, MAX_SLICE_SIZE, MAX_SLICES, REPAIR_PERIOD_MS } from '../../services/slices/constants.js';
import { SliceService } from '../../services/slices/service.js';
import { OracleNetwork, type OracleRing } from '../oracle-ring.js';
import { churningPopulation } from './population.js';
import { Simulator } from '../simulator.js';
import { drawAttributes } from './gossip.js';
import { defineScenario, NODES_OPTION, SEED_OPTION, type ScenarioResult } from './options.js';
import { checkSlices } from './slices-figures.js';

export const SLICES_OPTIONS = {
  seed: SEED_OPTION,
  nodes: { ...NODES_OPTION, default: 1000 },
  slices: { type: 'integer', default: 20, min: 1, max: MAX_SLICES, description: 'slices to create' },
  size: { type: 'integer', default: 20, min: 2, max: MAX_SLICE_SIZE, unit: 'peers', description: 'peers in each slice' },
  top: { type: 'number', default: 1, min: 0.1, max: 1, description: 'select only peers of this top fraction by storage offered' },
  seconds: { type: 'number', default: 600, min: 1, unit: 's', description: 'virtual seconds to run' },
  churn: { type: 'number', default: 0, min: 0, unit: 's', description: 'median session in seconds (exponential); 0 for no churn' },
  stable: { type: 'number', default: 120, min: 0, unit: 's', description: 'seconds at the end without churn' },
} as const;

export type SlicesScenarioOptions = OptionValues<typeof SLICES_OPTIONS>;

/** Slices are asked for once gossip has shown estimates (two epochs), or its deciles (eight) for --top. */
const CREATE_AT_MS = 60_000;
const CREATE_AT_TOP_MS = 240_000;
const DIRECTORY_KEY = hashNameToId(DIRECTORY_KEY_NAME);

interface SimPeer {
  gossip: GossipService;
  slices: SliceService;
  ring: OracleRing;
  startedMs: number;
  stop(): void;
}

export async function runSlices(o: SlicesScenarioOptions): Promise<ScenarioResult> {
  const sim = new Simulator({ seed: o.seed });
  const rng = sim.stream('slices-scenario');
  // Frames as checked objects (sim/oracle-ring.ts): the cost of 10,000 peers is per message.
  const net = new OracleNetwork(20, 5_000, 'values');
  const churnEndMs = Math.max(0, o.seconds - o.stable) * 1000;
  let membersLost = 0;
  const { peers, departures } = churningPopulation<SimPeer>({
    sim, rng, net, nodes: o.nodes, churnS: o.churn, churnEndMs,
    make: (node, ring, clock) => {
      const startedMs = clock.now();
      const own = drawAttributes(() => rng.next());
      const attributes = () => ({ ...own, uptimeS: (clock.now() - startedMs) / 1000 });
      const gossip = new GossipService({ ring, clock, rng: node.env.rng.fork('gossip'), attributes, sliceBy: 'storageOfferedBytes' });
      const slices = new SliceService({ ring, clock, rng: node.env.rng.fork('slices'), gossip, sliceBy: 'storageOfferedBytes' });
      gossip.start();
      slices.start();
      return { gossip, slices, ring, startedMs, stop: () => (gossip.stop(), slices.stop()) };
    },
    onLeave: (p) => void (p.slices.membership() && membersLost++),
  });

  const names = Array.from({ length: o.slices }, (_, i) => `s${i}`);
  const delta = Math.max(1, Math.round(o.size / 10));
  const client = (): SliceService => peers.values().next().value!.slices;
  const failures: string[] = [];
  const call = (what: string, fn: () => Promise<unknown>): Promise<void> => fn().then(() => undefined, (e: unknown) => void failures.push(`${what}: ${(e as Error).message}`));
  const createAtMs = o.top < 1 ? CREATE_AT_TOP_MS : CREATE_AT_MS;
  let created: Promise<void> = new Promise((resolve) => sim.schedule(createAtMs, resolve));
  const made = new Set<string>();
  for (const name of names) created = created.then(() => call(`create ${name}`, () => client().create({ name, owner: 'sim', size: o.size, top: o.top, by: 'storageOfferedBytes' }).then(() => made.add(name))));
  const targets = new Map(names.map((n) => [n, o.size]));
  if (names.length >= 2) {
    // Once churn has stopped and every slice was asked for: grow the first, shrink the second.
    const churnOver = new Promise<void>((resolve) => sim.schedule(churnEndMs, resolve));
    void Promise.all([created, churnOver]).then(() => {
      targets.set(names[0]!, o.size + delta).set(names[1]!, o.size - delta);
      return call('grow', () => client().resize(names[0]!, 'sim', delta)).then(() => call('shrink', () => client().resize(names[1]!, 'sim', -delta)));
    });
  }

  const keeper = (): SliceService | undefined => [...peers.values()].find((p) => p.ring.owns(DIRECTORY_KEY))?.slices;
  let overlapsMax = 0;
  let fillMin = 1;
  const settledRound = new Map<string, number>();
  let last = checkSlices([], peers);
  const settleFromMs = Math.max(createAtMs, churnEndMs);
  for (let t = createAtMs + REPAIR_PERIOD_MS; t <= o.seconds * 1000; t += REPAIR_PERIOD_MS) {
    sim.schedule(t, () => {
      const records = [...(keeper()?.directory.records.values() ?? [])].filter((r) => r.size === targets.get(r.name));
      last = checkSlices(records, peers);
      overlapsMax = Math.max(overlapsMax, last.overlaps);
      if (t >= createAtMs + 12 * REPAIR_PERIOD_MS && t < churnEndMs) fillMin = Math.min(fillMin, presentShare(peers.values(), made, targets));
      if (t < settleFromMs) return;
      for (const n of names) if (!settledRound.has(n) && last.consistent.get(n)) settledRound.set(n, Math.round((t - settleFromMs) / REPAIR_PERIOD_MS));
    });
  }
  await sim.runAsync({ untilMs: o.seconds * 1000 });

  const all = names.every((n) => last.consistent.get(n) === true);
  return {
    peers: peers.size,
    slicesConsistent: all,
    overlaps: overlapsMax,
    repairRoundsMax: settledRound.size === names.length ? Math.max(...settledRound.values()) : null,
    growShrinkOk: names.length >= 2 ? last.consistent.get(names[0]!) === true && last.consistent.get(names[1]!) === true : null,
    membersFillMinUnderChurn: o.churn > 0 ? Number(fillMin.toFixed(4)) : null,
    departures: departures(),
    membersLost,
    repairs: [...(keeper()?.directory.records.values() ?? [])].reduce((s, r) => s + r.repairs, 0),
    failures: failures.slice(0, 5),
    digest: sim.digest(),
  };
}

/**
 * Members present over members wanted, for the slices created so far: each slice's members counted
 * by what the live peers believe (a peer holding that slice's lease), at most its size. Counted from
 * the peers rather than the keeper's records, which a new keeper holds only once it has taken over.
 */
function presentShare(live: Iterable<SimPeer>, made: ReadonlySet<string>, targets: ReadonlyMap<string, number>): number {
  const believed = new Map<string, number>();
  for (const p of live) {
    const name = p.slices.membership()?.name;
    if (name !== undefined) believed.set(name, (believed.get(name) ?? 0) + 1);
  }
  let wanted = 0;
  let present = 0;
  for (const n of made) {
    const size = targets.get(n) ?? 0;
    wanted += size;
    present += Math.min(size, believed.get(n) ?? 0);
  }
  return wanted === 0 ? 1 : present / wanted;
}

export const SLICES_SCENARIO = defineScenario({
  description: 'peers gossip and keep customer slices on an oracle ring under churn; prints overlaps, repair rounds and grow/shrink',
  options: SLICES_OPTIONS,
  run: runSlices,
});
