// Proves the ICE servers a rendezvous server hands out: --ice-server URLs are checked, TURN entries
// carry a credential of the joining peer's own (TURN REST API: expiry:id, HMAC-SHA1 of the
// secret) that expires, renewal gives a fresh one, and the secret itself never goes out.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type CumulusServer } from './app.js';
import { IceIssuer, parseIceUrl, turnCredential } from './ice.js';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { createIdentity } from '../runtime/identity.js';
import { WsSignaler, type WebSocketCtor } from '../runtime/ws-signaler.js';
import type { PeerId } from '../core/id.js';
import type { IceConfig } from '../services/signal/rendezvous.js';

const SECRET = 'not-a-real-secret-0123456789';
const ID = 'ab'.repeat(20) as PeerId;

describe('ICE server settings', () => {
  it('accepts stun and turn URLs and refuses anything else', () => {
    expect(parseIceUrl('stun:203.0.113.10:3478').turn).toBe(false);
    expect(parseIceUrl('turn:turn.example.org?transport=udp').turn).toBe(true);
    expect(parseIceUrl('turns:[2001:db8::1]:5349').turn).toBe(true);
    for (const bad of ['http://x', 'turn:', 'stun:host:99999', 'turn:a b', 'turn:h?transport=sctp', `stun:${'a'.repeat(300)}`]) {
      expect(() => parseIceUrl(bad), bad).toThrow(/--ice-server/);
    }
    expect(() => new IceIssuer({ urls: ['turn:203.0.113.10'] })).toThrow(/TURN secret/);
    expect(() => new IceIssuer({ urls: ['turn:203.0.113.10'], turnSecret: SECRET, turnTtlS: 10 })).toThrow(/--turn-ttl/);
  });

  it('issues each peer its own credential that expires after the TTL', () => {
    const nowMs = 1_800_000_000_000;
    const issuer = new IceIssuer({ urls: ['stun:203.0.113.10', 'turn:203.0.113.10:3478'], turnSecret: SECRET, turnTtlS: 600 }, () => nowMs);
    const ice = issuer.forPeer(ID);
    expect(ice.servers[0]).toEqual({ urls: ['stun:203.0.113.10'] });
    const turn = ice.servers[1]!;
    expect(turn.username).toBe(`${nowMs / 1000 + 600}:${ID}`);
    expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username!).digest('base64'));
    expect(ice.expiresMs).toBe(nowMs + 600_000);
    const other = issuer.forPeer('cd'.repeat(20) as PeerId).servers[1]!;
    expect(other.credential).not.toBe(turn.credential);
    expect(turnCredential('another secret', turn.username!)).not.toBe(turn.credential);
    expect(JSON.stringify(ice)).not.toContain(SECRET);
  });
});

describe('ICE servers in the bootstrap', () => {
  let server: CumulusServer;
  const clock = new RealClock();
  beforeAll(async () => {
    server = await createServer({ port: 0, host: '127.0.0.1', ice: new IceIssuer({ urls: ['stun:203.0.113.10', 'turn:203.0.113.10'], turnSecret: SECRET }) });
  });
  afterAll(() => server.close());

  it('hands a joining peer its servers in the welcome and fresh credentials on request, never the secret', async () => {
    const identity = createIdentity(new CryptoRng());
    const s = await WsSignaler.connect(server.url, identity, { clock, WebSocket: WebSocket as unknown as WebSocketCtor });
    try {
      const turn = s.ice?.servers.find((x) => x.urls[0]!.startsWith('turn'));
      expect(turn?.username).toMatch(new RegExp(`^\\d+:${identity.id}$`));
      expect(s.ice!.expiresMs! - Date.now()).toBeGreaterThan(3_500_000);
      const renewed = await new Promise<IceConfig>((resolve) => {
        s.onIce(resolve);
        s.requestIce();
      });
      expect(renewed.servers.find((x) => x.urls[0]!.startsWith('turn'))?.username).toMatch(new RegExp(`:${identity.id}$`));
      expect(JSON.stringify([s.ice, renewed])).not.toContain(SECRET);
    } finally {
      s.close();
    }
  });
});
