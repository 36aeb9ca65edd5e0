// Proves multipart parts live in the FileSystem (on the ring in a real server, never on the server's own disk): a part is a file beside the user's home with its MD5, a retried part replaces the earlier one, Abort removes the upload's files, the sweep removes an upload a day after it began, and open parts count in the user's usage and against their allowance until Abort, Complete or the sweep settles the count.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFileSystem } from '../api/local-fs.js';
import { userUsage } from '../api/usage.js';
import { MAX_UPLOAD_AGE_MS, MultipartStore, uploadsDir } from './multipart.js';

let dir: string;
let fs: LocalFileSystem;
let nowMs = 1_000_000;
let store: MultipartStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cumulus-multipart-'));
  fs = await LocalFileSystem.open(dir);
  store = new MultipartStore(fs, 1 << 30, () => nowMs);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function* bytes(b: Buffer): AsyncIterable<Uint8Array> {
  yield b;
}

const names = async (path: string) => (await fs.list(path, { limit: 100 })).entries.map((e) => e.name);

describe('multipart uploads in the FileSystem', () => {
  it('keeps parts as files with their MD5, replaces a retried part, and Abort removes them', async () => {
    const id = await store.create('alice', { bucket: 'b', key: 'k', createdMs: nowMs });
    await store.putPart('alice', id, 1, bytes(Buffer.from('first try')));
    const part = await store.putPart('alice', id, 1, bytes(Buffer.from('second')));
    await store.putPart('alice', id, 2, bytes(Buffer.from('tail')));
    expect(part.etag).toBe(createHash('md5').update('second').digest('hex'));
    expect(await names(`${uploadsDir('alice')}/${id}`)).toEqual(['00001.part', '00002.part', 'meta.json']);
    expect((await store.parts('alice', id)).map((p) => [p.partNumber, p.sizeBytes, p.etag])).toEqual([[1, 6, part.etag], [2, 4, createHash('md5').update('tail').digest('hex')]]);
    const read: Buffer[] = [];
    for await (const piece of store.read(await store.parts('alice', id))) read.push(Buffer.from(piece));
    expect(Buffer.concat(read).toString()).toBe('secondtail');
    await store.remove('alice', id);
    expect(await names(uploadsDir('alice'))).toEqual([]);
    await expect(store.meta('alice', id)).rejects.toMatchObject({ code: 'NoSuchUpload' });
  });

  it('sweeps an upload a day after it began, and keeps a younger one', async () => {
    const old = await store.create('bob', { bucket: 'b', key: 'old', createdMs: nowMs });
    await store.putPart('bob', old, 1, bytes(Buffer.from('x')));
    nowMs += MAX_UPLOAD_AGE_MS / 2;
    const young = await store.create('bob', { bucket: 'b', key: 'young', createdMs: nowMs });
    nowMs += MAX_UPLOAD_AGE_MS / 2 + 1;
    expect(await store.sweepUser('bob')).toBe(1);
    expect(await names(uploadsDir('bob'))).toEqual([young]);
  });

  it('counts open parts in usage and against the allowance; Abort, Complete and the sweep settle the count', async () => {
    const limited = new MultipartStore(fs, 1 << 30, () => nowMs, 100);
    await fs.mkdir('/carol/home', { parents: true });
    const a = await limited.create('carol', { bucket: 'b', key: 'a', createdMs: nowMs });
    await limited.putPart('carol', a, 1, bytes(Buffer.alloc(40)));
    await limited.putPart('carol', a, 1, bytes(Buffer.alloc(30)));
    await limited.putPart('carol', a, 2, bytes(Buffer.alloc(40)));
    expect(await limited.staged.of('carol')).toBe(70);
    const usage = await userUsage(fs, 'carol');
    expect(usage?.bytesStored).toBe(usage?.openUploadBytes);
    expect(usage!.openUploadBytes! - 70).toBe((await fs.stat(`${uploadsDir('carol')}/${a}/meta.json`)).sizeBytes);
    // Another upload may not take more than the 30 bytes left; the refused part is not kept.
    const b = await limited.create('carol', { bucket: 'b', key: 'b', createdMs: nowMs });
    await expect(limited.putPart('carol', b, 1, bytes(Buffer.alloc(31)))).rejects.toMatchObject({ code: 'QuotaExceeded', status: 403 });
    expect(await limited.parts('carol', b)).toEqual([]);
    expect(await limited.staged.of('carol')).toBe(70);
    await limited.putPart('carol', b, 1, bytes(Buffer.alloc(30)));
    // A server started again counts what is stored.
    const restarted = new MultipartStore(fs, 1 << 30, () => nowMs, 100);
    expect(await restarted.staged.of('carol')).toBe(100);
    await limited.remove('carol', a);
    expect(await limited.staged.of('carol')).toBe(30);
    await limited.putPart('carol', b, 2, bytes(Buffer.alloc(70)));
    nowMs += MAX_UPLOAD_AGE_MS + 1;
    expect(await limited.sweepUser('carol')).toBe(1);
    expect(await limited.staged.of('carol')).toBe(0);
    expect((await userUsage(fs, 'carol'))?.openUploadBytes).toBe(0);
  });
});
