// The sHolder side: receive chunks piece by piece, store them if they fit the quota and hash to
// their id, serve pieces of held chunks, and answer probes. Incoming chunks are reassembled in a
// bounded table; an assembly the writer abandoned is dropped when it has been idle too long.
import type { Clock } from '../../env/ports.js';
import type { PeerId } from '../../core/id.js';
import { NotFoundError, OverQuotaError } from '../../core/errors.js';
import { RefusedError } from './errors.js';
import { ASSEMBLY_IDLE_MS, ASSEMBLY_STALE_MS, MAX_ASSEMBLIES, PIECE_BYTES, READ_CACHE_CHUNKS } from './constants.js';
import type { PieceMessage, RequestBody, ReplyBody } from './messages.js';
import type { HolderStore } from './holder-store.js';

interface Assembly {
  buf: Uint8Array;
  /** The sKeeper key the first piece named, told to onHeld once the chunk is stored. */
  keeper?: string;
  offsets: Set<number>;
  receivedBytes: number;
  lastMs: number;
  /** The peers sending pieces of it; it is dropped when the last of them abandons it. */
  writers: Set<string>;
}

export class Holder {
  private readonly assemblies = new Map<string, Assembly>();
  /** The chunks read last, oldest first (see chunk()). */
  private readonly recent = new Map<string, Uint8Array>();
  /** Chunks complete in memory and being written to the store right now. */
  private readonly storing = new Set<string>();
  /** Counters for figures and tests. */
  readonly counters = { chunksStored: 0, piecesServed: 0, bytesServed: 0, refusedOverQuota: 0, refusedPaused: 0, assembliesAbandoned: 0 };
  /**
   * A paused holder (its volunteer paused lending) takes no chunk and serves none: writers move on
   * to the next candidate, readers to the next holder, as they do past a full or dead one.
   */
  paused = false;

  constructor(
    private readonly clock: Clock,
    readonly store: HolderStore,
    /** Told the sKeeper key of each chunk this peer holds, as the writer named it (the holder's summary). */
    private readonly onHeld: (keeper: string) => void = () => undefined,
  ) {}

  /** `from` is the peer that sent the piece (unknown in some tests: they count as one writer). */
  async put(b: RequestBody<'put'>, from: PeerId | '' = ''): Promise<ReplyBody<'put'>> {
    this.refuseIfPaused();
    if (b.off + b.data.length > b.total) throw new RefusedError(`piece at ${b.off} of ${b.data.length} bytes overruns the ${b.total}-byte chunk`);
    if (b.off === 0 && !(await this.store.canAccept(b.id, b.total))) {
      this.counters.refusedOverQuota++;
      throw new OverQuotaError(b.total, this.store.free);
    }
    if (b.off === 0 && (await this.store.has(b.id))) {
      // Held already (another file shares the chunk, or a repair placed it again): this file counts too.
      if (b.keeper !== undefined) this.onHeld(b.keeper);
      return { ok: true, done: true };
    }
    // A late piece for a chunk another writer just completed (two candidate keys with the same
    // owner, or two files sharing a chunk): nothing to assemble, and no stale assembly to leak.
    if (b.off > 0 && !this.assemblies.has(b.id) && (this.storing.has(b.id) || (await this.store.has(b.id)))) return { ok: true, done: true };
    const a = this.assembly(b.id, b.total);
    a.writers.add(from);
    if (b.keeper !== undefined) a.keeper = b.keeper;
    if (!a.offsets.has(b.off)) {
      a.buf.set(b.data, b.off);
      a.offsets.add(b.off);
      a.receivedBytes += b.data.length;
    }
    a.lastMs = this.clock.now();
    if (a.receivedBytes < b.total) return { ok: true, done: false };
    this.assemblies.delete(b.id);
    this.storing.add(b.id);
    try {
      // HolderStore.put checks the hash and the quota again; a bad or oversize chunk is refused whole.
      await this.store.put(b.id, a.buf);
    } finally {
      this.storing.delete(b.id);
    }
    this.counters.chunksStored++;
    if (a.keeper !== undefined) this.onHeld(a.keeper);
    return { ok: true, done: true };
  }

