// The sKeeper's durability loop. Every round it (1) pushes the records it owns to its successors
// and the records it keeps for others to its predecessor (which hands keys to a peer that joined
// as their owner), and (2) probes the holders of the chunks of the files it owns, re-replicating
// every chunk whose live replica count fell below r from a verified live copy, then records the
// new holders (a large file's in rewritten index chunks, index-repair.ts). Ring events trigger an
// early metadata push, debounced.
import { CumulusError } from '../../core/errors.js';
import { pool } from '../../core/pool.js';
import type { Id, PeerId } from '../../core/id.js';
import type { Clock, Rng, TimerHandle } from '../../env/ports.js';
import { GONE_MEMORY_MS, MAX_GONE_REMEMBERED, MAX_HOLDERS_PER_CHUNK, MAX_PROBE_CHUNKS, MAX_REPAIR_FILES_PER_ROUND, MAX_REPAIR_IN_FLIGHT, META_REPLICA_SUCCESSORS, READ_FIRST_PIECE_TIMEOUT_MS, SYNC_DEBOUNCE_MS } from './constants.js';
import type { Keeper, SyncItem } from './keeper.js';
import { MAX_SYNC_ENTRIES } from './messages.js';
import { placeChunk, readChunk, type ReadCounters } from './replicas.js';
import { repairIndexedFile } from './index-repair.js';
import { chunkSizeAt, toWire, type ChunkRef, type FileRecord } from './records.js';
import type { RingPort } from '../../overlay/port.js';
import { call } from './rpc.js';
import { syncBatches } from './sync-batches.js';
import { pathKey } from './paths.js';

export interface RepairCounters extends ReadCounters {
  rounds: number;
  probes: number;
  chunksRepaired: number;
  repairBytes: number;
  /** Chunks found with no live replica in the last round (their holders may come back). */
  chunksWithoutLiveReplica: number;
  /** Chunks left below r in the last round. */
  chunksUnderReplicated: number;
  /** Index chunks found malformed (their files are left as they are, and reads of them fail). */
  badIndexes: number;
}

/** Chunks of one round left without a live replica, or below r. */
export interface RepairTally {
  without: number;
  under: number;
}

export class Repairer {
  readonly counters: RepairCounters = { rounds: 0, probes: 0, chunksRepaired: 0, repairBytes: 0, chunksWithoutLiveReplica: 0, chunksUnderReplicated: 0, badIndexes: 0, corruptReplicas: 0, deadReplicas: 0, chunksRead: 0, localChunks: 0, hedgedReads: 0 };
  private timer: TimerHandle | undefined;
  private syncTimer: TimerHandle | undefined;
  private running = false;
  private stopped = true;
  private cursor: Id | undefined;
  /**
   * Peers departure notices named, with when: a record may list them for a while (dead holders
   * stay listed while a chunk is short of r), and a probe of each would otherwise wait the whole
   * request timeout, holding up the repair of every file in its batch.
   */
  private readonly gone = new Map<PeerId, number>();

  constructor(
    readonly ring: RingPort,
    readonly clock: Clock,
    private readonly rng: Rng,
    readonly keeper: Keeper,
    private readonly periodMs: number,
    readonly timeoutMs: number,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const early = () => this.scheduleSync();
    this.ring.events.on('range-changed', early);
    this.ring.events.on('successors-changed', early);
    this.ring.events.on('predecessor-changed', early);
    // A random first delay spreads the rounds of peers that started together.
    this.timer = this.clock.setTimer(this.rng.int(this.periodMs), () => void this.tick());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.cancel(this.timer);
    if (this.syncTimer !== undefined) this.clock.cancel(this.syncTimer);
    this.timer = this.syncTimer = undefined;
  }

