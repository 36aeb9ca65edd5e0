// How peers come and go in the storage scenario. Two shapes:
// - sessions: Weibull (shape 0.6) sessions and downtimes of a median length; a share of the
//   departures lose their store for good, the others come back later with it (same id).
// - waves: every waveMinS to waveMaxS seconds, one to wavePeers peers crash (SIGKILL: the store is
//   lost) and are replaced at once by new identities with empty stores, as a closed browser tab
//   comes back as a new peer. At 10 peers, 1-2 departures every 15-30 s is a session of a few
//   minutes: what issue 18 saw with tabs and Node volunteers on one server.
import type { PeerId } from '../../core/id.js';
import type { SeededRng } from '../../env/rng.js';
import { ChurnDriver } from '../churn.js';
import type { Simulator } from '../simulator.js';
import type { StorageCluster } from './storage.js';

/** The waves' options, shared by `sim storage --shape waves` and `bench churn` (real tabs and volunteers). */
export const WAVE_OPTIONS = {
  waveMinS: { type: 'number', default: 15, min: 0.001, unit: 's', description: 'waves: shortest time between waves' },
  waveMaxS: { type: 'number', default: 30, min: 0.001, unit: 's', description: 'waves: longest time between waves' },
  wavePeers: { type: 'integer', default: 2, min: 1, unit: 'peers', description: 'waves: most peers one wave takes' },
} as const;

export interface ChurnShape {
  shape: 'sessions' | 'waves';
  nodes: number;
  /** sessions: median session and downtime, in s. */
  churn: number;
  /** sessions: share of departures that lose their store. */
  crashShare: number;
  waveMinS: number;
  waveMaxS: number;
  wavePeers: number;
}

export interface Churn {
  stop(): void;
  /** Departures so far. */
  readonly departures: number;
}

/** Start the population and its churn; the scenario's own rng decides the sessions shape, as it always did. */
export function startChurn(sim: Simulator, cluster: StorageCluster, rng: SeededRng, o: ChurnShape): Churn {
  return o.shape === 'waves' ? startWaves(sim, cluster, o) : startSessions(sim, cluster, rng, o);
}

function startSessions(sim: Simulator, cluster: StorageCluster, rng: SeededRng, o: ChurnShape): Churn {
  const away: PeerId[] = [];
  const churn = new ChurnDriver<PeerId>({
    sim, population: o.nodes, label: 'storage',
    session: { kind: 'weibull', shape: 0.6, medianMs: o.churn * 1000 },
    downtime: { kind: 'weibull', shape: 0.6, medianMs: o.churn * 1000 },
    join: () => (away.length > 0 && rng.next() < 0.5 ? cluster.add(away.splice(rng.int(away.length), 1)[0]!) : cluster.add()),
    leave: (id) => {
      const keep = rng.next() >= o.crashShare;
      cluster.crash(id, keep);
      if (keep) away.push(id);
    },
  });
  churn.start();
  return { stop: () => churn.stop(), get departures() { return churn.leaves; } };
}

function startWaves(sim: Simulator, cluster: StorageCluster, o: ChurnShape): Churn {
  const rng = sim.stream('storage-waves');
  for (let i = 0; i < o.nodes; i++) cluster.add();
  let stopped = false;
  let departures = 0;
  const wave = (): void => {
    if (stopped) return;
    const n = 1 + rng.int(o.wavePeers);
    for (let k = 0; k < n; k++) {
      const live = [...cluster.services.keys()] as PeerId[];
      if (live.length <= 1) break;
      cluster.crash(live[rng.int(live.length)]!, false);
      departures++;
    }
    for (let k = 0; k < n; k++) cluster.add();
    next();
  };
  const next = (): void => sim.schedule((o.waveMinS + rng.next() * (o.waveMaxS - o.waveMinS)) * 1000, wave);
  next();
  return { stop: () => void (stopped = true), get departures() { return departures; } };
}
