// Proves every real peer runs the coordination service: on a ring of Node peers over WebRTC, a lock
// taken through one peer refuses a throttled second holder on another, a queued waiter is granted
// once the holder releases, and fencing tokens grow.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../server/app.js';
import { startServerPeer } from '../server/own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { RunningPeer } from '../host/start-peer.js';
import { checkStatuses } from './ring-view.js';
import { CoordRefusedError } from '../services/coord/solicitor.js';
import { LEASE_MS, TAKEOVER_MARGIN_MS } from '../services/coord/constants.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-coord-real-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

describe('coord on real peers', () => {
  it('a lock: throttled refusal, queued grant after release, growing tokens', async () => {
    const server = await createServer({ port: 0 });
    const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
    const peers: RunningPeer[] = [own];
    for (let i = 0; i < 3; i++) peers.push(await startNodePeer({ dataDir: join(dir, `p${i}`), serverUrl: server.url }));
    try {
      await vi.waitFor(() => expect(checkStatuses(peers.map((p) => p.peer.status())).problems).toEqual([]), { timeout: 20_000, interval: 50 });
      const [a, b] = [peers[1]!.peer, peers[2]!.peer];
      // An owner grants nothing for one lease after it joined (it cannot see older leases), so
      // the first acquire waits; the queue carries it through that wait.
      const first = await a.lock('printer').acquire({ waitMs: LEASE_MS + TAKEOVER_MARGIN_MS + 5000 });
      expect(first.isValid()).toBe(true);
      const refused = await b.lock('printer').acquire({ waitMs: 0 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CoordRefusedError);
      expect((refused as CoordRefusedError).reason).toBe('full');

      const queued = b.lock('printer').acquire({ waitMs: 10_000 });
      await first.release();
      const second = await queued;
      expect(second.isValid()).toBe(true);
      expect(second.token).toBeGreaterThan(first.token);
      await second.release();

      // A semaphore of capacity 2 holds two at once through different peers.
      const sem = (p: RunningPeer) => p.peer.semaphore('pool', { capacity: 2 });
      const wait = { waitMs: LEASE_MS + TAKEOVER_MARGIN_MS + 5000 };
      const [x, y] = await Promise.all([sem(peers[0]!).acquire(wait), sem(peers[3]!).acquire(wait)]);
      expect(x.token).not.toBe(y.token);
      await expect(sem(peers[1]!).acquire({ waitMs: 0 })).rejects.toBeInstanceOf(CoordRefusedError);
      await Promise.all([x.release(), y.release()]);
    } finally {
      await Promise.all(peers.slice(1).map((p) => p.close()));
      await own.close();
      await server.close();
    }
  }, 60_000);
});