  private scheduleSync(): void {
    if (this.stopped || this.syncTimer !== undefined) return;
    this.syncTimer = this.clock.setTimer(SYNC_DEBOUNCE_MS, () => {
      this.syncTimer = undefined;
      void this.pushMetadata().catch(() => undefined);
    });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.round();
    } catch {
      // A round that fails (store closed at shutdown, ring gone) is retried next period.
    }
    if (!this.stopped) this.timer = this.clock.setTimer(this.periodMs, () => void this.tick());
  }

  /** A departure notice named this peer: probe it with a short timeout for GONE_MEMORY_MS. */
  noteGone(peer: PeerId): void {
    this.gone.delete(peer);
    if (this.gone.size >= MAX_GONE_REMEMBERED) this.gone.delete(this.gone.keys().next().value!);
    this.gone.set(peer, this.clock.now());
  }

  private saidGone(peer: PeerId): boolean {
    const at = this.gone.get(peer);
    return at !== undefined && this.clock.now() - at < GONE_MEMORY_MS;
  }

  /** One full round; public so tests and scenarios can drive it. */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.counters.rounds++;
      await this.pushMetadata();
      await this.repairChunks();
    } finally {
      this.running = false;
    }
  }

  /** Anti-entropy: owned records to the successors, others' records to the predecessor. */
  async pushMetadata(): Promise<void> {
    const owned: SyncItem[] = [];
    const others: SyncItem[] = [];
    let after: Id | undefined;
    for (;;) {
      const rows = await this.keeper.store.records(256, after);
      for (const [key, rec] of rows) {
        const item: SyncItem = { rec: toWire(rec) };
        if (rec.kind === 'dir') item.entries = await this.keeper.store.entries(key, MAX_SYNC_ENTRIES);
        (this.ring.owns(key) ? owned : others).push(item);
      }
      if (rows.length < 256) break;
      after = rows[rows.length - 1]![0];
    }
    const succ = this.ring.successors().filter((p) => p !== this.ring.self).slice(0, META_REPLICA_SUCCESSORS);
    const pred = this.ring.predecessor();
    const sends: Array<[PeerId, SyncItem[]]> = succ.map((p) => [p, owned]);
    if (pred && pred !== this.ring.self) sends.push([pred, others]);
    await pool(sends, MAX_REPAIR_IN_FLIGHT, async ([peer, items]) => {
      for (const batch of syncBatches(items)) {
        await call(this.ring, { peer }, 'sync', { items: batch }, this.timeoutMs).catch(() => undefined);
      }
    });
  }

  /** Probe the holders of owned files' chunks and re-replicate what fell below r. */
  async repairChunks(): Promise<void> {
    const tally = await this.repairFiles(await this.ownedFiles());
    this.counters.chunksWithoutLiveReplica = tally.without;
    this.counters.chunksUnderReplicated = tally.under;
  }

  /**
   * Probe the holders of these files' chunks, re-replicate every chunk below r and record the new
   * holders. Holders in `gone` (named by this batch's departure notices) are not probed; holders named
   * by an earlier notice get a short timeout, as a live peer answers one in milliseconds.
   */
  async repairFiles(files: readonly FileRecord[], gone?: ReadonlySet<PeerId>): Promise<RepairTally> {
    const have = await this.probe(files.flatMap((f) => f.chunks), gone);
    const tally: RepairTally = { without: 0, under: 0 };
    // Every chunk below r, across the files, the ones with the fewest live copies first: a chunk
    // down to its last copy is one departure from lost, and must not wait behind a large file's
    // chunks that still have two.
    const work: Array<{ file: number; chunk: number; live: PeerId[] }> = [];
    files.forEach((rec, file) => rec.chunks.forEach((ref, chunk) => {
      const live = ref.holders.filter((p) => have.get(p)?.has(ref.id));
      if (live.length < rec.replicas) work.push({ file, chunk, live });
    }));
    work.sort((a, b) => a.live.length - b.live.length);
    // A file's record is updated as soon as its last chunk in the work is done, not at the end.
    const left = new Map<number, number>();
    for (const w of work) left.set(w.file, (left.get(w.file) ?? 0) + 1);
    const mended = new Map<number, ChunkRef[]>();
    await pool(work, MAX_REPAIR_IN_FLIGHT, async ({ file, chunk, live }) => {
      const rec = files[file]!;
      const ref = rec.chunks[chunk]!;
      const next = this.holdersAfter(ref, await this.repairOne(ref, live, chunkSizeAt(rec, chunk), rec.replicas, pathKey(rec.path)), rec.replicas, tally);
      if (next.holders.join() !== ref.holders.join()) {
        let chunks = mended.get(file);
        if (!chunks) mended.set(file, (chunks = [...rec.chunks]));
        chunks[chunk] = next;
      }
      left.set(file, left.get(file)! - 1);
      const chunks = mended.get(file);
      if (left.get(file) === 0 && chunks) await this.keeper.updateIfNewer({ ...rec, rev: rec.rev + 1, chunks });
    });
    // A large file's chunks are listed in its index chunks, walked one file and one index chunk at a time.
    for (const rec of files) if (rec.index) await repairIndexedFile(this, rec, tally, gone);
    return tally;
  }

  /**
   * A chunk's ref after repair gave it `repaired` holders (live plus new), counted in the tally.
   * Dead holders stay listed only while the chunk is short of r: a volunteer may come back.
   */
  holdersAfter(ref: ChunkRef, repaired: PeerId[], r: number, tally: RepairTally): ChunkRef {
    if (repaired.length === 0) tally.without++;
    if (repaired.length < r) tally.under++;
    const dead = ref.holders.filter((p) => !repaired.includes(p));
    const holders = repaired.length >= r ? repaired : [...repaired, ...dead].slice(0, MAX_HOLDERS_PER_CHUNK);
    return { id: ref.id, holders };
  }

  /** Returns the holders after repair (live ones plus new ones); `keeper` is the file's sKeeper key. */
  async repairOne(ref: ChunkRef, live: PeerId[], size: number, r: number, keeper: Id): Promise<PeerId[]> {
    if (live.length === 0) return [];
    try {
      const bytes = await readChunk(this.ring, { id: ref.id, holders: live }, size, this.timeoutMs, this.counters, 0);
      const holders = await placeChunk(this.ring, ref.id, bytes, r, live, this.timeoutMs, { keeper, clock: this.clock });
      const added = holders.length - live.length;
      this.counters.chunksRepaired++;
      this.counters.repairBytes += added * bytes.length;
      return holders;
    } catch (e) {
      if (!(e instanceof CumulusError)) throw e;
      return live;
    }
  }

  /** Owned file records, MAX_REPAIR_FILES_PER_ROUND at a time, resuming where the last round stopped. */
  private async ownedFiles(): Promise<FileRecord[]> {
    const out: FileRecord[] = [];
    let after = this.cursor;
    let wrapped = false;
    while (out.length < MAX_REPAIR_FILES_PER_ROUND) {
      const rows = await this.keeper.store.records(256, after);
      for (const [key, rec] of rows) {
        after = key;
        if (rec.kind === 'file' && this.ring.owns(key)) out.push(rec);
        if (out.length >= MAX_REPAIR_FILES_PER_ROUND) break;
      }
      if (out.length >= MAX_REPAIR_FILES_PER_ROUND) break;
      if (rows.length < 256) {
        if (wrapped || this.cursor === undefined) break;
        wrapped = true;
        after = undefined;
      }
    }
    this.cursor = out.length >= MAX_REPAIR_FILES_PER_ROUND ? after : undefined;
    return dedupe(out);
  }

  /**
   * Ask each holder which of these chunks it still has; a holder that does not answer has none.
   * Holders in `gone` (the departure notices of this batch named them) are not asked: waiting for
   * them held up the repair of every file of the batch, and one the ring wrongly thought failed
   * costs an extra copy of its chunks, not a loss. Holders a notice named earlier
   * (GONE_MEMORY_MS) get READ_FIRST_PIECE_TIMEOUT_MS to answer instead of the request timeout.
   */
  async probe(refs: readonly ChunkRef[], gone?: ReadonlySet<PeerId>): Promise<Map<PeerId, Set<string>>> {
    const asked = new Map<PeerId, Set<string>>();
    for (const c of refs) for (const p of c.holders) {
      if (gone?.has(p)) continue;
      let s = asked.get(p);
      if (!s) asked.set(p, (s = new Set()));
      s.add(c.id);
    }
    const have = new Map<PeerId, Set<string>>();
    const jobs: Array<[PeerId, string[]]> = [];
    for (const [peer, ids] of asked) {
      const list = [...ids];
      for (let i = 0; i < list.length; i += MAX_PROBE_CHUNKS) jobs.push([peer, list.slice(i, i + MAX_PROBE_CHUNKS)]);
    }
    await pool(jobs, MAX_REPAIR_IN_FLIGHT, async ([peer, ids]) => {
      this.counters.probes++;
      try {
        const timeoutMs = this.saidGone(peer) ? Math.min(this.timeoutMs, READ_FIRST_PIECE_TIMEOUT_MS) : this.timeoutMs;
        const r = await call(this.ring, { peer }, 'has', { ids }, timeoutMs);
        let s = have.get(peer);
        if (!s) have.set(peer, (s = new Set()));
        r.body.have.forEach((h, i) => h && s!.add(ids[i]!));
      } catch {
        // Dead or unreachable: none of its replicas count this round.
      }
    });
    return have;
  }
}

function dedupe(files: FileRecord[]): FileRecord[] {
  const seen = new Set<string>();
  return files.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true)));
}

