// Proves the S3 door with real clients against `cumulus up`: rclone syncs a tree of 200 files up and back byte-identical, s3cmd makes a bucket and puts, lists, gets and syncs, the AWS SDK uploads 100 MB in parts, lists with a delimiter and reads through a presigned URL; a key made by `cumulus user add` on the running server works, and wrong signatures, expired URLs and another user's bucket are refused with S3's codes.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListBucketsCommand,
  ListObjectsV2Command, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { BIN, startUp, stopUp, type Ready } from '../../bench/up-process.js';
import { s3Client } from './test-util/s3-gateway.js';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'cumulus-s3-clients-'));
const data = join(dir, 'cloud');
let up: ChildProcess;
let ready: Ready;
let dev: S3Client;
// The clients must not pick up the machine's AWS settings (a CA bundle for another endpoint).
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
env.HOME = dir;

function run(cmd: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 16 << 20 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function filesUnder(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), readFileSync(p));
    }
  };
  walk(root);
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'ok', (e: { name: string }) => e.name);
}

beforeAll(async () => {
  ({ up, ready } = await startUp(['--peers', '3', '--s3-port', '0', '--data', data]));
  dev = s3Client(ready.s3.endpoint, ready.s3);
}, 90_000);

afterAll(async () => {
  dev?.destroy();
  if (up) await stopUp(up);
  rmSync(dir, { recursive: true, force: true });
});

