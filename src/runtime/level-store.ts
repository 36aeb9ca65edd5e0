// The real Store over `level`: LevelDB (classic-level) in Node, IndexedDB (browser-level) in a
// browser. The database is injected, so a bundle for the browser can hand in browser-level
// directly and tests can hand in a throwaway directory. Keys and values are raw bytes ('view'
// encoding), ordered by key bytes, which is what the Store port promises.
import { Level } from 'level';
import type { RangeOptions, Store, StoreOp } from '../env/ports.js';
import { StoreClosedError } from '../env/memory-store.js';

/** The part of abstract-level's API we use; both classic-level and browser-level provide it. */
export interface LevelLike {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  del(key: Uint8Array): Promise<void>;
  batch(ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }>): Promise<void>;
  iterator(opts: LevelRange): AsyncIterable<[Uint8Array, Uint8Array]> & { close(): Promise<void> };
  keys(opts: LevelRange): AsyncIterable<Uint8Array> & { close(): Promise<void> };
}

type LevelRange = { gt?: Uint8Array; gte?: Uint8Array; lt?: Uint8Array; lte?: Uint8Array; limit?: number; reverse?: boolean };

/** Deletes in a delRange are applied in batches of this many keys, to bound memory. */
const DEL_RANGE_BATCH_KEYS = 1000;

/**
 * Table files LevelDB keeps open (classic-level's maxOpenFiles; browser-level ignores it). LevelDB
 * maps every open table into memory and the pages a read touches count in the process's resident
 * set: with the default 1000 (of 2 MB tables), a volunteer serving its share of a 1 GiB file grew
 * to 1 GB of RSS, nearly all of it mapped tables. 74 is the least LevelDB accepts (64 tables and
 * 10 other files), so the mapped part stays under 64 x 2 MB; reading 512 MiB of 256 KiB values in
 * random order took 3.4 s instead of 6.7 s with it (fewer page faults).
 */
export const LEVEL_MAX_OPEN_FILES = 74;

/** Open a byte-keyed level database at a directory (Node) or IndexedDB name (browser). */
export function openLevel(location: string): LevelLike {
  return new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', maxOpenFiles: LEVEL_MAX_OPEN_FILES }) as unknown as LevelLike;
}

export class LevelStore implements Store {
  private closed = false;

  private constructor(private readonly db: LevelLike) {}

  /** Open the store over an injected database (see openLevel for the default one). */
  static async open(db: LevelLike): Promise<LevelStore> {
    await db.open();
    return new LevelStore(db);
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.open();
    const v = await this.db.get(key);
    return v === undefined ? undefined : copy(v);
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    this.open();
    return this.db.put(copy(key), copy(value));
  }

  async del(key: Uint8Array): Promise<void> {
    this.open();
    return this.db.del(key);
  }

  async batch(ops: StoreOp[]): Promise<void> {
    this.open();
    if (ops.length === 0) return;
    return this.db.batch(ops.map((op) => (op.type === 'put' ? { type: 'put', key: copy(op.key), value: copy(op.value) } : { type: 'del', key: op.key })));
  }

  async range(opts: RangeOptions): Promise<Array<[Uint8Array, Uint8Array]>> {
    this.open();
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for await (const [k, v] of this.db.iterator(levelRange(opts))) out.push([copy(k), copy(v)]);
    return out;
  }

  async delRange(opts: RangeOptions): Promise<number> {
    this.open();
    let deleted = 0;
    let pending: Uint8Array[] = [];
    for await (const k of this.db.keys(levelRange(opts))) {
      pending.push(k);
      if (pending.length >= DEL_RANGE_BATCH_KEYS) {
        await this.db.batch(pending.map((key) => ({ type: 'del' as const, key })));
        deleted += pending.length;
        pending = [];
      }
    }
    if (pending.length > 0) await this.db.batch(pending.map((key) => ({ type: 'del' as const, key })));
    return deleted + pending.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  private open(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

function levelRange(opts: RangeOptions): LevelRange {
  const r: LevelRange = {};
  if (opts.gt) r.gt = opts.gt;
  if (opts.gte) r.gte = opts.gte;
  if (opts.lt) r.lt = opts.lt;
  if (opts.lte) r.lte = opts.lte;
  if (opts.reverse) r.reverse = true;
  // A missing or negative limit means no limit, as in the in-memory store.
  if (opts.limit !== undefined && opts.limit >= 0) r.limit = Math.floor(opts.limit);
  return r;
}

/** Callers keep ownership of their buffers; LevelDB hands back Buffers we must not share. */
function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
