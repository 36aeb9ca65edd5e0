// Proves, with real processes, that `cumulus get FILE` never leaves a partial file: a local cloud (`cumulus up`, 3 volunteers) stores an 8 MiB file with one replica per chunk, two volunteers are killed with SIGKILL, and the get that follows exits with an error naming the lost chunk, leaving neither FILE nor its temporary file; a file that is whole still arrives, byte for byte, and replaces what was at FILE only then.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.js';
import { BIN, startUp, type Ready } from './test-util/local-cloud.js';

const MIB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'cumulus-get-'));
const out = join(dir, 'out');
let up: ChildProcess;
let ready: Ready;

beforeAll(async () => {
  ({ up, ready } = await startUp(['--peers', '3', '--data', join(dir, 'cloud')]));
}, 90_000);

afterAll(() => {
  if (up.exitCode === null) up.kill('SIGKILL');
  for (const pid of ready?.pids ?? []) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone: the test killed it.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Run { code: number | null; stdout: Buffer; stderr: string }

/** The real `cumulus` binary, asynchronously (a get that searches for a lost chunk takes a while). */
function cli(args: string[], stdin?: Buffer): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CUMULUS_URL: ready.url, CUMULUS_TOKEN: ready.token } });
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => stdout.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr })));
}

/** Bytes that differ in every chunk, so no two chunks share content (and holders). */
function content(bytes: number, salt: number): Buffer {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) data.writeUInt32LE((Math.imul(i + salt, 2654435761) >>> 0), i);
  return data;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('cumulus get to a file', () => {
  it('renames only a complete file over FILE', async () => {
    const data = content(3 * MIB, 1);
    expect((await cli(['put', 'whole.bin'], data)).code).toBe(EXIT.ok);
    writeFileSync(out, 'what was here before');
    const got = await cli(['get', 'whole.bin', out]);
    expect(got).toMatchObject({ code: EXIT.ok, stderr: '' });
    expect(sha(readFileSync(out))).toBe(sha(data));
    expect(readdirSync(dir).sort()).toEqual(['cloud', 'out']);
  }, 60_000);

  it('leaves nothing at FILE and names the chunk when a chunk is lost', async () => {
    expect((await cli(['put', '--replicas', '1', 'fragile.bin'], content(8 * MIB, 2))).code).toBe(EXIT.ok);
    rmSync(out);
    for (const pid of ready.pids.slice(0, 2)) process.kill(pid, 'SIGKILL');
    const got = await cli(['get', 'fragile.bin', out]);
    expect(got.code).not.toBe(EXIT.ok);
    expect(got.stderr).toMatch(/chunk [0-9a-f]{16,}/);
    expect(readdirSync(dir)).toEqual(['cloud']);
  }, 240_000);
});
