// Proves the server's own peer keeps its id across restarts and is a first contact that a joining
// peer can link to through the server's signaling, like any other peer.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createServer } from './app.js';
import { startServerPeer } from './own-peer.js';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { createIdentity } from '../runtime/identity.js';
import { WsSignaler, type WebSocketCtor } from '../runtime/ws-signaler.js';
import { loopbackNet } from '../runtime/test-util/loopback.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-server-peer-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

describe('server peer', () => {
  it('is handed out as a contact and accepts a link from a joining peer', async () => {
    const server = await createServer({ port: 0 });
    const own = await startServerPeer(server, { dataDir: dir });
    const joiner = createIdentity(new CryptoRng());
    const signaler = await WsSignaler.connect(server.url, joiner, { clock: new RealClock(), WebSocket: WebSocket as unknown as WebSocketCtor });
    expect(signaler.contacts).toEqual([own.id]);
    const net = loopbackNet(signaler, joiner);
    const atServer = new Promise<Uint8Array>((r) => own.net.setHandler({ onLinkUp: () => {}, onLinkDown: () => {}, onMessage: (_p, f) => r(f) }));
    const up = new Promise<string>((r) => net.setHandler({ onLinkUp: r, onLinkDown: () => {}, onMessage: () => {} }));
    net.connect(own.id);
    expect(await up).toBe(own.id);
    net.send(own.id, Uint8Array.of(5));
    expect([...(await atServer)]).toEqual([5]);
    net.close();
    signaler.close();
    await own.close();
    const again = await startServerPeer(server, { dataDir: dir });
    expect(again.id).toBe(own.id);
    await again.close();
    await server.close();
  });
});
