// Proves that a server coming back under a ring that carried on without it ends with one ring: its
// peer joins the ring of the peers it knew (kept in its store) rather than creating one; a server
// peer that knew nobody creates a ring, and the ring that carried on merges into it once its peers
// reconnect (the server's peer meets them, overlay/meet.ts); and a server whose peer knew peers
// that never come back creates a ring once its bounded wait is over.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type CumulusServer } from './app.js';
import { startServerPeer, type ServerPeer } from './own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { RunningPeer } from '../host/start-peer.js';
import { hashNameToId } from '../core/id.js';
import { checkStatuses, ringConsistent, trueOwner } from '../peer/ring-view.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-restart-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

const WAIT = { timeout: 30_000, interval: 100 };
/** Volunteers try the server again quickly here: the back-off is not what these tests are about. */
const RECONNECT_MS = 200;

function expectOneRing(peers: RunningPeer[]): void {
  const statuses = peers.map((p) => p.peer.status());
  expect(checkStatuses(statuses).problems).toEqual([]);
  expect(ringConsistent(statuses)).toBe(true);
}

async function lookupsReachTrueOwner(peers: RunningPeer[]): Promise<void> {
  const ids = peers.map((p) => p.identity.id);
  for (let i = 0; i < 12; i++) {
    const key = hashNameToId(`restart-${i}`);
    expect((await peers[i % peers.length]!.peer.lookup(key)).owner).toBe(trueOwner(ids, key));
  }
}

/** A server, its peer and two volunteers on one ring; the server then goes away, its peer with it. */
async function ringThatOutlivesItsServer(name: string): Promise<{ port: number; volunteers: RunningPeer[] }> {
  const server = await createServer({ port: 0 });
  const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, name, 'server') });
  const volunteers: RunningPeer[] = [];
  for (let i = 0; i < 2; i++) {
    const v = await startNodePeer({ dataDir: join(dir, name, `v${i}`), serverUrl: server.url, reconnectMs: RECONNECT_MS });
    volunteers.push(v);
    await vi.waitFor(() => expect(v.peer.status().joined).toBe(true), WAIT);
  }
  await vi.waitFor(() => expectOneRing([own, ...volunteers]), WAIT);
  await own.close();
  await server.close();
  await vi.waitFor(() => expectOneRing(volunteers), WAIT);
  return { port: server.port, volunteers };
}

describe('a server that restarts under a ring', () => {
  it('joins the ring of the peers it knew through the first of them to reconnect', async () => {
    const { port, volunteers } = await ringThatOutlivesItsServer('known');
    const server = await createServer({ port });
    const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'known', 'server') });
    expect(own.start).toMatchObject({ knownPeers: 2, outcome: 'joined' });
    expect(volunteers.map((v) => v.identity.id)).toContain(own.start.via);
    const all = [own, ...volunteers];
    await vi.waitFor(() => expectOneRing(all), WAIT);
    await lookupsReachTrueOwner(all);
    // The server's peer found both volunteers in place: they are the contacts it names.
    await vi.waitFor(() => expect(server.members.verified().sort()).toEqual(volunteers.map((v) => v.identity.id).sort()), WAIT);
    await Promise.all([...volunteers, own].map((p) => p.close()));
    await server.close();
  }, 90_000);

  it('with no memory, creates a ring, and the ring that carried on merges into it', async () => {
    const { port, volunteers } = await ringThatOutlivesItsServer('amnesia');
    const server = await createServer({ port });
    const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'amnesia', 'server-new') });
    expect(own.start).toMatchObject({ knownPeers: 0, outcome: 'created' });
    const all = [own, ...volunteers];
    await vi.waitFor(() => expectOneRing(all), { timeout: 60_000, interval: 200 });
    await lookupsReachTrueOwner(all);
    await Promise.all([...volunteers, own].map((p) => p.close()));
    await server.close();
  }, 120_000);

  it('creates a ring when no peer it knew comes back within its wait', async () => {
    const { port, volunteers } = await ringThatOutlivesItsServer('gone');
    await Promise.all(volunteers.map((v) => v.close()));
    const server: CumulusServer = await createServer({ port });
    const own: ServerPeer = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'gone', 'server'), knownPeersWaitMs: 1_000 });
    expect(own.start).toMatchObject({ knownPeers: 2, outcome: 'created' });
    expect(own.start.reason).toMatch(/none of the 2 peers it knew came back on a ring within 1000 ms/);
    expect(own.peer.status().joined).toBe(true);
    await own.close();
    await server.close();
  }, 90_000);
});
