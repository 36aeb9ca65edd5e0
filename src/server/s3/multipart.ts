// Staged parts of multipart uploads, on the server's disk until the upload completes. A part is
// written whole to a file named by its number and MD5 (its ETag), so a retried part replaces the
// earlier one and ListParts needs no other record. Completing streams the parts, in order, into
// storage as one object and removes them; abandoned uploads are removed after MAX_UPLOAD_AGE_MS.
// This is the only place the S3 door keeps bytes of its own, and only while an upload is open.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { S3Error } from './errors.js';

/** S3's bounds on part numbers. */
export const MAX_PART_NUMBER = 10_000;
/** Uploads one user may have open at once. */
export const MAX_OPEN_UPLOADS_PER_USER = 64;
/** An upload neither completed nor aborted is removed after this long (a day, like a lifecycle rule). */
export const MAX_UPLOAD_AGE_MS = 24 * 3600_000;
/** Bytes read from a staged part at a time while it is streamed into storage. */
const READ_CHUNK_BYTES = 1 << 20;
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_FILE = /^(\d{5})-([0-9a-f]{32})\.part$/;

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
  file: string;
}

export class MultipartStore {
  private constructor(private readonly dir: string, private readonly maxBytes: number) {}

  /** Open the staging directory and drop uploads older than MAX_UPLOAD_AGE_MS. */
  static async open(dir: string, maxObjectBytes: number, nowMs: number): Promise<MultipartStore> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new MultipartStore(dir, maxObjectBytes);
    for (const user of await fsp.readdir(dir).catch(() => [])) {
      for (const id of await fsp.readdir(join(dir, user)).catch(() => [])) {
        const meta = await store.meta(user, id).catch(() => undefined);
        if (!meta || nowMs - meta.createdMs > MAX_UPLOAD_AGE_MS) await fsp.rm(join(dir, user, id), { recursive: true, force: true });
      }
    }
    return store;
  }

  private uploadDir(user: string, uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new S3Error(404, 'NoSuchUpload', 'the upload id is not one this server gave out');
    return join(this.dir, user, uploadId);
  }

  async create(user: string, meta: UploadMeta): Promise<string> {
    const userDir = join(this.dir, user);
    await fsp.mkdir(userDir, { recursive: true });
    if ((await fsp.readdir(userDir)).length >= MAX_OPEN_UPLOADS_PER_USER) {
      throw new S3Error(503, 'SlowDown', `at most ${MAX_OPEN_UPLOADS_PER_USER} multipart uploads may be open per user: complete or abort one`);
    }
    const uploadId = randomBytes(16).toString('hex');
    const dir = this.uploadDir(user, uploadId);
    await fsp.mkdir(dir);
    await fsp.writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
    return uploadId;
  }

  /** The upload's record, or NoSuchUpload (also for another user's upload id). */
  async meta(user: string, uploadId: string): Promise<UploadMeta> {
    const text = await fsp.readFile(join(this.uploadDir(user, uploadId), 'meta.json'), 'utf8').catch(() => undefined);
    if (text === undefined) throw new S3Error(404, 'NoSuchUpload', 'the upload does not exist: it was completed, aborted or never started');
    return JSON.parse(text) as UploadMeta;
  }

  /** The latest copy of each part, by part number. */
  async parts(user: string, uploadId: string): Promise<StagedPart[]> {
    const dir = this.uploadDir(user, uploadId);
    const byNumber = new Map<number, StagedPart>();
    for (const name of await fsp.readdir(dir).catch(() => [])) {
      const m = PART_FILE.exec(name);
      if (!m) continue;
      const st = await fsp.stat(join(dir, name)).catch(() => undefined);
      if (!st) continue;
      const part: StagedPart = { partNumber: Number(m[1]), etag: m[2]!, sizeBytes: st.size, mtimeMs: st.mtimeMs, file: join(dir, name) };
      const had = byNumber.get(part.partNumber);
      if (!had || had.mtimeMs <= part.mtimeMs) byNumber.set(part.partNumber, part);
    }
    return [...byNumber.values()].sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Write a part from its (already checked) body; the upload's parts together stay within the object limit. */
  async putPart(user: string, uploadId: string, partNumber: number, body: AsyncIterable<Uint8Array>): Promise<StagedPart> {
    const dir = this.uploadDir(user, uploadId);
    await this.meta(user, uploadId);
    const others = (await this.parts(user, uploadId)).filter((p) => p.partNumber !== partNumber);
    const room = this.maxBytes - others.reduce((n, p) => n + p.sizeBytes, 0);
    const tmp = join(dir, `${randomBytes(8).toString('hex')}.tmp`);
    const md5 = createHash('md5');
    let sizeBytes = 0;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const piece of body) {
        sizeBytes += piece.length;
        if (sizeBytes > room) throw new S3Error(400, 'EntityTooLarge', 'the parts of this upload together exceed the object size limit');
        md5.update(piece);
        yield piece;
      }
    }
    try {
      await pipeline(counted, createWriteStream(tmp, { mode: 0o600 }));
      const etag = md5.digest('hex');
      const file = join(dir, `${String(partNumber).padStart(5, '0')}-${etag}.part`);
      await fsp.rename(tmp, file);
      for (const p of await this.parts(user, uploadId)) {
        if (p.partNumber === partNumber && p.file !== file) await fsp.rm(p.file, { force: true });
      }
      return { partNumber, etag, sizeBytes, mtimeMs: Date.now(), file };
    } finally {
      await fsp.rm(tmp, { force: true });
    }
  }

  async remove(user: string, uploadId: string): Promise<void> {
    await fsp.rm(this.uploadDir(user, uploadId), { recursive: true, force: true });
  }
}

/** The chosen parts' bytes, in order, read from disk a megabyte at a time. */
export async function* concatParts(parts: StagedPart[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield* createReadStream(p.file, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>;
}

/** S3's ETag of a multipart object: the MD5 of the parts' MD5s, then a dash and their count. */
export function multipartEtag(parts: StagedPart[]): string {
  const h = createHash('md5');
  for (const p of parts) h.update(Buffer.from(p.etag, 'hex'));
  return `${h.digest('hex')}-${parts.length}`;
}
