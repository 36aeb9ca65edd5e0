// The storage API a peer offers its user: put, get (as a stream), stat, list, mkdir, rm. A put
// stores r replicas of every chunk (and, for a large file, of its index chunks) first and then
// commits the metadata at the path's sKeeper; until that commit the new version is invisible, so
// an interrupted put leaves nothing visible. A file of at most INLINE_DATA_MAX_BYTES has no chunks:
// its bytes travel in the commit and live in the record (records.ts).
import { errorCode, InvalidArgumentError, NotFoundError, type ErrorCode } from '../../core/errors.js';
import { optionValue } from '../../core/options.js';
import { hashBytesToId, idToHex, type Id, type PeerId } from '../../core/id.js';
import type { Clock } from '../../env/ports.js';
import { ChunkTally, chunkStream, type ByteSource } from './chunker.js';
import { DEFAULT_CHUNK_BYTES, DEFAULT_INDEX_FANOUT, DEFAULT_LIST_LIMIT, MAX_CHUNK_BYTES, MAX_INDEX_FANOUT, MAX_LIST_LIMIT, MAX_OBJECT_BYTES, INLINE_DATA_MAX_BYTES, META_ATTEMPTS, META_REPLICA_SUCCESSORS, META_READ_FIRST_TIMEOUT_MS, META_RETRY_DELAY_MS, MIN_CHUNK_BYTES, MIN_INDEX_FANOUT, PUT_CHUNKS_IN_FLIGHT, READ_AHEAD_CHUNKS, REPLICAS } from './constants.js';
import { ChunkList, type ChunkListResult } from './chunk-list.js';
import { indexedRefs } from './index-reader.js';
import { IsADirectoryError } from './errors.js';
import type { DirEntry } from './keeper-store.js';
import type { ReplyBody, RequestBody, StorageOp } from './messages.js';
import { normalizePath, pathKey } from './paths.js';
import { placeChunk, readChunk, type ReadCounters, type ReadOrder } from './replicas.js';
import { FreshRecord } from './fresh-record.js';
import { checkRecord, MD5_TAG_PATTERN, toWire, type ChunkRef, type FileIndex, type FileRecord } from './records.js';
import type { RingPort } from '../../overlay/port.js';
import { call, type CallResult } from './rpc.js';
import { SuspectPeers } from './suspects.js';
import type { PieceSinks } from './sinks.js';

export interface PutOptions {
  /** Copies of each chunk (REPLICAS in constants.ts: its range and default). */
  replicas?: number;
  /** Chunk size in bytes (default 256 KiB). */
  chunkBytes?: number;
  /** Media type kept with the file (at most 255 characters). */
  contentType?: string;
  /** Data chunk refs per index chunk of a file too large for an inline chunk list (default 4096). */
  indexFanout?: number;
  /**
   * The caller names a path that nothing else writes (a job task's output): the put skips its
   * early check that the path is no directory (the commit still refuses one) and sends each
   * chunk's replicas at once, so a small object is stored in two rounds (its copies, its commit).
   */
  fresh?: boolean;
  /**
   * The caller's MD5 of the content (FileRecord.md5), asked for once the source has ended: the
   * caller hashes the bytes as they stream past. Undefined keeps none.
   */
  md5?: () => string | undefined;
  /**
   * A ring key whose owner gets the first copy of every chunk (the others go to the candidates
   * as usual): a job's partition is written to the peer that will reduce it.
   */
  home?: Id;
  /**
   * Keep a file of at most INLINE_DATA_MAX_BYTES in its record instead of in chunks (true by
   * default; only with at most META_REPLICA_SUCCESSORS + 1 replicas, the copies a record has).
   */
  inline?: boolean;
}

/** An inclusive byte range of a file, like HTTP's `bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutResult {
  path: string;
  version: number;
  size: number;
  etag: string;
  chunks: number;
  /** Replicas stored for every chunk (at least the requested r). */
  replicas: number;
  mtimeMs: number;
  /** The caller's MD5 kept with the file (PutOptions.md5). */
  md5?: string;
}

export type Stat =
  | { kind: 'file'; path: string; version: number; size: number; etag: string; mtimeMs: number; chunkBytes: number; replicas: number; chunks: ChunkRef[]; contentType?: string; md5?: string; index?: FileIndex; data?: Uint8Array }
  | { kind: 'dir'; path: string; mtimeMs: number };

export interface ListPage {
  entries: DirEntry[];
  /** Pass as `marker` to get the next page; absent on the last page. */
  next?: string;
}

/** Failures of a metadata call that another attempt may not meet: the owner was busy, gone or changing. */
const RETRYABLE_CODES: ReadonlySet<ErrorCode | undefined> = new Set<ErrorCode>(['TIMEOUT', 'PEER_GONE', 'NOT_OWNER']);