describe('the S3 door with real clients', () => {
  it('syncs a tree of 200 files up and back with rclone, byte-identical, and lists it with a delimiter', async () => {
    const tree = join(dir, 'tree');
    for (let i = 0; i < 200; i++) {
      const sub = join(tree, `d${i % 7}`, `s${i % 3}`);
      mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `f${i}.bin`), randomBytes(1 + ((i * 7919) % 20_000)));
    }
    const conf = join(dir, 'rclone.conf');
    writeFileSync(conf, ['[cu]', 'type = s3', 'provider = Other', `endpoint = ${ready.s3.endpoint}`, `access_key_id = ${ready.s3.accessKeyId}`,
      `secret_access_key = ${ready.s3.secretAccessKey}`, 'region = us-east-1', 'force_path_style = true', ''].join('\n'));
    expect(run('rclone', ['--config', conf, 'mkdir', 'cu:tree']).code).toBe(0);
    const upSync = run('rclone', ['--config', conf, 'sync', tree, 'cu:tree']);
    expect(upSync.out).toBe('');
    expect(upSync.code).toBe(0);
    const back = join(dir, 'back');
    expect(run('rclone', ['--config', conf, 'sync', 'cu:tree', back]).code).toBe(0);
    // rclone compares the objects' ETags with its own MD5s of the local files: every one matches.
    expect(run('rclone', ['--config', conf, 'check', tree, 'cu:tree']).code).toBe(0);
    const sent = filesUnder(tree);
    const got = filesUnder(back);
    expect([...got.keys()].sort()).toEqual([...sent.keys()].sort());
    for (const [name, bytes] of sent) expect(got.get(name)?.equals(bytes), name).toBe(true);
    const top = await dev.send(new ListObjectsV2Command({ Bucket: 'tree', Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['d0/', 'd1/', 'd2/', 'd3/', 'd4/', 'd5/', 'd6/']);
    const inD0 = await dev.send(new ListObjectsV2Command({ Bucket: 'tree', Delimiter: '/', Prefix: 'd0/s1/' }));
    expect(inD0.Contents?.length).toBe([...sent.keys()].filter((k) => k.startsWith('d0/s1/')).length);
  });

  it('makes a bucket and puts, lists, gets and syncs with s3cmd', () => {
    const cfg = join(dir, 's3cfg');
    const host = ready.s3.endpoint.replace(/^http:\/\//, '');
    writeFileSync(cfg, ['[default]', `access_key = ${ready.s3.accessKeyId}`, `secret_key = ${ready.s3.secretAccessKey}`, `host_base = ${host}`,
      `host_bucket = ${host}`, 'use_https = False', 'signature_v2 = False', 'bucket_location = us-east-1', ''].join('\n'));
    const s3cmd = (...args: string[]) => run('s3cmd', ['-c', cfg, ...args]);
    expect(s3cmd('mb', 's3://cmd').code).toBe(0);
    const file = join(dir, 'one.bin');
    writeFileSync(file, randomBytes(300_000));
    expect(s3cmd('put', file, 's3://cmd/x/one.bin').code).toBe(0);
    expect(s3cmd('ls', 's3://cmd/x/').out).toMatch(/300000 +s3:\/\/cmd\/x\/one\.bin/);
    const copy = join(dir, 'one.copy');
    // s3cmd checks the ETag it reads against its own MD5 of the bytes: it must not warn.
    const get = s3cmd('get', 's3://cmd/x/one.bin', copy);
    expect(get.code).toBe(0);
    expect(get.out).not.toMatch(/MD5 signatures do not match/);
    expect(readFileSync(copy).equals(readFileSync(file))).toBe(true);
    expect(s3cmd('sync', `${join(dir, 'tree', 'd3')}/`, 's3://cmd/d3/').code).toBe(0);
    // A second sync finds every file unchanged by its MD5 (the listing's ETag) and sends nothing.
    expect(s3cmd('sync', '--dry-run', `${join(dir, 'tree', 'd3')}/`, 's3://cmd/d3/').out).not.toMatch(/upload:/);
    expect(s3cmd('ls', '-r', 's3://cmd/d3/').out.trim().split('\n').length).toBe(filesUnder(join(dir, 'tree', 'd3')).size);
  });

  it('uploads 100 MB in parts with the AWS SDK and reads it back, and serves a presigned GET', async () => {
    await dev.send(new CreateBucketCommand({ Bucket: 'big' }));
    const partBytes = 5 * MiB;
    const parts = 20;
    const partOf = (i: number) => createHash('sha512').update(String(i)).digest().toString('hex').repeat(partBytes / 128).slice(0, partBytes);
    const whole = createHash('sha256');
    for (let i = 0; i < parts; i++) whole.update(partOf(i));
    const { UploadId } = await dev.send(new CreateMultipartUploadCommand({ Bucket: 'big', Key: 'blob' }));
    const etags: string[] = [];
    for (let i = 0; i < parts; i += 4) {
      await Promise.all([0, 1, 2, 3].map(async (j) => {
        etags[i + j] = (await dev.send(new UploadPartCommand({ Bucket: 'big', Key: 'blob', UploadId, PartNumber: i + j + 1, Body: Buffer.from(partOf(i + j)) }))).ETag!;
      }));
    }
    await dev.send(new CompleteMultipartUploadCommand({ Bucket: 'big', Key: 'blob', UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    const got = await dev.send(new GetObjectCommand({ Bucket: 'big', Key: 'blob' }));
    expect(got.ContentLength).toBe(parts * partBytes);
    const back = createHash('sha256');
    for await (const piece of got.Body as AsyncIterable<Uint8Array>) back.update(piece);
    expect(back.digest('hex')).toBe(whole.digest('hex'));
    await dev.send(new PutObjectCommand({ Bucket: 'big', Key: 'note.txt', Body: 'presigned' }));
    const url = await getSignedUrl(dev, new GetObjectCommand({ Bucket: 'big', Key: 'note.txt' }), { expiresIn: 300 });
    expect(await (await fetch(url)).text()).toBe('presigned');
  }, 120_000);

  it('accepts a key made by cumulus user add on the running server and refuses bad signatures, expired URLs and other users\' buckets', async () => {
    const added = spawnSync(process.execPath, [BIN, 'user', 'add', 'bob', '--data', data, '--json'], { env, encoding: 'utf8' });
    const bobKey = JSON.parse(added.stdout) as { accessKeyId: string; secretAccessKey: string };
    const bob = s3Client(ready.s3.endpoint, bobKey);
    expect((await bob.send(new ListBucketsCommand({}))).Buckets ?? []).toEqual([]);
    expect(await codeOf(bob.send(new GetObjectCommand({ Bucket: 'dev:big', Key: 'note.txt' })))).toBe('AccessDenied');
    const forged = s3Client(ready.s3.endpoint, { accessKeyId: ready.s3.accessKeyId, secretAccessKey: bobKey.secretAccessKey });
    expect(await codeOf(forged.send(new GetObjectCommand({ Bucket: 'big', Key: 'note.txt' })))).toBe('SignatureDoesNotMatch');
    const old = await getSignedUrl(dev, new GetObjectCommand({ Bucket: 'big', Key: 'note.txt' }), { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    bob.destroy();
    forged.destroy();
  });
});
