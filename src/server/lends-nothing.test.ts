// Proves the server's own peer lends nothing by default: through the default layout (the server's peer attached beside a ring of three volunteer peers), files round-trip through the REST gateway while the server's peer holds no chunk and no file record, and the hub never names it as a contact.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPLICAS } from '../services/storage/constants.js';
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import { ringConsistent } from '../peer/ring-view.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { startCloudServer, type CloudServer } from './cloud.js';
import { Cumulus } from '../sdk/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-lends-nothing-'));
let cloud: CloudServer;
const volunteers: RunningPeer[] = [];
const WAIT = { timeout: 60_000, interval: 100 };

beforeAll(async () => {
  cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'server') });
  for (let i = 0; i < REPLICAS.default; i++) volunteers.push(await startNodePeer({ dataDir: join(dir, `v${i}`), serverUrl: cloud.server.url, storage: { quotaBytes: 64 << 20 } }));
  const own = await cloud.peerReady();
  // The volunteers' ring is in place, and the server's peer is linked to the owner of its id.
  await vi.waitFor(() => {
    const statuses = volunteers.map((v) => v.peer.status());
    expect(ringConsistent(statuses)).toBe(true);
    const ids = statuses.map((st) => st.id).sort();
    expect(own!.peer.base.successors()[0]).toBe(ids.find((id) => id > own!.id) ?? ids[0]);
  }, WAIT);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(volunteers.map((v) => v.close()));
  await cloud?.close();
  shutdownNodeRtc();
  rmSync(dir, { recursive: true, force: true });
});

describe('the server\'s own peer in the default layout', () => {
  it('gateways a round trip while holding no chunk and no record', async () => {
    const token = await cloud.users.add('alice', Date.now());
    const client = new Cumulus({ url: cloud.server.url, token });
    const data = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    await client.mkdir('docs');
    await client.put('docs/a.bin', data);
    const got = await client.get('docs/a.bin');
    expect(sha(new Uint8Array(await new Response(got.body).arrayBuffer()))).toBe(sha(data));
    const names: string[] = [];
    for await (const e of client.ls('docs')) names.push(e.name);
    expect(names).toEqual(['a.bin']);
    const own = cloud.peer!;
    expect(own.peer.base.isAttached()).toBe(true);
    const storage = own.peer.storage!;
    expect(storage.holder.store.used).toBe(0);
    expect(await storage.holder.store.ids(1)).toEqual([]);
    expect(await storage.keeper.store.records(1)).toEqual([]);
    // Joiners are never told to join through it.
    expect(cloud.server.hub.contacts(volunteers[0]!.identity.id, 16)).not.toContain(own.id);
  }, 60_000);
});