  /**
   * A writer stopped sending this chunk: drop the half-assembled copy once no other writer fills it,
   * so its slot and memory are free at once rather than after ASSEMBLY_IDLE_MS. A stored chunk is
   * never dropped here: another file may share it, and the writer cannot know.
   */
  abandon(b: RequestBody<'abandon'>, from: PeerId | '' = ''): ReplyBody<'abandon'> {
    const a = this.assemblies.get(b.id);
    if (!a) return { ok: true, dropped: false };
    a.writers.delete(from);
    if (a.writers.size > 0) return { ok: true, dropped: false };
    this.assemblies.delete(b.id);
    this.counters.assembliesAbandoned++;
    return { ok: true, dropped: true };
  }

  /** Chunks being received right now (half-assembled). */
  get assembling(): number {
    return this.assemblies.size;
  }

  async get(b: RequestBody<'get'>): Promise<ReplyBody<'get'>> {
    this.refuseIfPaused();
    const bytes = await this.chunk(b.id);
    if (!bytes) throw new NotFoundError(`chunk ${b.id}`);
    if (b.off >= bytes.length) throw new RefusedError(`offset ${b.off} is past the end of chunk ${b.id}`);
    this.counters.piecesServed++;
    const data = bytes.subarray(b.off, Math.min(bytes.length, b.off + b.len));
    this.counters.bytesServed += data.length;
    return { ok: true, total: bytes.length, data };
  }

  /**
   * A chunk is read piece by piece, each piece a request; the last few chunks read are kept so a
   * chunk costs one store read, not one per piece. Chunks are immutable (named by their hash).
   */
  private async chunk(id: string): Promise<Uint8Array | undefined> {
    const hit = this.recent.get(id);
    if (hit) return hit;
    const bytes = await this.store.get(id);
    if (!bytes) return undefined;
    if (this.recent.size >= READ_CACHE_CHUNKS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(id, bytes);
    return bytes;
  }

  /**
   * Serve several pieces at once: each goes out through `push` (a one-way message to the reader),
   * then the reply says how many. A read never spans more than PIECE_WINDOW pieces (the schema).
   */
  async read(b: RequestBody<'read'>, push: (piece: PieceMessage) => boolean): Promise<ReplyBody<'read'>> {
    this.refuseIfPaused();
    const bytes = await this.chunk(b.id);
    if (!bytes) throw new NotFoundError(`chunk ${b.id}`);
    if (b.off >= bytes.length) throw new RefusedError(`offset ${b.off} is past the end of chunk ${b.id}`);
    const end = Math.min(bytes.length, b.off + b.len);
    let pieces = 0;
    for (let off = b.off; off < end; off += PIECE_BYTES) {
      const data = bytes.subarray(off, Math.min(end, off + PIECE_BYTES));
      if (!push({ tag: b.tag, id: b.id, off, data })) break;
      pieces++;
      this.counters.bytesServed += data.length;
    }
    this.counters.piecesServed += pieces;
    return { ok: true, total: bytes.length, pieces };
  }

  private refuseIfPaused(): void {
    if (!this.paused) return;
    this.counters.refusedPaused++;
    throw new RefusedError('this holder is paused by its volunteer');
  }

  async has(b: RequestBody<'has'>): Promise<ReplyBody<'has'>> {
    const have: boolean[] = [];
    for (const id of b.ids) have.push(await this.store.has(id));
    return { ok: true, have };
  }

  private assembly(id: string, total: number): Assembly {
    const cur = this.assemblies.get(id);
    if (cur && cur.buf.length === total) return cur;
    this.expire();
    if (this.assemblies.size >= MAX_ASSEMBLIES) throw new RefusedError(`holder is receiving ${MAX_ASSEMBLIES} chunks already`);
    const a: Assembly = { buf: new Uint8Array(total), offsets: new Set(), receivedBytes: 0, lastMs: this.clock.now(), writers: new Set() };
    this.assemblies.set(id, a);
    return a;
  }

  /**
   * Drop assemblies whose writer went quiet; checked lazily so the holder needs no timer. When the
   * table is full, the one idle longest goes too once it has been idle ASSEMBLY_STALE_MS: its
   * writer's piece requests have all timed out by then, and a new chunk must not be refused for it.
   */
  private expire(): void {
    const now = this.clock.now();
    let stalest: [string, number] | undefined;
    for (const [id, a] of this.assemblies) {
      const idleMs = now - a.lastMs;
      if (idleMs > ASSEMBLY_IDLE_MS) this.assemblies.delete(id);
      else if (idleMs > ASSEMBLY_STALE_MS && (!stalest || idleMs > stalest[1])) stalest = [id, idleMs];
    }
    if (this.assemblies.size >= MAX_ASSEMBLIES && stalest) this.assemblies.delete(stalest[0]);
  }
}

