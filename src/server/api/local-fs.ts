// A FileSystem over a directory on disk, for a single-machine gateway and the gateway's tests.
// Layout under the root: `data/` mirrors the namespace (directories are directories, objects are
// files), `meta/` mirrors it too with one JSON document per object (etag, replicas, media type),
// and `tmp/` holds uploads until they are complete. An upload is streamed to tmp/ while it is
// hashed, then renamed into place, so a reader never sees half an object and a failed upload
// leaves nothing behind.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CumulusError, NotFoundError, OverQuotaError } from '../../core/errors.js';
import { DirectoryNotEmptyError, IsADirectoryError, NotADirectoryError } from '../../services/storage/errors.js';
import {
  ParentNotDirectoryError, sizeChecked,
  type ByteRange, type FileStat, type FileSystem, type ListOptions, type ListPage, type PutOptions, type Stat, type Usage,
} from './files.js';
import { baseName, parentPath, storageSegments } from './paths.js';

/** The usage walk stops after this many entries so a huge tree cannot stall the gateway. */
export const MAX_USAGE_WALK_ENTRIES = 1_000_000;

interface ObjectMeta {
  etag: string;
  sizeBytes: number;
  replicas: number;
  contentType?: string;
  md5?: string;
}

export class LocalFileSystem implements FileSystem {
  private readonly dataDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;

  private constructor(root: string) {
    this.dataDir = join(root, 'data');
    this.metaDir = join(root, 'meta');
    this.tmpDir = join(root, 'tmp');
  }

  /** Open (creating if needed) a file system rooted at `root`. Stale uploads are cleared. */
  static async open(root: string): Promise<LocalFileSystem> {
    const fs = new LocalFileSystem(root);
    await fsp.mkdir(fs.dataDir, { recursive: true });
    await fsp.mkdir(fs.metaDir, { recursive: true });
    await fsp.rm(fs.tmpDir, { recursive: true, force: true });
    await fsp.mkdir(fs.tmpDir, { recursive: true });
    return fs;
  }

  private data(path: string): string {
    return join(this.dataDir, ...storageSegments(path));
  }

  private meta(path: string): string {
    return join(this.metaDir, ...storageSegments(path));
  }

  async stat(path: string): Promise<Stat> {
    const st = await fsp.stat(this.data(path)).catch((e) => { throw mapFsError(e, path); });
    if (st.isDirectory()) return { name: baseName(path), path, type: 'directory', mtimeMs: st.mtimeMs, sizeBytes: 0 };
    const meta = await this.readMeta(path, st.size, st.mtimeMs);
    return objectStat(path, st.mtimeMs, meta);
  }

  private async readMeta(path: string, sizeBytes: number, mtimeMs: number): Promise<ObjectMeta> {
    try {
      const meta = JSON.parse(await fsp.readFile(this.meta(path), 'utf8')) as ObjectMeta;
      if (meta.sizeBytes === sizeBytes) return meta;
    } catch {
      // Missing or unreadable metadata (a crash between the two renames): fall through.
    }
    // Without trustworthy metadata the tag is derived from size and time, which still changes
    // whenever the object is replaced.
    return { etag: `w-${sizeBytes.toString(16)}-${Math.floor(mtimeMs).toString(16)}`, sizeBytes, replicas: 1 };
  }

