// Proves `cumulus volunteer`'s limits, in a real process: --quota-mb, --workers and --cpu-duty reach its peer through Lending (the holder's quota, the sandbox pool's size, the CPU share), SIGUSR1 pauses lending (its holder refuses a write, which then fails on a ring with no other holder) and SIGUSR2 resumes it (the same write succeeds).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { Cumulus } from '../sdk/index.js';
import { BIN } from './test-util/local-cloud.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-volunteer-'));
let cloud: CloudServer | null = null;
let child: ChildProcess | null = null;
afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  await cloud?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Lent { quotaBytes: number; workers: number; dutyPct: number; paused: boolean; why: string | null }

/** The volunteer's JSON lines, one at a time as they come. */
function lines(p: ChildProcess): () => Promise<Record<string, unknown>> {
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<(l: Record<string, unknown>) => void> = [];
  let buf = '';
  p.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(l);
      else queue.push(l);
    }
  });
  return () => new Promise((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve)));
}

/** One control request over the volunteer's IPC channel (host/control.ts). */
let rid = 0;
function control(p: ChildProcess, op: string): Promise<{ ok: boolean; result: Record<string, unknown> }> {
  const id = ++rid;
  return new Promise((resolve) => {
    const on = (m: { rid?: number }) => {
      if (m.rid !== id) return;
      p.off('message', on);
      resolve(m as { ok: boolean; result: Record<string, unknown> });
    };
    p.on('message', on);
    p.send({ rid: id, op });
  });
}

describe('cumulus volunteer with limits', () => {
  it('applies --quota-mb, --workers, --cpu-duty; pauses on SIGUSR1 and resumes on SIGUSR2', async () => {
    cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'server') });
    const url = cloud.server.url;
    child = spawn(process.execPath, [BIN, 'volunteer', '--server', url, '--data', join(dir, 'v'), '--json', '--ice-interfaces', 'loopback',
      '--quota-mb', '8', '--workers', '2', '--cpu-duty', '50'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const next = lines(child);
    const ready = await next();
    expect(ready.ready).toBe(true);
    expect(ready.lending).toMatchObject({ quotaBytes: 8 * 1024 * 1024, workers: 2, dutyPct: 50, paused: false });
    expect((ready.storage as { quotaBytes: number }).quotaBytes).toBe(8 * 1024 * 1024);
    await cloud.peerReady();
    const sdk = new Cumulus({ url, token: await cloud.users.add('ann', Date.now()) });

    process.kill(child.pid!, 'SIGUSR1');
    expect((await next()).lending).toMatchObject({ paused: true, why: 'paused' } satisfies Partial<Lent>);
    const paused = (await control(child, 'status')).result.storage as { paused: boolean; refusedPaused: number };
    expect(paused.paused).toBe(true);
    // The only holder on the ring is paused: the write is refused there and fails.
    await expect(sdk.put('~/while-paused', new Uint8Array(300_000).fill(7), { replicas: 1 })).rejects.toThrow();
    expect(((await control(child, 'status')).result.storage as { refusedPaused: number }).refusedPaused).toBeGreaterThan(paused.refusedPaused);

    process.kill(child.pid!, 'SIGUSR2');
    expect((await next()).lending).toMatchObject({ paused: false } satisfies Partial<Lent>);
    await sdk.put('~/resumed', new Uint8Array(300_000).fill(7), { replicas: 1 });
    expect(((await control(child, 'status')).result.storage as { usedBytes: number }).usedBytes).toBeGreaterThan(0);
  }, 120_000);
});
