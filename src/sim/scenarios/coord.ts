// The `coord` scenario: P ring peers (real ChordRing on the simulator) carry C clients that loop:
// acquire one of a few resources, hold it a random time, release, think, again. With
// --crash-owners the scenario crashes the current owner of a resource now and then (restarting
// it later with the same id) and isolates an owner with one other peer for a few seconds. The
// checker measures, in virtual time, how many clients believe they hold a resource at once: a
// client holds from the moment its Grant arrives until the earlier of its release and its local
// lease end. Any moment above capacity, and any fencing token not above every token granted
// before the request was sent, is a safety violation.
import { hashNameToId, idFromHex, type Id, type PeerId } from '../../core/id.js';
import { Mux } from '../../overlay/mux.js';
import { ChordRing } from '../../overlay/ring.js';
import type { CoordLease } from '../../services/coord/lease.js';
import { CoordService } from '../../services/coord/service.js';
import { emptyCoordStats, type CoordStats } from '../../services/coord/stats.js';
import { Simulator } from '../simulator.js';
import type { OptionValues } from '../../core/options.js';
import { MAX_CAPACITY } from '../../services/coord/constants.js';
import { defineScenario, SEED_OPTION, type ScenarioResult } from './options.js';

interface Peer {
  id: PeerId;
  ring: ChordRing;
  coord: CoordService;
  alive: boolean;
  /** Open holds of this peer's clients, closed at their local end if the peer crashes. */
  open: Set<Hold>;
}

interface Hold {
  resource: number;
  startMs: number;
  lease: CoordLease;
}

export interface CoordFigures extends ScenarioResult {
  clients: number;
  grants: number;
  refused: number;
  maxConcurrent: number;
  grantP50Ms: number;
  grantP99Ms: number;
  safetyViolations: number;
  tokenViolations: number;
  crashes: number;
  partitions: number;
  /** The event trace's digest: the same seed on the same code gives the same one. */
  digest: string;
}

/** Time for the ring to form before the clients start. */
const WARMUP_MS = 15_000;
/** How long a client waits for a slot in queue mode. */
const QUEUE_WAIT_MS = 5_000;

export const COORD_OPTIONS = {
  seed: SEED_OPTION,
  peers: { type: 'integer', default: 64, min: 1, unit: 'peers', description: 'ring peers; the clients are spread over them' },
  clients: { type: 'integer', default: 1000, min: 0, unit: 'clients', description: 'clients looping acquire, hold, release, think' },
  capacity: { type: 'integer', default: 3, min: 1, max: MAX_CAPACITY, description: 'capacity of each resource' },
  resources: { type: 'integer', default: 4, min: 1, description: 'resources the clients share' },
  mode: { type: 'choice', choices: ['queue', 'throttle'], default: 'queue', description: `queue: wait up to ${QUEUE_WAIT_MS / 1000} s for a slot; throttle: refuse at once when full` },
  crashOwners: { type: 'flag', description: 'crash resource owners now and then (back later with the same id) and cut owners off with one other peer' },
  seconds: { type: 'number', default: 60, min: 0, unit: 's', description: `virtual seconds of load after a ${WARMUP_MS / 1000} s warm-up` },
} as const;

export type CoordScenarioOptions = OptionValues<typeof COORD_OPTIONS>;


