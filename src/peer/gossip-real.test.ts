// Proves real peers gossip (issue 23, acceptance 4): with a server and 8 volunteer processes on
// loopback WebRTC (`cumulus up`), the `cumulus` binary's `stats` reports 9 peers and the storage
// they offer within 5%, a slice of 3 is created, loses a member to SIGKILL and is repaired, its
// members close their ring again (`slice show`), and the killed peer leaves the count.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BIN, startUp, stopUp, type Ready } from '../bench/up-process.js';

const VOLUNTEERS = 8;
const QUOTA_MIB = 64;
/** The server's own peer stands beside the ring and lends no storage by default: only the volunteers offer. */
const OFFERED_BYTES = VOLUNTEERS * QUOTA_MIB * 2 ** 20;
/** Gossip shows an epoch's results at its end (30 s), once it has mixed: allow a few epochs on a loaded machine. */
const CONVERGE_MS = 150_000;

const dir = mkdtempSync(join(tmpdir(), 'cumulus-gossip-real-'));
const run = promisify(execFile);
let up: ChildProcess;
let ready: Ready;

beforeAll(async () => {
  ({ up, ready } = await startUp(['--peers', String(VOLUNTEERS), '--quota-mb', String(QUOTA_MIB), '--data', dir]));
}, 120_000);

afterAll(async () => {
  await stopUp(up);
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** The real CLI's --json answer to args. */
async function cli<T>(...args: string[]): Promise<T> {
  const env = { ...process.env, CUMULUS_URL: ready.url, CUMULUS_TOKEN: ready.token };
  const { stdout } = await run(process.execPath, [BIN, ...args, '--json'], { env });
  return JSON.parse(stdout) as T;
}

interface Stats { peers: number; sum: { storageOfferedBytes: number; cores: number } }
interface Slice { members: string[]; ring: string[]; size: number; repairs: number }

describe(`gossip on a server and ${VOLUNTEERS} volunteer processes`, () => {
  it('counts the peers and the storage they offer, repairs a slice after a kill, forgets the killed peer', async () => {
    const stats = await vi.waitFor(async () => {
      const s = await cli<Stats>('stats');
      expect(s.peers).toBe(VOLUNTEERS + 1);
      return s;
    }, { timeout: CONVERGE_MS, interval: 2_000 });
    expect(Math.abs(stats.sum.storageOfferedBytes - OFFERED_BYTES) / OFFERED_BYTES).toBeLessThan(0.05);

    const slice = await cli<Slice>('slice', 'create', 'trio', '--size', '3');
    expect(slice.members).toHaveLength(3);
    const victim = slice.members.find((m) => ready.ids.includes(m))!;
    process.kill(ready.pids[ready.ids.indexOf(victim)]!, 'SIGKILL');

    const repaired = await vi.waitFor(async () => {
      const s = await cli<Slice>('slice', 'show', 'trio');
      expect(s.members).toHaveLength(3);
      expect(s.members).not.toContain(victim);
      return s;
    }, { timeout: 60_000, interval: 1_000 });
    expect(repaired.repairs).toBeGreaterThanOrEqual(1);
    // The members build the slice's ring among themselves; each reports its successor in id order.
    await vi.waitFor(async () => {
      const s = await cli<Slice>('slice', 'show', 'trio');
      expect(s.ring).toEqual(s.members.map((_, i) => s.members[(i + 1) % s.members.length]));
    }, { timeout: 60_000, interval: 1_000 });
    // One slice: `slice ls --json` prints one JSON line a slice.
    expect(await cli('slice', 'ls')).toMatchObject({ name: 'trio', size: 3, members: 3 });

    await vi.waitFor(async () => expect((await cli<Stats>('stats')).peers).toBe(VOLUNTEERS), { timeout: CONVERGE_MS, interval: 2_000 });
  }, 2 * CONVERGE_MS + 120_000);
});
