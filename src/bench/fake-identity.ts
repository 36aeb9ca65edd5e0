// A made-up identity on the signaling endpoint: a fresh key, a valid hello, then nothing. Identities
// cost nothing to make, so this is what a cheap attack on the bootstrap looks like; the bench and
// the test of the bootstrap under made-up identities connect hundreds of them.
import WebSocket from 'ws';
import { bytesToHex } from '../core/id.js';
import { createIdentity } from '../runtime/identity.js';
import { CryptoRng } from '../runtime/rng.js';
import { helloPayload } from '../services/signal/rendezvous.js';

export interface FakeIdentity {
  ws: WebSocket;
  /** Resolves when the server welcomed it. */
  welcomed: Promise<void>;
  /** The error codes the server sent. */
  errors: string[];
  /** Resolves with the close code once the socket is closed. */
  closed: Promise<number>;
}

/** Connect to the server at `url` from the loopback `address`, say a valid hello, then stay idle. */
export function fakeIdentity(url: string, address: string): FakeIdentity {
  const me = createIdentity(new CryptoRng());
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/signal', { localAddress: address });
  const errors: string[] = [];
  let welcome: () => void = () => {};
  const welcomed = new Promise<void>((resolve) => (welcome = resolve));
  // A refused or closed connection shows in `closed`; the error event carries nothing more.
  ws.on('error', () => {});
  ws.on('message', (d) => {
    let m: { type?: string; nonce?: string; code?: string };
    try {
      m = JSON.parse(String(d)) as typeof m;
    } catch {
      return;
    }
    if (m.type === 'challenge' && typeof m.nonce === 'string') {
      ws.send(JSON.stringify({ type: 'hello', id: me.id, publicKey: bytesToHex(me.publicKey), sig: bytesToHex(me.sign(helloPayload(m.nonce, me.id))) }));
    }
    if (m.type === 'welcome') welcome();
    if (m.type === 'error' && typeof m.code === 'string') errors.push(m.code);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return { ws, welcomed, errors, closed };
}

/** `n` made-up identities spread evenly over `addresses` loopback addresses from 127.0.<subnet>.2. */
export function fakeIdentities(url: string, n: number, addresses: number, subnet: number): FakeIdentity[] {
  return Array.from({ length: n }, (_, i) => fakeIdentity(url, `127.0.${subnet}.${2 + (i % addresses)}`));
}