export async function runCoord(o: CoordScenarioOptions): Promise<CoordFigures> {
  const sim = new Simulator({ seed: o.seed });
  const rng = sim.stream('coord-scenario');
  const peers: Peer[] = [];
  const byId = new Map<PeerId, Peer>();
  const names = Array.from({ length: o.resources }, (_, i) => `res-${i}`);
  const intervals: Array<Array<[number, number]>> = names.map(() => []);
  const tokens: Array<Array<{ sentMs: number; gotMs: number; token: number }>> = names.map(() => []);
  const grantLatency: number[] = [];
  let refused = 0;
  const refusedBy: Record<string, number> = {};
  let crashes = 0;
  let partitions = 0;

  const allCoords: CoordService[] = [];
  const boot = (id: PeerId | null): Peer => {
    const node = id ? sim.restart(id, { keepStore: true }) : sim.addNode();
    const env = node.env;
    const mux = new Mux(env.net, { clock: env.clock });
    const ring = new ChordRing({ clock: env.clock, rng: env.rng, mux, self: node.id, ring: 'base' });
    const coord = new CoordService({ ring, clock: env.clock, rng: env.rng.fork('coord') });
    coord.start();
    allCoords.push(coord);
    const live = peers.filter((p) => p.alive && p.ring.isJoined());
    const via = live.length > 0 ? live[rng.int(live.length)]!.id : null;
    ring.join(via).catch(() => undefined);
    const peer: Peer = { id: node.id, ring, coord, alive: true, open: new Set() };
    byId.set(peer.id, peer);
    const at = peers.findIndex((p) => p.id === peer.id);
    if (at >= 0) peers[at] = peer;
    else peers.push(peer);
    return peer;
  };

  const closeHold = (h: Hold, atMs: number): void => {
    const end = Math.min(atMs, h.lease.validUntilMs);
    if (end > h.startMs) intervals[h.resource]!.push([h.startMs, end]);
  };

  /** One client: a loop of acquire, hold, release, think, on the peer it lives on. */
  const client = (peer: Peer): void => {
    const clock = sim.node(peer.id)!.env.clock;
    const loop = (): void => {
      if (!peer.alive) return;
      const r = rng.int(o.resources);
      const sentMs = clock.now();
      peer.coord
        .semaphore(names[r]!, { capacity: o.capacity })
        .acquire({ waitMs: o.mode === 'queue' ? QUEUE_WAIT_MS : 0 })
        .then((lease) => {
          if (!peer.alive) return;
          const hold: Hold = { resource: r, startMs: clock.now(), lease };
          peer.open.add(hold);
          grantLatency.push(clock.now() - sentMs);
          tokens[r]!.push({ sentMs, gotMs: clock.now(), token: lease.token });
          lease.onLost(() => {
            if (peer.open.delete(hold)) closeHold(hold, clock.now());
          });
          clock.setTimer(50 + rng.int(750), () => {
            if (!peer.open.delete(hold)) return;
            closeHold(hold, clock.now());
            void lease.release();
            clock.setTimer(rng.int(2000), loop);
          });
          // A lost lease ends the hold early; the loop resumes after the planned hold anyway.
          lease.onLost(() => clock.setTimer(rng.int(2000), loop));
        })
        .catch((e: unknown) => {
          refused++;
          const why = String((e as { reason?: string; code?: string }).reason ?? (e as { code?: string }).code);
          refusedBy[why] = (refusedBy[why] ?? 0) + 1;
          if (peer.alive) clock.setTimer(200 + rng.int(2000), loop);
        });
    };
    clock.setTimer(WARMUP_MS + rng.int(2000), loop);
  };

  const startClients = (peer: Peer, count: number): void => {
    for (let i = 0; i < count; i++) client(peer);
  };

  for (let i = 0; i < o.peers; i++) {
    sim.schedule(i * 100, () => boot(null));
  }
  sim.schedule(o.peers * 100 + 1, () => {
    peers.forEach((p, i) => startClients(p, Math.floor(o.clients / o.peers) + (i < o.clients % o.peers ? 1 : 0)));
  });

  const trueOwner = (key: Id): Peer | undefined => {
    const live = peers.filter((p) => p.alive && p.ring.isJoined()).sort((a, b) => (idFromHex(a.id) < idFromHex(b.id) ? -1 : 1));
    return live.find((p) => idFromHex(p.id) >= key) ?? live[0];
  };

  const crash = (p: Peer): void => {
    if (!p.alive) return;
    p.alive = false;
    crashes++;
    for (const h of p.open) closeHold(h, Infinity);
    p.open.clear();
    p.coord.stop();
    p.ring.stop();
    sim.crash(p.id);
  };

  if (o.crashOwners) {
    const chaos = (): void => {
      const victim = trueOwner(hashNameToId(names[rng.int(o.resources)]!));
      if (rng.next() < 0.6) {
        if (victim) {
          crash(victim);
          sim.schedule(3000 + rng.int(5000), () => {
            const back = boot(victim.id);
            sim.schedule(1000, () => startClients(back, Math.floor(o.clients / o.peers)));
          });
        }
      } else if (victim) {
        // Cut the owner off with one other peer: too few to replicate, so it must stop granting.
        const others = peers.filter((p) => p.alive && p !== victim);
        const buddy = others[rng.int(others.length)];
        sim.partition([[victim.id, ...(buddy ? [buddy.id] : [])]]);
        partitions++;
        sim.schedule(2000 + rng.int(4000), () => sim.heal());
      }
      sim.schedule(3000 + rng.int(4000), chaos);
    };
    sim.schedule(WARMUP_MS + 5000, chaos);
  }

  const endMs = WARMUP_MS + o.seconds * 1000;
  await sim.runAsync({ untilMs: endMs });
  for (const p of peers) {
    if (!p.alive) continue;
    for (const h of p.open) closeHold(h, endMs);
    p.alive = false;
  }

  const { maxConcurrent, violations } = sweep(intervals, o.capacity);
  const tokenViolations = tokens.reduce((n, list) => n + tokenProblems(list), 0);
  grantLatency.sort((a, b) => a - b);
  const pct = (q: number): number => (grantLatency.length === 0 ? 0 : grantLatency[Math.min(grantLatency.length - 1, Math.floor(q * grantLatency.length))]!);
  return {
    clients: o.clients,
    grants: grantLatency.length,
    refused,
    maxConcurrent,
    grantP50Ms: pct(0.5),
    grantP99Ms: pct(0.99),
    safetyViolations: violations + tokenViolations,
    tokenViolations,
    crashes,
    partitions,
    refusedBy,
    coordStats: sumStats(allCoords.map((c) => c.stats)),
    digest: sim.digest(),
  };
}

