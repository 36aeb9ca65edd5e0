// Parts of open multipart uploads, kept where every object is: in the FileSystem (on the ring,
// through the server's peer), so the server holds no bytes of them. An upload is a directory
// `/USER/s3-uploads/ID` beside the user's home (S3 and REST listings of the home never show it),
// holding `meta.json` and one file per part, `NNNNN.part`, stored with its MD5 (Stat.md5, the
// part's ETag): a retried part replaces the earlier one, and ListParts needs no other record.
// Completing streams the parts, in order, into storage as one object and removes the directory;
// Abort removes it; an upload neither completed nor aborted is removed after MAX_UPLOAD_AGE_MS by
// the sweep (sweepUser), which runs for a user when they create an upload and hourly for users
// with S3 keys. The parts' bytes count against the user's allowance for staged parts while the
// upload is open (staged.ts), and are given back as Abort, Complete or the sweep removes them.
import { createHash, randomBytes } from 'node:crypto';
import { CumulusError } from '../../core/errors.js';
import { REPLICAS } from '../../services/storage/constants.js';
import type { FileSystem, ListPage, Stat } from '../api/files.js';
import { uploadsPath } from '../api/paths.js';
import { S3Error } from './errors.js';
import { StagedBytes } from './staged.js';

/** S3's bounds on part numbers. */
export const MAX_PART_NUMBER = 10_000;
/** Uploads one user may have open at once. */
export const MAX_OPEN_UPLOADS_PER_USER = 64;
/** An upload neither completed nor aborted is removed after this long (a day, like a lifecycle rule). */
export const MAX_UPLOAD_AGE_MS = 24 * 3600_000;
/** A user's open uploads hold at most this many bytes of parts, unless the server says otherwise (four objects of the default 1 GiB limit). */
export const DEFAULT_MAX_STAGED_BYTES_PER_USER = 4 * 1024 ** 3;
/** Largest meta.json read back (a key of 1,024 bytes and a media type fit many times over). */
const MAX_META_BYTES = 16 * 1024;
/** Entries listed from an upload directory at a time (parts and meta.json). */
const LIST_PAGE = 1000;
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_FILE = /^(\d{5})\.part$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

export interface UploadMeta {
  bucket: string;
  key: string;
  contentType?: string;
  createdMs: number;
}

export interface StagedPart {
  partNumber: number;
  etag: string;
  sizeBytes: number;
  mtimeMs: number;
  path: string;
}

/** The directory of a user's open uploads. */
export function uploadsDir(user: string): string {
  return uploadsPath(user);
}

export class MultipartStore {
  /** Bytes of parts each user holds in open uploads, within an allowance. */
  readonly staged: StagedBytes;

  constructor(
    private readonly fs: FileSystem,
    private readonly maxBytes: number,
    private readonly nowMs: () => number,
    maxStagedBytesPerUser = DEFAULT_MAX_STAGED_BYTES_PER_USER,
  ) {
    this.staged = new StagedBytes(maxStagedBytesPerUser, (user) => this.countStored(user));
  }

  /** The bytes of every part of the user's open uploads, as stored. */
  private async countStored(user: string): Promise<number> {
    const page = await this.fs.list(uploadsDir(user), { limit: MAX_OPEN_UPLOADS_PER_USER * 2 }).catch(notFoundAs({ entries: [] as Stat[] }));
    let n = 0;
    for (const e of page.entries) {
      if (UPLOAD_ID.test(e.name)) for (const p of await this.parts(user, e.name)) n += p.sizeBytes;
    }
    return n;
  }

  private uploadDir(user: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new S3Error(404, 'NoSuchUpload', 'the upload id is not one this server gave out');
    return `${uploadsDir(user)}/${uploadId}`;
  }

  async create(user: string, meta: UploadMeta): Promise<string> {
    await this.sweepUser(user);
    const open = await this.fs.list(uploadsDir(user), { limit: MAX_OPEN_UPLOADS_PER_USER }).catch(notFoundAs({ entries: [] }));
    if (open.entries.length >= MAX_OPEN_UPLOADS_PER_USER) {
      throw new S3Error(503, 'SlowDown', `at most ${MAX_OPEN_UPLOADS_PER_USER} multipart uploads may be open per user: complete or abort one`);
    }
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.uploadDir(user, uploadId);
    await this.fs.mkdir(dir, { parents: true });
    await this.fs.put(`${dir}/meta.json`, once(Buffer.from(JSON.stringify(meta))), { replicas: REPLICAS.default, contentType: 'application/json' });
    return uploadId;
  }

  /** The upload's record, or NoSuchUpload (also for another user's upload id). */
  async meta(user: string, uploadId: string): Promise<UploadMeta> {
    const gone = () => new S3Error(404, 'NoSuchUpload', 'the upload does not exist: it was completed, aborted or never started');
    const file = await this.fs.get(`${this.uploadDir(user, uploadId)}/meta.json`).catch((e: unknown) => {
      throw isNotFound(e) ? gone() : e;
    });
    const bytes: Uint8Array[] = [];
    let n = 0;
    for await (const piece of file.body) {
      n += piece.length;
      if (n > MAX_META_BYTES) throw gone();
      bytes.push(piece);
    }
    return checkedMeta(Buffer.concat(bytes).toString('utf8')) ?? (() => { throw gone(); })();
  }

