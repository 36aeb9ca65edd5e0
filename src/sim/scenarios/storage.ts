// The `storage` scenario: N peers run the storage service on an oracle ring (one-hop routing to
// the true owner, frames through the real codec, crashes detected after a delay), F files are
// written, then peers churn for H virtual hours with Weibull sessions of the given median; half
// of the departures are crashes that lose their store, the others are volunteers who come back
// later with theirs. At the end every file is read back and compared byte for byte.
// Sim sizes: files of 1-200 KiB in 32 KiB chunks (real peers default to 256 KiB chunks) so that
// 2,000 files x 3 replicas fit in memory.
import { hashNameToId, idFromHex, type Id, type PeerId } from '../../core/id.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { Mux } from '../../overlay/mux.js';
import type { RingPort } from '../../overlay/port.js';
import { ChordRing } from '../../overlay/ring.js';
import { derivedRng } from '../../env/rng.js';
import { StorageService } from '../../services/storage/service.js';
import { OracleNetwork, OracleRing } from '../oracle-ring.js';
import { Simulator } from '../simulator.js';
import { settle } from '../settle.js';
import { startChurn, WAVE_OPTIONS } from './storage-churn.js';
import { equal, ReadProbes } from './storage-reads.js';
import type { OptionValues } from '../../core/options.js';
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES, REPLICAS } from '../../services/storage/constants.js';
import { defineScenario, NODES_OPTION, SEED_OPTION, type ScenarioResult } from './options.js';

export interface ClusterOptions {
  quotaBytes: number;
  repairPeriodMs: number;
  latencyMs?: number;
  detectMs?: number;
  /** 'oracle' (one hop to the true owner, the default) or 'chord' (the real overlay, joined organically). */
  ring?: 'oracle' | 'chord';
}

/** Chord timers for the storage runs: the overlay's defaults except a longer request timeout. */
const CHORD_CONFIG = { requestTimeoutMs: 3_000 };

/** Peers running storage on one simulator and one oracle ring. */
export class StorageCluster {
  readonly net: OracleNetwork;
  readonly services = new Map<string, StorageService>();
  /** The Chord rings of live peers when ring = 'chord' (read by diagnostics). */
  readonly chords = new Map<string, ChordRing>();
  /** Figures of services that have since crashed, so totals survive churn. */
  private readonly retired = emptyCosts();

  constructor(
    readonly sim: Simulator,
    readonly opts: ClusterOptions,
  ) {
    this.net = new OracleNetwork(opts.latencyMs ?? 20, opts.detectMs ?? 5_000);
  }

  /** Add a fresh peer, or bring back a departed one with its store; returns its id. */
  add(id?: PeerId): PeerId {
    const node = id ? this.sim.restart(id, { keepStore: true }) : this.sim.addNode();
    this.boot(node.id);
    return node.id;
  }

  /** Start a storage service on a node that is up (new, or just restarted). */
  boot(id: PeerId, quotaBytes = this.opts.quotaBytes): StorageService {
    const node = this.sim.node(id)!;
    let port: RingPort;
    if (this.opts.ring === 'chord') {
      const mux = new Mux(node.env.net, { clock: node.env.clock });
      const ring = new ChordRing({ clock: node.env.clock, rng: node.env.rng, mux, self: id, ring: 'asc', config: CHORD_CONFIG });
      const first = this.chords.size === 0;
      this.chords.set(id, ring);
      // Join through a peer that is already in place; peers started together wait for one.
      const tryJoin = (): void => {
        if (this.chords.get(id) !== ring) return;
        const joined = [...this.chords.values()].filter((r) => r.isJoined());
        if (!first && joined.length === 0) return void this.sim.schedule(500, tryJoin);
        const via = first ? null : joined[this.sim.rng.int(joined.length)]!.self;
        ring.join(via).catch(() => this.sim.schedule(1_000, tryJoin));
      };
      tryJoin();
      port = ring;
    } else {
      const ring = new OracleRing(this.net, id, node.env.clock);
      this.net.add(ring);
      port = ring;
    }
    const svc = new StorageService(port, node.env, { quotaBytes, repairPeriodMs: this.opts.repairPeriodMs });
    svc.start();
    this.services.set(id, svc);
    return svc;
  }

