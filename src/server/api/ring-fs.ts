// The gateway's FileSystem over the cloud's storage: the storage client of the server's own peer.
// Bodies stream through (storage buffers a few chunks, never a file), the etag is the file's
// SHA-256 (computed by storage while it cuts the chunks), and storage's errors keep the codes the
// gateway maps to HTTP (errors.ts).
import { CumulusError, NotFoundError } from '../../core/errors.js';
import type { StorageClient, Stat as StorageStat } from '../../services/storage/client.js';
import { MAX_LIST_LIMIT } from '../../services/storage/constants.js';
import { IsADirectoryError } from '../../services/storage/errors.js';
import {
  ParentNotDirectoryError, sizeChecked,
  type ByteRange, type FileStat, type FileSystem, type ListOptions, type ListPage, type PutOptions, type Stat, type Usage,
} from './files.js';
import { baseName, parentPath } from './paths.js';

/** Largest page storage answers (MAX_LIST_LIMIT); the gateway's pages (up to 1024) take several. */
const STORAGE_PAGE = MAX_LIST_LIMIT;
/** Entries of a listing stat'ed at once (each is a metadata request to its own sKeeper). */
const STAT_CONCURRENCY = 8;
/** The usage walk stops after this many entries: every entry costs a request on the ring. */
export const MAX_RING_USAGE_ENTRIES = 10_000;

type FileStatOf = Extract<StorageStat, { kind: 'file' }>;

export class RingFileSystem implements FileSystem {
  /**
   * `clientOf` answers the storage client of the gateway's peer, or null while the peer is not on
   * the ring (starting, or gone): requests then fail with 503 rather than wait.
   */
  constructor(private readonly clientOf: () => StorageClient | null) {}

  /**
   * The storage record behind each file Stat this instance answered (chunk list included), so a
   * GET reads exactly the version its headers describe, with one metadata request instead of two.
   * Weak: an entry lives as long as the caller keeps the Stat.
   */
  private readonly records = new WeakMap<Stat, FileStatOf>();

  private client(): StorageClient {
    const c = this.clientOf();
    if (!c) throw new CumulusError('PEER_GONE', 'the gateway is not on the ring yet; retry shortly');
    return c;
  }

  async stat(path: string): Promise<Stat> {
    const s = await this.storageStat(path);
    const stat = toStat(s);
    if (s.kind === 'file') this.records.set(stat, s);
    return stat;
  }

  private async storageStat(path: string): Promise<StorageStat> {
    try {
      return await this.client().stat(path);
    } catch (e) {
      throw mapError(e, path);
    }
  }

