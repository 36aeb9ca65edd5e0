// Proves real peers form one Chord ring over WebRTC: the server's own peer creates it, Node peers
// join through the server, their later links are signaled through the overlay, lookups reach the
// true owner, and the ring keeps routing after the server and its peer are gone.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from './app.js';
import { startServerPeer } from './own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { RunningPeer } from '../host/start-peer.js';
import { hashNameToId, type PeerId } from '../core/id.js';
import { checkStatuses, trueOwner, ringConsistent } from '../peer/ring-view.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-server-peer-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

const WAIT = { timeout: 20_000, interval: 50 };

/** Every peer joined and in its true place (the problems are printed when it fails). */
function expectConsistent(peers: RunningPeer[]): void {
  const statuses = peers.map((p) => p.peer.status());
  expect(statuses.filter((s) => !s.joined).map((s) => s.id)).toEqual([]);
  expect(checkStatuses(statuses).problems).toEqual([]);
  expect(ringConsistent(statuses)).toBe(true);
}

describe('real peers on one ring', () => {
  it('join through the server, link through the overlay, and route without the server', async () => {
    const server = await createServer({ port: 0 });
    const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
    const peers: RunningPeer[] = [];
    // Each volunteer arrives once the last is in place: a contact still joining itself refuses a
    // join, and the joiner then links to its next contact through the server too (one more
    // server-signaled link, counted below).
    for (let i = 0; i < 4; i++) {
      const p = await startNodePeer({ dataDir: join(dir, `p${i}`), serverUrl: server.url });
      peers.push(p);
      await vi.waitFor(() => expect(p.peer.status().joined).toBe(true), WAIT);
    }
    const all = [own, ...peers];
    await vi.waitFor(() => expectConsistent(all), WAIT);

    const ids = all.map((p) => p.identity.id);
    for (let i = 0; i < 20; i++) {
      const key = hashNameToId(`key-${i}`);
      const from = all[i % all.length]!;
      expect((await from.peer.lookup(key)).owner).toBe(trueOwner(ids, key));
    }
    // Each volunteer signaled its first link through the server, and one more at most when that
    // contact could not take it yet (see above); the rest went through the ring.
    for (const p of peers) expect(p.signaler.stats.linksViaServer).toBeLessThanOrEqual(2);
    const viaOverlay = peers.reduce((n, p) => n + p.signaler.stats.linksViaOverlay, 0);
    expect(viaOverlay).toBeGreaterThan(0);

    await own.close();
    await server.close();
    const left = peers.map((p) => p.identity.id as PeerId);
    await vi.waitFor(() => expectConsistent(peers), WAIT);
    for (let i = 0; i < 20; i++) {
      const key = hashNameToId(`after-${i}`);
      expect((await peers[i % peers.length]!.peer.lookup(key)).owner).toBe(trueOwner(left, key));
    }
    await Promise.all(peers.map((p) => p.close()));
  }, 60_000);

  it('keeps the server peer\'s id across restarts', async () => {
    const server = await createServer({ port: 0 });
    const a = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'again') });
    await a.close();
    const b = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'again') });
    expect(b.id).toBe(a.id);
    await b.close();
    await server.close();
  });
});