export const COORD_SCENARIO = defineScenario({
  description: 'clients acquire and release semaphores on a ring; a checker counts holders above capacity and tokens out of order',
  options: COORD_OPTIONS,
  run: runCoord,
});

function sumStats(list: CoordStats[]): CoordStats {
  const out = emptyCoordStats();
  for (const s of list) for (const k of Object.keys(out) as Array<keyof CoordStats>) out[k] += s[k];
  return out;
}

/** Peak number of overlapping holds per resource, and how many times a peak went above capacity. */
export function sweep(intervals: Array<Array<[number, number]>>, capacity: number): { maxConcurrent: number; violations: number } {
  let maxConcurrent = 0;
  let violations = 0;
  for (const list of intervals) {
    // Ends sort before starts at the same instant: a hold ending at t and one starting at t do not overlap.
    const evs = list.flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    for (const [, d] of evs) {
      n += d;
      if (d === 1 && n > capacity) violations++;
      maxConcurrent = Math.max(maxConcurrent, n);
    }
  }
  return { maxConcurrent, violations };
}

/** Grants whose token is not above every token received before their request was sent. */
export function tokenProblems(list: Array<{ sentMs: number; gotMs: number; token: number }>): number {
  const byGot = [...list].sort((a, b) => a.gotMs - b.gotMs);
  const bySent = [...list].sort((a, b) => a.sentMs - b.sentMs);
  let i = 0;
  let maxBefore = -1;
  let bad = 0;
  for (const g of bySent) {
    while (i < byGot.length && byGot[i]!.gotMs < g.sentMs) maxBefore = Math.max(maxBefore, byGot[i++]!.token);
    if (g.token <= maxBefore) bad++;
  }
  return bad;
}