  /** Each part by part number, in order. */
  async parts(user: string, uploadId: string): Promise<StagedPart[]> {
    const dir = this.uploadDir(user, uploadId);
    const out: StagedPart[] = [];
    let marker: string | undefined;
    do {
      const page = await this.fs.list(dir, { limit: LIST_PAGE, ...(marker !== undefined ? { marker } : {}) }).catch(notFoundAs<ListPage>({ entries: [] }));
      for (const e of page.entries) {
        const m = PART_FILE.exec(e.name);
        if (m && e.type === 'object' && e.md5 !== undefined && MD5_HEX.test(e.md5)) out.push({ partNumber: Number(m[1]), etag: e.md5, sizeBytes: e.sizeBytes, mtimeMs: e.mtimeMs, path: e.path });
      }
      marker = page.next;
    } while (marker !== undefined);
    return out.sort((a, b) => a.partNumber - b.partNumber);
  }

  /**
   * Store a part from its (already checked) body; the upload's parts together stay within the
   * object limit, and the user's staged parts within their allowance (taken as the bytes arrive).
   */
  async putPart(user: string, uploadId: string, partNumber: number, body: AsyncIterable<Uint8Array>): Promise<StagedPart> {
    const dir = this.uploadDir(user, uploadId);
    await this.meta(user, uploadId);
    const all = await this.parts(user, uploadId);
    const replaced = all.find((p) => p.partNumber === partNumber);
    const room = this.maxBytes - all.reduce((n, p) => n + (p === replaced ? 0 : p.sizeBytes), 0);
    const staged = this.staged;
    await staged.of(user);
    const md5 = createHash('md5');
    let digest = '';
    let takenBytes = 0;
    // Storage reports a failed source as its own failure; the refusal is the answer.
    let refused: S3Error | undefined;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const piece of body) {
        if (takenBytes + piece.length > room) throw (refused = new S3Error(400, 'EntityTooLarge', 'the parts of this upload together exceed the object size limit'));
        try {
          staged.take(user, piece.length);
        } catch (e) {
          throw (refused = e as S3Error);
        }
        takenBytes += piece.length;
        md5.update(piece);
        yield piece;
      }
      digest = md5.digest('hex');
    }
    const path = `${dir}/${String(partNumber).padStart(5, '0')}.part`;
    let st;
    try {
      st = await this.fs.put(path, counted(), { replicas: REPLICAS.default, maxBytes: room, md5: () => digest });
    } catch (e) {
      staged.give(user, takenBytes);
      throw refused ?? e;
    }
    // The new part is committed and counted; the one it replaced is gone from storage.
    staged.give(user, takenBytes - st.sizeBytes + (replaced?.sizeBytes ?? 0));
    return { partNumber, etag: digest, sizeBytes: st.sizeBytes, mtimeMs: st.mtimeMs, path };
  }

  /** The chosen parts' bytes, in order, read back from storage. */
  async *read(parts: StagedPart[]): AsyncIterable<Uint8Array> {
    for (const p of parts) yield* (await this.fs.get(p.path)).body;
  }

  /** Remove the upload's parts, its record and its directory; an upload already gone is no error. */
  async remove(user: string, uploadId: string): Promise<void> {
    const dir = this.uploadDir(user, uploadId);
    for (const p of await this.parts(user, uploadId)) {
      await this.fs.rm(p.path).catch(notFoundAs(undefined));
      this.staged.give(user, p.sizeBytes);
    }
    await this.fs.rm(`${dir}/meta.json`).catch(notFoundAs(undefined));
    await this.fs.rm(dir).catch(notFoundAs(undefined));
  }

  /** Remove the user's uploads older than MAX_UPLOAD_AGE_MS (or whose record is gone or unreadable). */
  async sweepUser(user: string): Promise<number> {
    const page = await this.fs.list(uploadsDir(user), { limit: MAX_OPEN_UPLOADS_PER_USER * 2 }).catch(notFoundAs({ entries: [] as Stat[] }));
    let removed = 0;
    for (const e of page.entries) {
      if (!UPLOAD_ID.test(e.name)) continue;
      const meta = await this.meta(user, e.name).catch(() => undefined);
      const createdMs = meta?.createdMs ?? e.mtimeMs;
      if (this.nowMs() - createdMs <= MAX_UPLOAD_AGE_MS) continue;
      await this.remove(user, e.name);
      removed++;
    }
    return removed;
  }
}

/** A stored meta.json, checked: it lives on the ring, and what comes back from there is checked like any input. */
function checkedMeta(text: string): UploadMeta | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const m = v as Partial<UploadMeta> | null;
  if (m === null || typeof m !== 'object' || typeof m.bucket !== 'string' || typeof m.key !== 'string' || typeof m.createdMs !== 'number') return undefined;
  if (m.contentType !== undefined && typeof m.contentType !== 'string') return undefined;
  return { bucket: m.bucket, key: m.key, createdMs: m.createdMs, ...(m.contentType !== undefined ? { contentType: m.contentType } : {}) };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function isNotFound(e: unknown): boolean {
  return e instanceof CumulusError && e.code === 'NOT_FOUND';
}

/** A catch handler: a missing path answers `value`; anything else goes on. */
function notFoundAs<T>(value: T): (e: unknown) => T {
  return (e) => {
    if (isNotFound(e)) return value;
    throw e;
  };
}

/** S3's ETag of a multipart object: the MD5 of the parts' MD5s, then a dash and their count. */
export function multipartEtag(parts: StagedPart[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(Buffer.from(p.etag, 'hex'));
  return `${h.digest('hex')}-${parts.length}`;
}