  crash(id: PeerId, keepStore: boolean): void {
    const svc = this.services.get(id);
    if (svc) addCosts(this.retired, svc);
    this.services.delete(id);
    this.chords.get(id)?.stop();
    this.chords.delete(id);
    this.net.crash(id, (ms, fn) => this.sim.schedule(ms, fn));
    this.sim.crash(id);
    if (!keepStore) {
      // Restarting without the store and crashing again frees the lost peer's memory.
      this.sim.restart(id, { keepStore: false });
      this.sim.crash(id);
    }
  }

  /** The true owner of a key among live peers (for checks, not for the protocol). */
  ownerOf(key: Id): StorageService | undefined {
    const ids = [...this.services.keys()].map((p) => idFromHex(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (ids.length === 0) return undefined;
    const owner = ids.find((x) => x >= key) ?? ids[0]!;
    return this.services.get(owner.toString(16).padStart(40, '0'));
  }

  live(): StorageService[] {
    return [...this.services.values()];
  }

  repairBytes(): number {
    return this.costs().repairBytes;
  }

  /** What repair that reacts cost over the run: departures noticed, notices, summary pushes, files checked. */
  departureCosts(): Omit<Costs, 'repairBytes'> {
    const { repairBytes: _, ...rest } = this.costs();
    return rest;
  }

  private costs(): Costs {
    const total = { ...this.retired };
    for (const svc of this.live()) addCosts(total, svc);
    return total;
  }
}

interface Costs {
  repairBytes: number;
  departuresNoticed: number;
  departureNotices: number;
  summaryPushes: number;
  filesCheckedOnNotice: number;
  noticesFailed: number;
  checksDeferred: number;
}

function emptyCosts(): Costs {
  return { repairBytes: 0, departuresNoticed: 0, departureNotices: 0, summaryPushes: 0, filesCheckedOnNotice: 0, noticesFailed: 0, checksDeferred: 0 };
}

function addCosts(c: Costs, svc: StorageService): void {
  c.repairBytes += svc.repairer.counters.repairBytes;
  c.departuresNoticed += svc.departures.counters.departures;
  c.departureNotices += svc.departures.counters.notices;
  c.summaryPushes += svc.summary.counters.summaryPushes;
  c.filesCheckedOnNotice += svc.reactive.counters.filesChecked;
  c.noticesFailed += svc.departures.counters.noticesFailed;
  c.checksDeferred += svc.reactive.counters.checksDeferred;
}

export interface StorageFigures extends ScenarioResult {
  files: number;
  /** Files whose put succeeded and that do not read back byte for byte at the end. */
  filesLost: number;
  /** Files whose put failed every attempt (under churn): never stored, so not counted as lost. */
  writesFailed: number;
  chunksUnderReplicated: number;
  replicaMin: number;
  repairMB: number;
  wallMs: number;
  /** The event trace's digest: the same seed on the same code gives the same one. */
  digest: string;
}

/** Deterministic content of file i: regenerated at the end to compare byte for byte. */
export function fileBytes(seed: number, i: number, minBytes: number, maxBytes: number): Uint8Array {
  const rng = derivedRng(seed, `storage-file:${i}`);
  return rng.bytes(minBytes + rng.int(maxBytes - minBytes + 1));
}

export const STORAGE_OPTIONS = {
  seed: SEED_OPTION,
  nodes: { ...NODES_OPTION, default: 64 },
  files: { type: 'integer', default: 100, min: 0, unit: 'files', description: 'files written before the churn, read back after it' },
  hours: { type: 'number', default: 1, min: 0, unit: 'h', description: 'virtual hours of churn' },
  churn: { type: 'number', default: 1800, min: 1, unit: 's', description: 'median session and downtime of the churning peers' },
  replicas: REPLICAS,
  chunkKib: { type: 'integer', default: 32, min: MIN_CHUNK_BYTES / 1024, max: MAX_CHUNK_BYTES / 1024, unit: 'KiB', description: 'chunk size (real peers: 256 KiB; smaller here so thousands of files fit in memory)' },
  maxKib: { type: 'integer', default: 200, min: 1, unit: 'KiB', description: 'largest file; sizes are uniform from 1 KiB to it' },
  // 30 s: at 30-minute median sessions a 120 s period left chunks with one live replica (measured).
  repairS: { type: 'number', default: 30, min: 0.001, unit: 's', description: 'period of the repair loop (real peers: 60 s)' },
  crashShare: { type: 'number', default: 0.5, min: 0, max: 1, unit: 'fraction', description: 'sessions: share of departures that lose their store for good; the others come back with it' },
  shape: { type: 'choice', choices: ['sessions', 'waves'], default: 'sessions', description: 'sessions: Weibull sessions and downtimes of the --churn median; waves: every --wave-min-s to --wave-max-s, 1 to --wave-peers peers crash (store lost) and new identities replace them' },
  ...WAVE_OPTIONS,
  readEveryS: { type: 'number', default: 0, min: 0, unit: 's', description: 'during the churn, read a random written file through a random peer this often (0: no reads)' },
  quotaMib: { type: 'number', default: 256, min: 0, unit: 'MiB', description: 'storage each peer lends' },
  settleS: { type: 'number', default: 120, min: 0, unit: 's', description: 'quiet time after the churn, before the files are read back' },
  ring: { type: 'choice', choices: ['oracle', 'chord'], default: 'oracle', description: 'oracle: one hop to the true owner; chord: the real overlay, joined organically' },
  diagnostics: { type: 'flag', description: 'explain every lost file on stderr, and count failed writes' },
  killedLinkS: { type: 'number', default: 0, min: 0, unit: 's', description: "ring chord: a crashed peer's links still look up to the other side for this long, dropping what is sent, as a SIGKILLed volunteer's WebRTC links do (about 20 s); 0: sends on them fail at once and they are noticed after 3 s" },
} as const;

export type StorageScenarioOptions = OptionValues<typeof STORAGE_OPTIONS>;

export async function runStorage(opts: StorageScenarioOptions): Promise<StorageFigures> {
  const started = Date.now();
  const { seed, nodes, files, hours, replicas, ring } = opts;
  if (opts.waveMaxS < opts.waveMinS) throw new InvalidArgumentError('--wave-max-s must be at least --wave-min-s');
  const chunkBytes = opts.chunkKib * 1024;
  const maxBytes = opts.maxKib * 1024;
  const repairPeriodMs = Math.round(opts.repairS * 1000);
  const sim = new Simulator({ seed, network: opts.killedLinkS > 0 ? { failureDetectionMs: Math.round(opts.killedLinkS * 1000), silentCrashes: true } : {} });
  const cluster = new StorageCluster(sim, { ring, quotaBytes: Math.floor(opts.quotaMib * 1024 * 1024), repairPeriodMs });
  const rng = sim.stream('storage-scenario');
  // Write phase: 20 directories, files spread over them, 32 writes in flight.
  const dirs = 20;
  const pick = () => { const l = cluster.live(); return l[rng.int(l.length)]!; };
  // Churn starts with the population: sessions begin at time 0, so writes already see churn.
  const churn = startChurn(sim, cluster, rng, opts);
  const written: number[] = [];
  const reads = new ReadProbes(sim, cluster, {
    everyS: opts.readEveryS, diagnostics: opts.diagnostics, written: () => written, pathOf: (i) => `/d${i % dirs}/f${i}`,
    bytesOf: (i) => fileBytes(seed, i, 1024, maxBytes), read: readAll,
  });

  // A Chord ring needs time to form (organic joins); the oracle ring is ready at once.
  if (ring === 'chord') await sim.runAsync({ forMs: 60_000 });
  for (let d = 0; d < dirs; d++) {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await settle(sim, deadline(sim, pick().client.mkdir(`/d${d}`), 60_000).then(() => true, () => false))) break;
    }
  }
  let next = 0;
  let writesFailed = 0;
  /** With diagnostics: why each write that failed every attempt failed, attempt by attempt. */
  const writeFailures: string[] = [];
  const writer = async () => {
    while (next < files) {
      const i = next++;
      // A put may fail under churn (its writer crashes, an owner moves); the user retries it.
      const why: string[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const put = pick().client.put(`/d${i % dirs}/f${i}`, [fileBytes(seed, i, 1024, maxBytes)], { replicas, chunkBytes });
        const ok = await deadline(sim, put, 120_000).then(() => true, (e: unknown) => void why.push(`t=${Math.round(sim.now() / 1000)}s ${(e as Error).message}`.slice(0, 300)));
        if (ok) {
          written.push(i);
          break;
        }
        if (attempt === 4) {
          writesFailed++;
          if (opts.diagnostics && writeFailures.length < 10) writeFailures.push(`/d${i % dirs}/f${i}: ${why.join(' | ')}`);
        }
      }
    }
  };
  await settle(sim, Promise.all(Array.from({ length: 32 }, writer)));

