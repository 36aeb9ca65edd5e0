// Proves real peers (WebRTC on 127.0.0.1, LevelDB stores) run storage: a file put through one peer is read through another with its sha256 intact and 3 holders per chunk, a peer lending no storage refuses chunks without losing anything, and the control channel refuses bad requests and streams files.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ringConsistent } from './ring-view.js';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer } from '../server/own-peer.js';
import { handleControl } from '../host/control.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { RunningPeer } from '../host/start-peer.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-storage-real-'));
let server: CumulusServer;
const all: RunningPeer[] = [];
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  server = await createServer({ port: 0 });
  all.push(await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') }));
  for (let i = 0; i < 3; i++) all.push(await startNodePeer({ dataDir: join(dir, `p${i}`), serverUrl: server.url, storage: { quotaBytes: 64 << 20 } }));
  // One peer lends nothing: it keeps metadata it owns but must refuse every chunk.
  all.push(await startNodePeer({ dataDir: join(dir, 'stingy'), serverUrl: server.url, storage: { quotaBytes: 0 } }));
  // Ready for r = 3 with one peer lending nothing: the ring is in place and every successor list
  // names all the others (placement falls back to them when candidate keys share owners).
  await vi.waitFor(() => {
    const statuses = all.map((p) => p.peer.status());
    expect(ringConsistent(statuses)).toBe(true);
    expect(statuses.map((s) => new Set(s.successors).size)).toEqual(statuses.map(() => all.length - 1));
  }, { timeout: 30_000, interval: 100 });
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(all.map((p) => p.close()));
  await server.close();
  shutdownNodeRtc();
  rmSync(dir, { recursive: true, force: true });
});

describe('storage on real peers', () => {
  it('stores through one peer and reads through another, r holders per chunk, none on the peer without quota', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 5);
    const put = await all[1]!.peer.storage!.client.put('/real.bin', [data.subarray(0, 1 << 20), data.subarray(1 << 20)]);
    expect(put).toMatchObject({ size: data.length, etag: sha256(data), replicas: 3 });
    const parts: Uint8Array[] = [];
    for await (const p of await all[2]!.peer.storage!.client.open('/real.bin')) parts.push(p);
    expect(sha256(Buffer.concat(parts))).toBe(sha256(data));
    // Holders pushed the pieces after each chunk's first (one request per chunk), none refused.
    const sinks = all[2]!.peer.storage!.sinks.counters;
    expect(sinks.piecesAccepted).toBeGreaterThan(0);
    expect(sinks.piecesRefused).toBe(0);
    const st = await all[0]!.peer.storage!.client.stat('/real.bin');
    if (st.kind !== 'file') throw new Error('expected a file');
    const stingy = all[4]!.identity.id;
    expect(st.chunks.every((c) => new Set(c.holders).size === 3 && !c.holders.includes(stingy))).toBe(true);
    expect(all[4]!.peer.storage!.holder.store.used).toBe(0);
  }, 60_000);

  it('answers control requests: refuses malformed ones, puts and gets local files', async () => {
    const p = all[3]!;
    const never = async () => { throw new Error('close must not be called'); };
    expect(await handleControl(p, { rid: 1, op: 'get', path: 'relative', file: '/tmp/x' }, never)).toMatchObject({ rid: -1, ok: false });
    expect(await handleControl(p, { rid: 2, op: 'put', path: '/x', file: '/tmp/x', extra: 1 }, never)).toMatchObject({ ok: false });
    expect(await handleControl(p, { rid: 3, op: 'get', path: '/x' }, never)).toMatchObject({ rid: 3, ok: false, error: expect.stringMatching(/local file/) });
    const input = join(dir, 'in.bin');
    const data = randomBytes(700_000);
    writeFileSync(input, data);
    const put = await handleControl(p, { rid: 4, op: 'put', path: '/ctl.bin', file: input, replicas: 2 }, never);
    expect(put).toMatchObject({ rid: 4, ok: true, result: { size: data.length, etag: sha256(data), replicas: 2 } });
    const out = join(dir, 'out.bin');
    const got = await handleControl(all[0]!, { rid: 5, op: 'get', path: '/ctl.bin', file: out }, never);
    expect(got).toMatchObject({ rid: 5, ok: true, result: { bytes: data.length } });
    expect(sha256(readFileSync(out))).toBe(sha256(data));
    expect(await handleControl(p, { rid: 6, op: 'get', path: '/missing.bin', file: out }, never)).toMatchObject({ rid: 6, ok: false });
  }, 60_000);
});