  async put(path: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<FileStat> {
    await this.requireParentDir(path);
    const existing = await fsp.stat(this.data(path)).catch(() => undefined);
    if (existing?.isDirectory()) throw new IsADirectoryError(path);
    const tmp = join(this.tmpDir, randomBytes(12).toString('hex'));
    const hash = createHash('sha256');
    let sizeBytes = 0;
    async function* hashed(): AsyncIterable<Uint8Array> {
      for await (const chunk of sizeChecked(body, opts)) {
        sizeBytes += chunk.length;
        hash.update(chunk);
        yield chunk;
      }
    }
    try {
      await pipeline(Readable.from(hashed()), createWriteStream(tmp, { flags: 'wx' }));
      const meta: ObjectMeta = { etag: hash.digest('hex'), sizeBytes, replicas: opts.replicas };
      if (opts.contentType) meta.contentType = opts.contentType;
      const md5 = opts.md5?.();
      if (md5 !== undefined) meta.md5 = md5;
      const metaTmp = `${tmp}.json`;
      await fsp.writeFile(metaTmp, JSON.stringify(meta));
      await fsp.rename(tmp, this.data(path));
      await fsp.rename(metaTmp, this.meta(path));
      const st = await fsp.stat(this.data(path));
      return objectStat(path, st.mtimeMs, meta);
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      await fsp.rm(`${tmp}.json`, { force: true });
      throw mapFsError(e, path);
    }
  }

  async get(path: string, range?: ByteRange): Promise<{ stat: FileStat; body: AsyncIterable<Uint8Array> }> {
    const stat = await this.stat(path);
    if (stat.type !== 'object') throw new IsADirectoryError(path);
    if (range && (range.start < 0 || range.end < range.start || range.end >= stat.sizeBytes)) {
      throw new CumulusError('INVALID_ARGUMENT', `range ${range.start}-${range.end} is outside 0-${stat.sizeBytes - 1}`);
    }
    // Open the descriptor now so that a missing file fails here, not in the middle of a response.
    const handle = await fsp.open(this.data(path), 'r').catch((e) => { throw mapFsError(e, path); });
    const body = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { stat: stat as FileStat, body };
  }

  async list(dir: string, opts: ListOptions): Promise<ListPage> {
    const st = await this.stat(dir);
    if (st.type !== 'directory') throw new NotADirectoryError(dir);
    const names = (await fsp.readdir(this.data(dir))).sort(compareNames);
    const after = opts.marker === undefined ? names : names.filter((n) => compareNames(n, opts.marker as string) > 0);
    const page = after.slice(0, opts.limit);
    const prefix = dir === '/' ? '' : dir;
    const entries: Stat[] = [];
    for (const name of page) {
      // An entry removed between readdir and stat is simply left out of the page.
      const entry = await this.stat(`${prefix}/${name}`).catch(() => undefined);
      if (entry) entries.push(entry);
    }
    const last = page[page.length - 1];
    return after.length > page.length && last !== undefined ? { entries, next: last } : { entries };
  }

  async mkdir(path: string, opts: { parents: boolean }): Promise<Stat> {
    const existing = await this.stat(path).catch(() => undefined);
    if (existing?.type === 'directory') return existing;
    if (existing) throw new CumulusError('ALREADY_EXISTS', `${path} already exists and is an object`);
    if (!opts.parents) await this.requireParentDir(path);
    try {
      await fsp.mkdir(this.data(path), { recursive: true });
      await fsp.mkdir(this.meta(path), { recursive: true });
    } catch (e) {
      throw mapFsError(e, path);
    }
    return this.stat(path);
  }

  async rm(path: string): Promise<void> {
    const st = await this.stat(path);
    try {
      if (st.type === 'directory') {
        await fsp.rmdir(this.data(path));
        await fsp.rm(this.meta(path), { recursive: true, force: true });
      } else {
        await fsp.unlink(this.data(path));
        await fsp.rm(this.meta(path), { force: true });
      }
    } catch (e) {
      throw mapFsError(e, path);
    }
  }

  async usage(dir: string): Promise<Usage> {
    const totals: Usage = { bytesStored: 0, bytesWithReplicas: 0, objects: 0, directories: 0 };
    const pending = [dir];
    let seen = 0;
    while (pending.length > 0 && seen < MAX_USAGE_WALK_ENTRIES) {
      const current = pending.pop() as string;
      const names = await fsp.readdir(this.data(current)).catch(() => [] as string[]);
      for (const name of names) {
        seen++;
        const entry = await this.stat(`${current}/${name}`).catch(() => undefined);
        if (!entry) continue;
        if (entry.type === 'directory') {
          totals.directories++;
          pending.push(entry.path);
        } else {
          totals.objects++;
          totals.bytesStored += entry.sizeBytes;
          totals.bytesWithReplicas += entry.sizeBytes * (entry.replicas ?? 1);
        }
      }
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

function objectStat(path: string, mtimeMs: number, meta: ObjectMeta): FileStat {
  const stat: FileStat = {
    name: baseName(path), path, type: 'object', mtimeMs, sizeBytes: meta.sizeBytes, etag: meta.etag, replicas: meta.replicas,
  };
  if (meta.contentType) stat.contentType = meta.contentType;
  if (meta.md5 !== undefined) stat.md5 = meta.md5;
  return stat;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Turn node:fs errors into the CumulusError codes the gateway maps to HTTP statuses. */
function mapFsError(e: unknown, path: string): CumulusError {
  if (e instanceof CumulusError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return new NotFoundError(path);
    case 'ENOTDIR': return new ParentNotDirectoryError(path, `a parent of ${path} is not a directory`);
    case 'EEXIST': return new CumulusError('ALREADY_EXISTS', `${path} already exists`);
    case 'EISDIR': return new IsADirectoryError(path);
    case 'ENOTEMPTY': return new DirectoryNotEmptyError(path);
    case 'ENOSPC': case 'EDQUOT': return new OverQuotaError(0, 0);
    default: return new CumulusError('INTERNAL', `storage failed on ${path}: ${(e as Error).message ?? String(e)}`);
  }
}
