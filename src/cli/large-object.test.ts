// Proves a 1 GiB object goes into `cumulus put` from stdin and comes back out of `cumulus get` on stdout byte for byte, through a local cloud (`cumulus up`: the server and 3 volunteer processes), with every process's peak RSS under 500 MB; prints the figures. It takes about 6 minutes on the shared 2-core machine, so it runs with `npm run test:large` (or CUMULUS_LARGE_OBJECT_MIB=N for another size), not in `npm test`.
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { BIN, startUp, type Ready } from './test-util/local-cloud.js';

const MIB = 1024 * 1024;
/** The object's size in MiB; the test runs only when it is given (`npm run test:large` gives 1024). */
const OBJECT_MIB = process.env.CUMULUS_LARGE_OBJECT_MIB;
const OBJECT_BYTES = Number(OBJECT_MIB ?? 1024) * MIB;
/** The acceptance's bound on every process's peak resident set, in bytes (500 MB, MB = 10^6). */
const PEAK_RSS_LIMIT_BYTES = 500e6;
const VOLUNTEERS = 3;
/** Each volunteer lends room for a replica of every chunk, with space to spare (MiB). */
const QUOTA_MIB = 2048;

let dir = '';
let up: ChildProcess;
let ready: Ready | undefined;

// Every Node process started below (the CLI, `cumulus up`, the volunteers it forks) inherits
// NODE_OPTIONS, so each writes its peak resident set (getrusage's ru_maxrss) as it exits.
const PRELOAD = `
const { writeFileSync } = require('node:fs');
const dir = process.env.CUMULUS_RSS_DIR;
if (dir) process.on('exit', () => {
  try {
    writeFileSync(dir + '/' + process.pid + '.json', JSON.stringify({ pid: process.pid, command: process.argv.slice(2, 3).join(' '), maxRssKiB: process.resourceUsage().maxRSS }));
  } catch {}
});
`;

const rssDir = () => join(dir, 'rss');
const env = (): NodeJS.ProcessEnv => ({ ...process.env, NODE_OPTIONS: `--require ${join(dir, 'report-rss.cjs')}`, CUMULUS_RSS_DIR: rssDir(), CUMULUS_URL: ready?.url ?? '', CUMULUS_TOKEN: ready?.token ?? '' });

/** Deterministic, incompressible bytes that never repeat a chunk: AES-128-CTR's keystream under a fixed key. */
async function* objectBytes(total: number): AsyncGenerator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(MIB);
  for (let sent = 0; sent < total; sent += MIB) yield cipher.update(zeros.subarray(0, Math.min(MIB, total - sent)));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe.skipIf(OBJECT_MIB === undefined)(`a ${OBJECT_BYTES / MIB} MiB object through the CLI`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cumulus-large-'));
    mkdirSync(rssDir());
    writeFileSync(join(dir, 'report-rss.cjs'), PRELOAD);
    ({ up, ready } = await startUp(['--peers', String(VOLUNTEERS), '--quota-mb', String(QUOTA_MIB), '--data', join(dir, 'cloud')], env()));
  }, 120_000);

  afterAll(async () => {
    // Ctrl-C lets `up` stop its volunteers and every process report its peak; then the disk is freed.
    if (up && up.exitCode === null) {
      const gone = exited(up);
      up.kill('SIGINT');
      const timer = setTimeout(() => up.kill('SIGKILL'), 30_000);
      await gone;
      clearTimeout(timer);
    }
    // Volunteers whose parent is gone leave by themselves (they watch their IPC channel).
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('goes in from stdin and comes back on stdout byte for byte, every process under 500 MB of peak RSS', async () => {
    const put = spawn(process.execPath, [BIN, 'put', 'large.bin'], { env: env(), stdio: ['pipe', 'inherit', 'inherit'] });
    const sent = createHash('sha256');
    const t0 = performance.now();
    await pipeline(
      Readable.from(objectBytes(OBJECT_BYTES)),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const piece of source) {
          sent.update(piece);
          yield piece;
        }
      },
      put.stdin!,
    );
    expect(await exited(put)).toBe(EXIT.ok);
    const putS = (performance.now() - t0) / 1000;

    const get = spawn(process.execPath, [BIN, 'get', 'large.bin'], { env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
    const got = createHash('sha256');
    let gotBytes = 0;
    const t1 = performance.now();
    for await (const piece of get.stdout! as AsyncIterable<Buffer>) {
      got.update(piece);
      gotBytes += piece.length;
    }
    expect(await exited(get)).toBe(EXIT.ok);
    const getS = (performance.now() - t1) / 1000;
    expect(gotBytes).toBe(OBJECT_BYTES);
    expect(got.digest('hex')).toBe(sent.digest('hex'));

    // Stop the cloud: the server and the volunteers report their peaks as they exit.
    const gone = exited(up);
    up.kill('SIGINT');
    expect(await gone).toBe(0);
    const peaks = readdirSync(rssDir()).map((f) => JSON.parse(readFileSync(join(rssDir(), f), 'utf8')) as { pid: number; command: string; maxRssKiB: number });
    const role = (p: { pid: number; command: string }) => (p.pid === up.pid ? 'server (cumulus up)' : ready!.pids.includes(p.pid) ? `volunteer ${p.pid}` : `cumulus ${p.command}`);
    const rows = peaks.map((p) => ({ process: role(p), peakRssMB: Math.round((p.maxRssKiB * 1024) / 1e5) / 10 }));
    const mbps = (s: number) => Math.round(OBJECT_BYTES / 1e6 / s * 10) / 10;
    console.log(JSON.stringify({ objectBytes: OBJECT_BYTES, putMBps: mbps(putS), getMBps: mbps(getS), putS: Math.round(putS), getS: Math.round(getS), peaks: rows }));
    // The server, every volunteer, and the put and get processes each reported.
    expect(peaks.map((p) => p.pid).sort()).toEqual([up.pid!, ...ready!.pids, put.pid!, get.pid!].sort());
    for (const p of peaks) expect(p.maxRssKiB * 1024, role(p)).toBeLessThan(PEAK_RSS_LIMIT_BYTES);
  }, 1_800_000);
});