  // Churn phase.
  reads.start();
  await sim.runAsync({ forMs: hours * 3600_000 });
  churn.stop();
  reads.stop();
  // Let joins in progress finish and keys reach their new owners before checking (liveness phase).
  await sim.runAsync({ forMs: opts.settleS * 1000 });

  // Check phase: read every file back and count live replicas from the holders' own stores.
  let filesLost = 0;
  let lostNoRecord = 0;
  const acknowledged = new Set(written);
  let under = 0;
  let replicaMin = Infinity;
  for (let i = 0; i < files; i++) {
    const path = `/d${i % dirs}/f${i}`;
    const want = fileBytes(seed, i, 1024, maxBytes);
    const got = await settle(sim, deadline(sim, readAll(pick(), path), 600_000).catch(() => undefined));
    if (!acknowledged.has(i)) continue;
    if (!got || !equal(got, want)) filesLost++;
    const rec = await cluster.ownerOf(hashNameToId(path))?.keeper.store.getRecord(hashNameToId(path));
    if (!rec || rec.kind !== 'file') {
      lostNoRecord++;
      if (opts.diagnostics) {
        const where: StorageService[] = [];
        for (const svc of cluster.live()) if ((await svc.keeper.store.getRecord(hashNameToId(path)))?.kind === 'file') where.push(svc);
        const owner = cluster.ownerOf(hashNameToId(path));
        const ownerId = [...cluster.services].find(([, v]) => v === owner)?.[0] ?? '';
        const chord = cluster.chords.get(ownerId);
        const holders = [...cluster.services].filter(([, v]) => where.includes(v)).map(([k]) => k.slice(0, 6));
        console.error(`no record at the owner ${ownerId.slice(0, 6)} of ${path} (${hashNameToId(path).toString(16).slice(0, 6)}); copies at ${holders.join(',')}; chord joined ${chord?.isJoined()} pred ${chord?.predecessor()?.slice(0, 6)} owns ${chord?.owns(hashNameToId(path))}`);
      }
      continue;
    }
    for (const c of rec.chunks) {
      let live = 0;
      for (const h of c.holders) if (await cluster.services.get(h)?.holder.store.has(c.id)) live++;
      replicaMin = Math.min(replicaMin, live);
      if (live < replicas) under++;
    }
  }
  const readFigures = opts.readEveryS > 0 ? reads.figures : {};
  const diagnostics = opts.diagnostics ? { writeFailures, lostNoRecord, departures: churn.departures, ...cluster.departureCosts(), ...(opts.readEveryS > 0 ? reads.diagnostics : {}) } : {};
  return { files, filesLost, writesFailed, chunksUnderReplicated: under, replicaMin: replicaMin === Infinity ? 0 : replicaMin, repairMB: Math.round(cluster.repairBytes() / 1e4) / 100, ...readFigures, wallMs: Date.now() - started, digest: sim.digest(), ...diagnostics };
}

export const STORAGE_SCENARIO = defineScenario({
  description: 'peers run storage under churn; every file is read back and compared byte for byte',
  options: STORAGE_OPTIONS,
  run: runStorage,
});

/** A promise that rejects after ms of virtual time: a client whose peer crashed never hears back. */
function deadline<T>(sim: Simulator, p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    sim.schedule(ms, () => reject(new Error(`no answer within ${ms} ms`)));
    p.then(resolve, reject);
  });
}

async function readAll(svc: StorageService, path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of await svc.client.open(path)) parts.push(c);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