export class StorageClient {
  readonly counters: ReadCounters = { corruptReplicas: 0, deadReplicas: 0, chunksRead: 0, localChunks: 0, hedgedReads: 0 };

  /** Holders this client failed to read from lately: later chunks try them last. */
  private readonly suspects: SuspectPeers;

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    /** One request's time (StorageOptions.requestTimeoutMs). */
    private readonly timeoutMs: number,
    /** Where pieces pushed by holders land; without it every piece is its own request. */
    private readonly sinks?: PieceSinks,
  ) {
    this.suspects = new SuspectPeers(clock);
  }

  async put(path: string, source: ByteSource, opts: PutOptions = {}): Promise<PutResult> {
    const p = normalizePath(path);
    const replicas = optionValue(REPLICAS, opts.replicas, 'replicas');
    const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) throw new InvalidArgumentError(`chunkBytes must be from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}`);
    if (p === '/') throw new IsADirectoryError(p);
    if (opts.contentType !== undefined && (opts.contentType.length === 0 || opts.contentType.length > 255)) throw new InvalidArgumentError('contentType must be 1 to 255 characters');
    const fanout = opts.indexFanout ?? DEFAULT_INDEX_FANOUT;
    if (!Number.isInteger(fanout) || fanout < MIN_INDEX_FANOUT || fanout > MAX_INDEX_FANOUT) throw new InvalidArgumentError(`indexFanout must be from ${MIN_INDEX_FANOUT} to ${MAX_INDEX_FANOUT}`);
    // Refuse early when the name is a directory, before any chunk is stored; commit checks again.
    const existing = opts.fresh ? undefined : await this.statOrUndefined(p);
    if (existing?.kind === 'dir') throw new IsADirectoryError(p);
    const tally = new ChunkTally();
    const keeper = pathKey(p);
    const list = new ChunkList(this.ring, replicas, fanout, this.timeoutMs, keeper);
    const stream = chunkStream(source, chunkBytes, tally);
    const small = opts.inline !== false && replicas <= META_REPLICA_SUCCESSORS + 1 ? await inlineOrRest(stream) : { rest: stream };
    const { chunks, index, count } = 'data' in small ? { chunks: [], index: undefined, count: 0 } : await this.placeAll(small.rest, replicas, list, keeper, opts.fresh === true, opts.home);
    const rec: FileRecord = { kind: 'file', path: p, rev: 0, version: 0, size: tally.size, chunkBytes, replicas, etag: tally.digestHex(), mtimeMs: this.clock.now(), chunks };
    if ('data' in small) rec.data = small.data;
    if (opts.contentType !== undefined) rec.contentType = opts.contentType;
    const md5 = opts.md5?.();
    if (md5 !== undefined) {
      if (!new RegExp(MD5_TAG_PATTERN).test(md5)) throw new InvalidArgumentError('md5 must be 32 hex digits, or S3\'s MD5-of-MD5s-N');
      rec.md5 = md5;
    }
    if (index) rec.index = index;
    const wire = toWire(rec);
    if (wire.kind !== 'file') throw new InvalidArgumentError('unreachable');
    const r = await this.meta(keeper, 'commit', { rec: wire });
    return { path: p, version: r.version, size: rec.size, etag: rec.etag, chunks: count, replicas, mtimeMs: rec.mtimeMs, ...(rec.md5 !== undefined ? { md5: rec.md5 } : {}) };
  }

  /**
   * Place every chunk of the stream, PUT_CHUNKS_IN_FLIGHT at a time, and list them in file order.
   * The stream is pulled only when a slot is free, so memory stays at a few chunks (and the list's
   * pending refs, see ChunkList).
   */
  private async placeAll(stream: AsyncIterable<Uint8Array>, replicas: number, list: ChunkList, keeper: Id, atOnce: boolean, home: Id | undefined): Promise<ChunkListResult> {
    const placed: Array<Promise<ChunkRef>> = [];
    let sizeBytes = 0;
    try {
      for await (const chunk of stream) {
        sizeBytes += chunk.length;
        if (sizeBytes > MAX_OBJECT_BYTES) throw new InvalidArgumentError(`file exceeds the largest object size, ${MAX_OBJECT_BYTES} bytes`);
        const id = idToHex(hashBytesToId(chunk));
        const p = placeChunk(this.ring, id, chunk, replicas, [], this.timeoutMs, { keeper, atOnce, home, clock: this.clock }).then((holders: PeerId[]) => ({ id, holders }));
        // Observed now, awaited in order below: a failure must not surface as an unhandled rejection.
        p.catch(() => undefined);
        placed.push(p);
        if (placed.length < PUT_CHUNKS_IN_FLIGHT) continue;
        // Only a large file's list ever waits (for an index chunk); a small file's awaits are the chunks' alone.
        const wait = list.add(await placed.shift()!);
        if (wait) await wait;
      }
      while (placed.length > 0) {
        const wait = list.add(await placed.shift()!);
        if (wait) await wait;
      }
      const done = list.finish();
      return done instanceof Promise ? await done : done;
    } catch (e) {
      // Let the chunks still in flight finish before the caller retries or gives up.
      await Promise.allSettled(placed);
      throw e;
    }
  }

  async stat(path: string): Promise<Stat> {
    const s = await this.statOrUndefined(normalizePath(path));
    if (!s) throw new NotFoundError(path);
    return s;
  }

  /** The file's bytes as a web stream, chunk by chunk; each chunk is verified before it is emitted. */
  async get(path: string): Promise<ReadableStream<Uint8Array>> {
    const iter = (await this.open(path))[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const { done, value } = await iter.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: async () => {
        await iter.return?.();
      },
    });
  }

  /** The file's bytes as an async iterable; the metadata is read once, when this resolves. */
  async open(path: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array>> {
    const s = await this.stat(path);
    if (s.kind !== 'file') throw new IsADirectoryError(s.path);
    return this.read(s, range);
  }

  /**
   * The bytes of a file already stat'ed (or of an inclusive byte range of it), fetching up to
   * READ_AHEAD_CHUNKS chunks ahead of the one being yielded. Only the chunks the range covers are read.
   */
  read(s: Extract<Stat, { kind: 'file' }>, range?: ByteRange): AsyncIterable<Uint8Array> {
    const start = range?.start ?? 0;
    const end = range?.end ?? s.size - 1;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || (s.size > 0 && (end < start || end >= s.size))) {
      throw new InvalidArgumentError(`range ${start}-${end} is outside 0-${s.size - 1}`);
    }
    if (s.data !== undefined) return inlineBytes(s.data, start, end);
    const { ring, timeoutMs, counters, suspects, sinks, clock } = this;
    const first = Math.floor(start / s.chunkBytes);
    const last = s.size === 0 ? -1 : Math.floor(end / s.chunkBytes);
    const order = { suspects, clock, ...(sinks ? { sinks } : {}) };
    const index = s.index;
    // A large file's refs come from its index chunks, one await away; a small file's are at hand.
    const refs = index ? indexedRefs({ ring, timeoutMs, counters, order }, { path: s.path, size: s.size, chunkBytes: s.chunkBytes, index }, first, last) : undefined;
    const nextRef = async (): Promise<ChunkRef> => {
      const r = await refs!.next();
      if (r.done) throw new InvalidArgumentError(`the index of ${s.path} ended before its last chunk`);
      return r.value;
    };
    // A small file's chunk that no holder served is tried again at the holders its current record lists.
    const fresh = new FreshRecord(clock, s, async () => {
      const now = await this.statOrUndefined(s.path);
      return now?.kind === 'file' ? now : undefined;
    });
    const again = async (e: unknown, i: number, size: number, chunkOrder: ReadOrder): Promise<Uint8Array> => {
      const ref = errorCode(e) === 'UNAVAILABLE' ? await fresh.ref(i) : undefined;
      if (!ref) throw e;
      return readChunk(ring, ref, size, timeoutMs, counters, undefined, chunkOrder);
    };
    return (async function* () {
      const ahead: Array<Promise<Uint8Array>> = [];
      let next = first;
      const launch = () => {
        if (next > last) return;
        const i = next;
        const size = Math.min(s.chunkBytes, s.size - i * s.chunkBytes);
        const chunkOrder = { ...order, spread: i };
        const p = refs
          ? nextRef().then((ref) => readChunk(ring, ref, size, timeoutMs, counters, undefined, chunkOrder))
          : readChunk(ring, s.chunks[i]!, size, timeoutMs, counters, undefined, chunkOrder).catch((e: unknown) => again(e, i, size, chunkOrder));
        // Awaited in order below; a reader that stops early must not leave unhandled rejections.
        p.catch(() => undefined);
        ahead.push(p);
        next++;
      };
      try {
        for (let i = 0; i < READ_AHEAD_CHUNKS; i++) launch();
        for (let i = first; i <= last; i++) {
          const bytes = await ahead.shift()!;
          launch();
          const from = i === first ? start - i * s.chunkBytes : 0;
          const to = i === last ? end - i * s.chunkBytes + 1 : bytes.length;
          yield from === 0 && to === bytes.length ? bytes : bytes.subarray(from, to);
        }
      } finally {
        // Not awaited: the index reader may still be serving refs the read-ahead asked for.
        refs?.return(undefined).catch(() => undefined);
      }
    })();
  }

  async list(dir: string, opts: { limit?: number; marker?: string } = {}): Promise<ListPage> {
    const path = normalizePath(dir);
    const limit = Math.min(MAX_LIST_LIMIT, Math.max(1, opts.limit ?? DEFAULT_LIST_LIMIT));
    const body: RequestBody<'list'> = opts.marker === undefined ? { path, limit } : { path, limit, marker: opts.marker };
    const r = await this.meta(pathKey(path), 'list', body);
    return r.next === undefined ? { entries: r.entries } : { entries: r.entries, next: r.next };
  }

  async mkdir(path: string): Promise<void> {
    await this.meta(pathKey(normalizePath(path)), 'mkdir', { path: normalizePath(path) });
  }

  /** Remove a file or an empty directory. The file's chunks become orphans (see docs/storage.md). */
  async rm(path: string): Promise<void> {
    await this.meta(pathKey(normalizePath(path)), 'rm', { path: normalizePath(path) });
  }

  /**
   * The stat of a path and the peer that answered it, its sKeeper then: a file kept inline in its
   * record is read from there (a job's worker that is that peer counts the input as local).
   */
  async locate(path: string): Promise<{ stat: Stat; keeper: PeerId }> {
    const p = normalizePath(path);
    const r = await this.metaFrom(pathKey(p), 'stat', { path: p });
    const stat = this.statOf(p, r.body);
    if (!stat) throw new NotFoundError(path);
    return { stat, keeper: r.from };
  }

  private async statOrUndefined(p: string): Promise<Stat | undefined> {
    return this.statOf(p, await this.meta(pathKey(p), 'stat', { path: p }));
  }

  private statOf(p: string, r: ReplyBody<'stat'>): Stat | undefined {
    if (!r.rec) return undefined;
    const c = checkRecord(r.rec);
    if (!c.ok) throw c.error;
    const rec = c.value;
    if (rec.kind === 'tomb') return undefined;
    if (rec.kind === 'dir') return { kind: 'dir', path: rec.path, mtimeMs: rec.mtimeMs };
    if (rec.path !== p) throw new InvalidArgumentError(`the sKeeper of ${p} answered for ${rec.path}`);
    const { rev: _rev, ...rest } = rec;
    return rest;
  }

  /**
   * A metadata call to a key's owner, retried while the owner is changing under churn. Reads
   * (stat, list) change nothing, so they are sent down two first hops at once (a next hop that
   * crashed may keep its link up for a while and swallow the request), and a first attempt that
   * gets no answer soon is retried at once rather than after the full request timeout.
   */
  private async meta<Op extends StorageOp>(key: ReturnType<typeof pathKey>, op: Op, body: RequestBody<Op>): Promise<ReplyBody<Op>> {
    return (await this.metaFrom(key, op, body)).body;
  }

  /** meta(), with the peer that answered. */
  private async metaFrom<Op extends StorageOp>(key: ReturnType<typeof pathKey>, op: Op, body: RequestBody<Op>): Promise<CallResult<Op>> {
    const reads = op === 'stat' || op === 'list';
    for (let attempt = 1; ; attempt++) {
      const quick = reads && attempt === 1;
      try {
        return await call(this.ring, key, op, body, quick ? Math.min(this.timeoutMs, META_READ_FIRST_TIMEOUT_MS) : this.timeoutMs, { redundant: reads });
      } catch (e) {
        if (!RETRYABLE_CODES.has(errorCode(e)) || attempt >= META_ATTEMPTS) throw e;
        if (quick && errorCode(e) === 'TIMEOUT') continue;
        await new Promise<void>((resolve) => this.clock.setTimer(META_RETRY_DELAY_MS * attempt, resolve));
      }
    }
  }
}

/**
 * A file small enough to keep in its record: the whole of a stream that yields one chunk of 1 to
 * INLINE_DATA_MAX_BYTES bytes, else the stream as it was (the chunks looked at are yielded again).
 */
async function inlineOrRest(stream: AsyncGenerator<Uint8Array>): Promise<{ data: Uint8Array } | { rest: AsyncIterable<Uint8Array> }> {
  const first = await stream.next();
  if (first.done) return { rest: (async function* () {})() };
  if (first.value.length > INLINE_DATA_MAX_BYTES) return { rest: replay([first.value], stream) };
  const second = await stream.next();
  if (second.done) return { data: first.value };
  return { rest: replay([first.value, second.value], stream) };
}

async function* replay(seen: Uint8Array[], stream: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* seen;
  yield* stream;
}

async function* inlineBytes(data: Uint8Array, start: number, end: number): AsyncGenerator<Uint8Array> {
  if (data.length > 0) yield start === 0 && end === data.length - 1 ? data : data.subarray(start, end + 1);
}
