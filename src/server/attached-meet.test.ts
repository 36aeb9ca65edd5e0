// Proves that two rings whose volunteers reconnect to a restarted server, whose own peer stands beside the ring (attached), become one: the server's peer attaches to one ring, and the hub asks each peer it does not find in place to meet that ring through its contacts (hub.pushContacts), since an attached peer cannot meet another ring itself.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from './app.js';
import { startServerPeer } from './own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { checkStatuses, ringConsistent } from '../peer/ring-view.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-attached-meet-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

const WAIT = { timeout: 30_000, interval: 100 };
const RECONNECT_MS = 200;

function oneRing(peers: RunningPeer[]): void {
  const statuses = peers.map((p) => p.peer.status());
  expect(checkStatuses(statuses).problems).toEqual([]);
  expect(ringConsistent(statuses)).toBe(true);
}

/** A TCP relay on loopback whose target can change: the second ring's volunteers reach the new server through it. */
async function relay(targetPort: number): Promise<{ port: number; retarget(p: number): void; close(): Promise<void> }> {
  let target = targetPort;
  const srv = createTcpServer((c) => {
    const up = connect(target, '127.0.0.1');
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as AddressInfo).port,
    retarget: (p) => { target = p; },
    close: () => new Promise((resolve) => srv.close(() => resolve())),
  };
}

async function volunteers(name: string, url: string, n: number): Promise<RunningPeer[]> {
  const out: RunningPeer[] = [];
  for (let i = 0; i < n; i++) {
    const v = await startNodePeer({ dataDir: join(dir, name, `v${i}`), serverUrl: url, reconnectMs: RECONNECT_MS });
    out.push(v);
    await vi.waitFor(() => expect(v.peer.status().joined).toBe(true), WAIT);
  }
  await vi.waitFor(() => oneRing(out), WAIT);
  return out;
}

describe('an attached server peer and two rings', () => {
  it('has the peers of the ring it did not attach to meet its ring, which merges them into one', async () => {
    // Two rings formed under two servers, each without a peer of its own.
    const first = await createServer({ port: 0 });
    const second = await createServer({ port: 0 });
    const via = await relay(second.port);
    const a = await volunteers('a', first.url, 2);
    const b = await volunteers('b', `http://127.0.0.1:${via.port}`, 2);
    // Both servers stop; one comes back on the first port, its peer attached, and the second
    // ring's volunteers reach it through the relay. Peers are not closed for lack of a place
    // during the test, so only the hub's request to meet can join the rings.
    via.retarget(first.port);
    await first.close();
    await second.close();
    const server = await createServer({ port: first.port, members: { meetAfterMs: 1_000, unverifiedCloseMs: 600_000 } });
    const own = await startServerPeer(server, { dataDir: join(dir, 'server') });
    const all = [...a, ...b];
    try {
      await vi.waitFor(() => oneRing(all), { timeout: 60_000, interval: 200 });
      await vi.waitFor(() => expect(server.members.verified().sort()).toEqual(all.map((v) => v.identity.id).sort()), WAIT);
      expect(server.members.stats.closedNotOnRing).toBe(0);
    } finally {
      await Promise.all([...all, own].map((p) => p.close()));
      await server.close();
      await via.close();
    }
  }, 150_000);
});
