// Proves the rendezvous server: health and count over HTTP, proof of id at hello, clear errors and
// a disconnect for malformed, mistyped, oversize and flooding clients, and that two peers
// signaled through it end with a live WebRTC link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createServer, type CumulusServer } from './app.js';
import { RealClock } from '../runtime/clock.js';
import { CryptoRng } from '../runtime/rng.js';
import { createIdentity } from '../runtime/identity.js';
import { WsSignaler, type WebSocketCtor } from '../runtime/ws-signaler.js';
import { loopbackNet } from '../runtime/test-util/loopback.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { bytesToHex } from '../core/id.js';
import { helloPayload } from '../services/signal/rendezvous.js';
import type { WebRtcNet } from '../runtime/webrtc-net.js';

let server: CumulusServer;
const clock = new RealClock();
const nets: WebRtcNet[] = [];

beforeAll(async () => {
  server = await createServer({ port: 0, host: '127.0.0.1', limits: { messagesPerSec: 5, burstMessages: 10 } });
});
afterAll(async () => {
  for (const n of nets) n.close();
  await server.close();
  shutdownNodeRtc();
});

/** Open a raw socket, collect what the server says, and resolve at close. */
function rawClient(): { ws: WebSocket; got: Array<Record<string, unknown>>; closed: Promise<number>; challenge: Promise<string> } {
  const ws = new WebSocket(server.url.replace('http', 'ws') + '/signal');
  const got: Array<Record<string, unknown>> = [];
  let onChallenge: (n: string) => void = () => {};
  const challenge = new Promise<string>((r) => (onChallenge = r));
  ws.on('message', (d) => {
    const m = JSON.parse(String(d)) as Record<string, unknown>;
    got.push(m);
    if (m.type === 'challenge') onChallenge(m.nonce as string);
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return { ws, got, closed, challenge };
}

const errorCodes = (got: Array<Record<string, unknown>>) => got.filter((m) => m.type === 'error').map((m) => m.code);

describe('rendezvous server', () => {
  it('answers health and peer count', async () => {
    const h = await fetch(server.url + '/health');
    expect(await h.json()).toMatchObject({ ok: true });
    const c = await fetch(server.url + '/peers/count');
    expect(await c.json()).toMatchObject({ peers: expect.any(Number) });
  });

  it.each([
    ['malformed JSON', '{"type":', 'MALFORMED_JSON'],
    ['a wrong schema', JSON.stringify({ type: 'hello', id: 'nope' }), 'SCHEMA_MISMATCH'],
    ['an oversize message', JSON.stringify({ type: 'contacts', pad: 'x'.repeat(20_000) }), 'TOO_LARGE'],
    ['a signal before hello', JSON.stringify({ type: 'contacts' }), 'HELLO_FIRST'],
  ])('rejects %s with a clear error and a disconnect', async (_what, text, code) => {
    const c = rawClient();
    await c.challenge;
    c.ws.send(text);
    expect(await c.closed).toBe(1008);
    expect(errorCodes(c.got)).toEqual([code]);
    expect(server.hub.stats.rejectedMessages[code]).toBeGreaterThanOrEqual(1);
  });

  it('refuses a hello whose key does not name the claimed id', async () => {
    const c = rawClient();
    const nonce = await c.challenge;
    const me = createIdentity(new CryptoRng());
    const other = createIdentity(new CryptoRng());
    c.ws.send(JSON.stringify({ type: 'hello', id: other.id, publicKey: bytesToHex(me.publicKey), sig: bytesToHex(me.sign(helloPayload(nonce, other.id))) }));
    expect(await c.closed).toBe(1008);
    expect(errorCodes(c.got)).toEqual(['BAD_SIGNATURE']);
  });

  it('disconnects a client that floods past its rate', async () => {
    const c = rawClient();
    await c.challenge;
    for (let i = 0; i < 40; i++) c.ws.send('{"type":"contacts"}');
    expect(await c.closed).toBe(1008);
    // The first message already fails (no hello yet), so what matters is that a flood is cut.
    expect(errorCodes(c.got).length).toBeGreaterThanOrEqual(1);
    const flood = rawClient();
    const nonce = await flood.challenge;
    const me = createIdentity(new CryptoRng());
    flood.ws.send(JSON.stringify({ type: 'hello', id: me.id, publicKey: bytesToHex(me.publicKey), sig: bytesToHex(me.sign(helloPayload(nonce, me.id))) }));
    for (let i = 0; i < 40; i++) flood.ws.send('{"type":"contacts"}');
    expect(await flood.closed).toBe(1008);
    expect(errorCodes(flood.got)).toContain('RATE_LIMITED');
  });

  it('introduces two peers and relays their signals until they hold a WebRTC link', async () => {
    const ida = createIdentity(new CryptoRng());
    const idb = createIdentity(new CryptoRng());
    const opts = { clock, WebSocket: WebSocket as unknown as WebSocketCtor };
    const sa = await WsSignaler.connect(server.url, ida, opts);
    const sb = await WsSignaler.connect(server.url, idb, opts);
    expect(sb.contacts).toContain(ida.id);
    const a = loopbackNet(sa, ida);
    const b = loopbackNet(sb, idb);
    nets.push(a, b);
    const gotAtA = new Promise<Uint8Array>((r) => a.setHandler({ onLinkUp: () => {}, onLinkDown: () => {}, onMessage: (_p, f) => r(f) }));
    const upAtB = new Promise<string>((resolve, reject) => b.setHandler({ onLinkUp: resolve, onLinkDown: (_p, why) => reject(new Error(`link down: ${why}`)), onMessage: () => {} }));
    b.connect(sb.contacts[0]!);
    expect(await upAtB).toBe(ida.id);
    b.send(ida.id, Uint8Array.of(42));
    expect([...(await gotAtA)]).toEqual([42]);
    expect(server.hub.stats.signalsRelayed).toBeGreaterThanOrEqual(2);
    const count = (await (await fetch(server.url + '/peers/count')).json()) as { peers: number };
    expect(count.peers).toBe(2);
    sa.close();
    sb.close();
  });
});
