// Proves the bootstrap resists cheap identities: with 300 made-up identities connected to the
// signaling endpoint (each a valid hello from a fresh key, then idle, from ten loopback addresses)
// a real volunteer still joins (its time is `cumulus bench identities`'s figure), since the hub
// names as contacts only peers found in place on the ring; idle identities never found there are disconnected (NOT_ON_RING) while real
// peers stay; and connections from one address beyond its rate are refused (RATE_LIMITED).
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type ServerOptions } from './app.js';
import { startServerPeer } from './own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { RunningPeer } from '../host/start-peer.js';
import { createIdentity } from '../runtime/identity.js';
import { CryptoRng } from '../runtime/rng.js';
import { fakeIdentities, fakeIdentity } from '../bench/fake-identity.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-cheap-ids-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

const WAIT = { timeout: 30_000, interval: 50 };

/** A server with its own peer and two volunteers in place on the ring. */
async function cloud(name: string, opts: ServerOptions = {}) {
  const server = await createServer({ port: 0, ...opts });
  const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, name, 'server') });
  const peers: RunningPeer[] = [own];
  for (let i = 0; i < 2; i++) peers.push(await startNodePeer({ dataDir: join(dir, name, `v${i}`), serverUrl: server.url }));
  const members = new Set(peers.map((p) => p.identity.id));
  await vi.waitFor(() => expect(server.members.verified().length).toBe(2), WAIT);
  return { server, peers, members };
}

describe('the bootstrap under made-up identities', () => {
  it('lets a real volunteer join with 300 idle identities connected, and names only peers on the ring', async () => {
    const { server, peers, members } = await cloud('flood');
    // Ten addresses of 30 each: within the per-address burst, as 300 users behind ten NATs would be.
    const fakes = fakeIdentities(server.url, 300, 10, 0);
    await Promise.all(fakes.map((f) => f.welcomed));
    expect(server.hub.size).toBe(303);
    // Contacts are peers in place on the ring, never the idle identities.
    for (let i = 0; i < 50; i++) for (const c of server.hub.contacts(createIdentity(new CryptoRng()).id)) expect(members.has(c)).toBe(true);
    // It joins (how fast is `cumulus bench identities`'s figure, not an assertion here).
    const v = await startNodePeer({ dataDir: join(dir, 'flood', 'joiner'), serverUrl: server.url });
    await vi.waitFor(() => expect(v.peer.status().joined).toBe(true), WAIT);
    await vi.waitFor(() => expect(server.members.verified()).toContain(v.identity.id), WAIT);
    for (const f of fakes) f.ws.close();
    await Promise.all([v, ...peers].map((p) => p.close()));
    await server.close();
  }, 120_000);

  it('disconnects idle identities never found on the ring and keeps real peers', async () => {
    const { server, peers } = await cloud('idle', { members: { unverifiedCloseMs: 1_500 } });
    const fakes = fakeIdentities(server.url, 20, 4, 1);
    const codes = await Promise.all(fakes.map((f) => f.closed));
    expect(new Set(codes)).toEqual(new Set([1008]));
    for (const f of fakes) expect(f.errors).toEqual(['NOT_ON_RING']);
    expect(server.members.stats.closedNotOnRing).toBe(20);
    // The volunteers were found in place, so they stay connected.
    expect(server.members.verified().length).toBe(2);
    for (const p of peers.slice(1)) expect(p.serverUp()).toBe(true);
    await Promise.all(peers.map((p) => p.close()));
    await server.close();
  }, 60_000);

  it('refuses connections from one address beyond its rate, and not those of another', async () => {
    const server = await createServer({ port: 0, limits: { hellosPerMinutePerAddress: 1, helloBurstPerAddress: 5 } });
    const first = fakeIdentities(server.url, 5, 1, 2);
    await Promise.all(first.map((f) => f.welcomed));
    const over = fakeIdentity(server.url, '127.0.2.2');
    expect(await over.closed).toBe(1008);
    expect(over.errors).toEqual(['RATE_LIMITED']);
    const other = fakeIdentity(server.url, '127.0.2.3');
    await other.welcomed;
    for (const f of [...first, other]) f.ws.close();
    await server.close();
  });
});
