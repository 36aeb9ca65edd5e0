// Proves `cumulus up` as a newcomer meets it: it starts a local cloud (server and volunteer
// processes), the real `cumulus` binary then stores and reads a 20 MB file through it from stdin
// to stdout, refuses what it must with the right exit codes, and Ctrl-C leaves no process behind.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { alive, BIN, startUp, type Ready } from './test-util/local-cloud.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-up-'));
let up: ChildProcess;
let ready: Ready;

const startedMs = Date.now();

beforeAll(async () => {
  // The default layout: the server's peer beside the ring, a volunteer per replica.
  ({ up, ready } = await startUp(['--data', dir]));
}, 60_000);

afterAll(() => {
  if (up.exitCode === null) up.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], opts: { stdin?: Buffer; token?: string | null } = {}) {
  const token = opts.token === undefined ? ready.token : opts.token;
  const env: NodeJS.ProcessEnv = { ...process.env, CUMULUS_URL: ready.url, CUMULUS_TOKEN: token ?? '' };
  if (!token) delete env.CUMULUS_TOKEN;
  const r = spawnSync(process.execPath, [BIN, ...args], { env, input: opts.stdin, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

describe('cumulus up, driven by the CLI alone', () => {
  it('stores and reads back a 20 MB file through pipes', () => {
    const data = Buffer.alloc(20 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 12)) & 0xff;
    const sha = createHash('sha256').update(data).digest('hex');
    expect(cli(['mkdir', '-p', 'work/big']).code).toBe(EXIT.ok);
    expect(cli(['put', 'work/big/blob.bin'], { stdin: data }).code).toBe(EXIT.ok);
    const ls = cli(['ls', 'work/big']);
    expect(ls.stdout.toString().trim()).toBe('blob.bin');
    const info = cli(['info', '--json', 'work/big/blob.bin']);
    expect(info.code).toBe(EXIT.ok);
    expect(JSON.parse(info.stdout.toString())).toMatchObject({ size: data.length, type: 'object' });
    const got = cli(['get', 'work/big/blob.bin']);
    expect(got.code).toBe(EXIT.ok);
    expect(createHash('sha256').update(got.stdout).digest('hex')).toBe(sha);
    expect(cli(['rm', '-r', 'work']).code).toBe(EXIT.ok);
    expect(cli(['info', 'work/big/blob.bin']).code).toBe(EXIT.notFound);
  });

  it('dates files and the home directory by the wall clock', () => {
    expect(cli(['put', 'dated.txt'], { stdin: Buffer.from('x') }).code).toBe(EXIT.ok);
    const year = String(new Date().getUTCFullYear());
    expect(cli(['ls', '-l']).stdout.toString()).toContain(year);
    const home = JSON.parse(cli(['info', '--json', '~']).stdout.toString()) as { mtime: string };
    expect(home.mtime.slice(0, 4)).toBe(year);
    expect(cli(['rm', 'dated.txt']).code).toBe(EXIT.ok);
  });

  it('lists the ring\'s peers with their kind, link path and last contact', () => {
    const nodes = cli(['nodes', '--json']).stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { id: string; lastSeenMs: number; meta: Record<string, unknown> });
    // The server's peer stands beside the ring (it lends no storage): attached, not on it.
    expect(nodes.filter((n) => n.meta.kind === 'server').map((n) => n.meta)).toEqual([expect.objectContaining({ onRing: false, attached: true })]);
    const volunteers = nodes.filter((n) => n.meta.kind === 'peer');
    expect(volunteers).toHaveLength(3);
    // Beside the ring, the server's peer links to the members after its id (two of them), not to every peer.
    expect(volunteers.filter((v) => v.meta.link !== undefined).length).toBeGreaterThanOrEqual(2);
    for (const v of volunteers) {
      expect(v.meta).toMatchObject({ onRing: true });
      if (v.meta.link !== undefined) expect(['host', 'srflx', 'relay']).toContain(v.meta.link);
      // Last contact is the last frame the server's peer heard on a link, or the peer's hello: a date, after the cloud started.
      expect(v.lastSeenMs).toBeGreaterThanOrEqual(startedMs);
    }
  });

  it('refuses with clear messages and exit codes', () => {
    // Data from stdin put to a directory's path is refused, not stored under the directory's name.
    expect(cli(['mkdir', 'into']).code).toBe(EXIT.ok);
    const intoDir = cli(['put', 'into/'], { stdin: Buffer.from('x') });
    expect(intoDir.code).toBe(EXIT.usage);
    expect(intoDir.stderr).toMatch(/stdin has no name/);
    expect(JSON.parse(cli(['info', '--json', 'into']).stdout.toString())).toMatchObject({ type: 'directory' });
    const noToken = cli(['ls'], { token: null });
    expect(noToken.code).toBe(EXIT.usage);
    expect(noToken.stderr).toMatch(/token/);
    const other = cli(['ls', '/somebody/home']);
    expect(other.code).toBe(EXIT.authRefused);
    expect(other.stderr).toMatch(/may not access/);
    const dots = cli(['get', 'a/../../etc/passwd']);
    expect(dots.code).toBe(EXIT.usage);
    expect(dots.stderr).toMatch(/\.\./);
    const missing = cli(['get', 'no/such/file']);
    expect(missing.code).toBe(EXIT.notFound);
  });

  it('stops every process it started on Ctrl-C', async () => {
    expect(ready.pids.length).toBe(3);
    expect(ready.pids.every(alive)).toBe(true);
    const exited = new Promise<number | null>((resolve) => up.once('exit', (code) => resolve(code)));
    up.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(ready.pids.filter(alive)).toEqual([]);
  });
});
