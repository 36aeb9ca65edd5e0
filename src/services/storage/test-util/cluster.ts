// What the storage service's simulated tests share: a cluster of storage peers on one simulator,
// and bytes that do not repeat within a chunk.
import type { PeerId } from '../../../core/id.js';
import { settle } from '../../../sim/settle.js';
import { StorageCluster } from '../../../sim/scenarios/storage.js';
import { Simulator } from '../../../sim/simulator.js';

export interface ClusterOptions {
  nodes?: number;
  quotaBytes?: number;
  /** 3,600,000 for tests that call repair rounds by hand. */
  repairPeriodMs?: number;
}

/** `nodes` storage peers (16 by default) on a fresh simulator; `svc(i)` is the i-th, `run` settles a promise in virtual time. */
export function simCluster(seed: number, o: ClusterOptions = {}) {
  const sim = new Simulator({ seed });
  const cluster = new StorageCluster(sim, { quotaBytes: o.quotaBytes ?? 1 << 24, repairPeriodMs: o.repairPeriodMs ?? 30_000 });
  const ids: PeerId[] = [];
  for (let i = 0; i < (o.nodes ?? 16); i++) ids.push(cluster.add());
  const svc = (i = 0) => cluster.services.get(ids[i]!)!;
  const run = <T>(p: Promise<T>) => settle(sim, p);
  return { sim, cluster, ids, svc, run };
}

/** Bytes that do not repeat within a chunk (a repeating pattern would dedupe into one chunk); the same for the same salt. */
export function pseudoBytes(n: number, salt = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = salt * 2654435761;
  for (let i = 0; i < n; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}