  async put(path: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<FileStat> {
    await this.requireParentDir(path);
    // Sizes are checked as the bytes pass; failing here, before storage commits, leaves the old version.
    try {
      const r = await this.client().put(path, sizeChecked(body, opts), { replicas: opts.replicas, ...(opts.contentType ? { contentType: opts.contentType } : {}), ...(opts.md5 ? { md5: opts.md5 } : {}) });
      const stat: FileStat = { name: baseName(path), path, type: 'object', mtimeMs: r.mtimeMs, sizeBytes: r.size, etag: r.etag, replicas: r.replicas };
      if (opts.contentType) stat.contentType = opts.contentType;
      if (r.md5 !== undefined) stat.md5 = r.md5;
      return stat;
    } catch (e) {
      throw mapError(e, path);
    }
  }

  async get(path: string, range?: ByteRange, known?: Stat): Promise<{ stat: FileStat; body: AsyncIterable<Uint8Array> }> {
    const record = known ? this.records.get(known) : undefined;
    const s = record && record.path === path ? record : await this.storageStat(path);
    if (s.kind !== 'file') throw new IsADirectoryError(path);
    if (range && (range.start < 0 || range.end < range.start || range.end >= s.size)) {
      throw new CumulusError('INVALID_ARGUMENT', `range ${range.start}-${range.end} is outside 0-${s.size - 1}`);
    }
    const client = this.client();
    return { stat: toStat(s) as FileStat, body: mapped(client.read(s, range), path) };
  }

  async list(dir: string, opts: ListOptions): Promise<ListPage> {
    const client = this.client();
    const names: string[] = [];
    let marker = opts.marker;
    let more = false;
    try {
      while (names.length < opts.limit) {
        const page = await client.list(dir, { limit: Math.min(STORAGE_PAGE, opts.limit - names.length), ...(marker !== undefined ? { marker } : {}) });
        names.push(...page.entries.map((e) => e.name));
        more = page.next !== undefined;
        if (!more) break;
        marker = page.next;
      }
    } catch (e) {
      throw mapError(e, dir);
    }
    const prefix = dir === '/' ? '' : dir;
    const stats = await mapLimited(names, STAT_CONCURRENCY, (name) => this.stat(`${prefix}/${name}`).catch(() => undefined));
    // An entry removed between the listing and its stat is left out of the page.
    const entries = stats.filter((s): s is Stat => s !== undefined);
    const last = names[names.length - 1];
    return more && last !== undefined ? { entries, next: last } : { entries };
  }

  async mkdir(path: string, opts: { parents: boolean }): Promise<Stat> {
    const existing = await this.stat(path).catch(() => undefined);
    if (existing?.type === 'directory') return existing;
    if (existing) throw new CumulusError('ALREADY_EXISTS', `${path} already exists and is an object`);
    const client = this.client();
    try {
      if (opts.parents) {
        // mkdir is idempotent in storage, so walking down from the top creates only what is missing.
        const parts = path.split('/').filter((p) => p.length > 0);
        for (let i = 1; i < parts.length; i++) await client.mkdir('/' + parts.slice(0, i).join('/'));
      } else {
        await this.requireParentDir(path);
      }
      await client.mkdir(path);
    } catch (e) {
      throw mapError(e, path);
    }
    return this.stat(path);
  }

  async rm(path: string): Promise<void> {
    try {
      await this.client().rm(path);
    } catch (e) {
      throw mapError(e, path);
    }
  }

  async usage(dir: string): Promise<Usage> {
    const totals: Usage = { bytesStored: 0, bytesWithReplicas: 0, objects: 0, directories: 0 };
    const pending = [dir];
    let seen = 0;
    while (pending.length > 0 && seen < MAX_RING_USAGE_ENTRIES) {
      const current = pending.pop() as string;
      let marker: string | undefined;
      do {
        const page = await this.list(current, { limit: STORAGE_PAGE, ...(marker !== undefined ? { marker } : {}) }).catch(() => ({ entries: [] }) as ListPage);
        for (const e of page.entries) {
          seen++;
          if (e.type === 'directory') {
            totals.directories++;
            pending.push(e.path);
          } else {
            totals.objects++;
            totals.bytesStored += e.sizeBytes;
            totals.bytesWithReplicas += e.sizeBytes * (e.replicas ?? 1);
          }
        }
        marker = page.next;
      } while (marker !== undefined && seen < MAX_RING_USAGE_ENTRIES);
    }
    return totals;
  }

  private async requireParentDir(path: string): Promise<void> {
    const parent = parentPath(path);
    const st = await this.stat(parent).catch((e: unknown) => {
      if (e instanceof CumulusError && e.code === 'NOT_FOUND') throw new NotFoundError(`parent directory ${parent}`);
      throw e;
    });
    if (st.type !== 'directory') throw new ParentNotDirectoryError(parent);
  }
}

function toStat(s: StorageStat): Stat {
  if (s.kind === 'dir') return { name: baseName(s.path), path: s.path, type: 'directory', mtimeMs: s.mtimeMs, sizeBytes: 0 };
  const f: FileStatOf = s;
  const stat: FileStat = { name: baseName(f.path), path: f.path, type: 'object', mtimeMs: f.mtimeMs, sizeBytes: f.size, etag: f.etag, replicas: f.replicas };
  if (f.contentType) stat.contentType = f.contentType;
  if (f.md5 !== undefined) stat.md5 = f.md5;
  return stat;
}

/** Errors while streaming a body are mapped too (a chunk gone mid-read is a 503, not a 404). */
async function* mapped(body: AsyncIterable<Uint8Array>, path: string): AsyncIterable<Uint8Array> {
  try {
    yield* body;
  } catch (e) {
    throw mapError(e, path);
  }
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Storage's errors keep their codes, which errors.ts maps to HTTP statuses; those about a chunk
 * or a peer rather than the path get the path in front, so the client's message says which object.
 */
export function mapError(e: unknown, path: string): unknown {
  if (e instanceof CumulusError && (e.code === 'REFUSED' || e.code === 'UNAVAILABLE')) return new CumulusError(e.code, `${path}: ${e.message}`);
  return e;
}
