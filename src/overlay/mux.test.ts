// Proves the mux is a safe trust boundary: bad frames are counted and dropped (and a peer that
// keeps sending them is cut off), envelopes reach the ring they name, link events reach every
// ring, and the link budget evicts the least valued link but never a protected one.
import { describe, expect, it } from 'vitest';
import { encodeEnvelope, encodeValue } from '../core/codec.js';
import type { Envelope } from '../core/envelope.js';
import type { PeerId } from '../core/id.js';
import type { LinkDownReason, Net, NetHandler } from '../env/ports.js';
import { LinkValue, Mux, type MuxClient } from './mux.js';

const A = 'a'.repeat(40) as PeerId;
const peer = (i: number) => i.toString(16).padStart(40, '0') as PeerId;

class FakeNet implements Net {
  handler: NetHandler | null = null;
  readonly up = new Set<PeerId>();
  readonly sent: Array<[PeerId, Uint8Array]> = [];
  constructor(readonly self: PeerId) {}
  setHandler(h: NetHandler): void {
    this.handler = h;
  }
  connect(p: PeerId): void {
    this.up.add(p);
    this.handler?.onLinkUp(p);
  }
  disconnect(p: PeerId): void {
    this.up.delete(p);
  }
  send(p: PeerId, frame: Uint8Array): boolean {
    if (!this.up.has(p)) return false;
    this.sent.push([p, frame]);
    return true;
  }
  isLinked(p: PeerId): boolean {
    return this.up.has(p);
  }
  links(): PeerId[] {
    return [...this.up];
  }
  readonly relayed = new Set<PeerId>();
  linkKind(p: PeerId): 'host' | 'relay' | undefined {
    return this.up.has(p) ? (this.relayed.has(p) ? 'relay' : 'host') : undefined;
  }
  close(): void {}
}

class Recorder implements MuxClient {
  envs: Envelope[] = [];
  ups: PeerId[] = [];
  downs: Array<[PeerId, LinkDownReason]> = [];
  values = new Map<PeerId, number>();
  onEnvelope(_from: PeerId, env: Envelope): void {
    this.envs.push(env);
  }
  onLinkUp(p: PeerId): void {
    this.ups.push(p);
  }
  onLinkDown(p: PeerId, r: LinkDownReason): void {
    this.downs.push([p, r]);
  }
  linkValue(p: PeerId): number {
    return this.values.get(p) ?? LinkValue.none;
  }
}

function env(ring: 'base' | 'asc'): Envelope {
  return { v: 1, mid: 7, src: peer(1), dst: peer(2), to: 'peer', ring, svc: 'test', op: 'hello', hops: 1, ttl: 8, body: { x: 1 } };
}

describe('Mux', () => {
  it('drops and counts bad frames without throwing, and cuts off a peer that keeps sending them', () => {
    const net = new FakeNet(A);
    const mux = new Mux(net, { maxBadFramesPerPeer: 3 });
    const base = new Recorder();
    mux.attach('base', base);
    net.connect(peer(1));
    const bad = [new Uint8Array([0xc1]), new Uint8Array(0), encodeValue({ v: 1 }).ok ? new Uint8Array([0x81, 0xa1, 0x76, 0x02]) : new Uint8Array(), new Uint8Array([0x92, 0x01])];
    for (const f of bad) expect(() => net.handler!.onMessage(peer(1), f)).not.toThrow();
    expect(mux.stats.badFrames).toBe(4);
    expect(base.envs).toHaveLength(0);
    expect(mux.stats.badPeersDropped).toBe(1);
    expect(mux.isLinked(peer(1))).toBe(false);
    expect(base.downs).toEqual([[peer(1), 'closed']]);
  });

  it('dispatches by ring and fans link events to every ring', () => {
    const net = new FakeNet(A);
    const mux = new Mux(net);
    const base = new Recorder();
    const asc = new Recorder();
    mux.attach('base', base);
    mux.attach('asc', asc);
    net.connect(peer(1));
    const f = encodeEnvelope(env('asc'));
    if (!f.ok) throw f.error;
    net.handler!.onMessage(peer(1), f.value);
    expect(asc.envs).toHaveLength(1);
    expect(base.envs).toHaveLength(0);
    expect(base.ups).toEqual([peer(1)]);
    expect(asc.ups).toEqual([peer(1)]);
    expect(mux.send(peer(1), env('base'))).toBe(true);
    expect(mux.send(peer(9), env('base'))).toBe(false);
  });

  it('evicts the least valued link beyond maxLinks and never a protected one', () => {
    const net = new FakeNet(A);
    const mux = new Mux(net, { maxLinks: 3 });
    const base = new Recorder();
    mux.attach('base', base);
    base.values.set(peer(1), LinkValue.protected);
    base.values.set(peer(2), LinkValue.finger);
    base.values.set(peer(3), LinkValue.successor);
    for (let i = 1; i <= 3; i++) net.connect(peer(i));
    net.connect(peer(4));
    expect(mux.linkCount()).toBe(3);
    expect(mux.isLinked(peer(2))).toBe(false);
    expect(mux.stats.evictions).toBe(1);
    base.values.set(peer(3), LinkValue.protected);
    base.values.set(peer(4), LinkValue.protected);
    net.connect(peer(5));
    expect(mux.isLinked(peer(5))).toBe(false);
    expect([1, 3, 4].every((i) => mux.isLinked(peer(i)))).toBe(true);
  });

  it('evicts a relayed link before a direct one of the same value, never a protected relayed one', () => {
    const net = new FakeNet(A);
    const mux = new Mux(net, { maxLinks: 3 });
    const base = new Recorder();
    mux.attach('base', base);
    for (let i = 1; i <= 3; i++) base.values.set(peer(i), LinkValue.finger);
    base.values.set(peer(4), LinkValue.successor);
    net.relayed.add(peer(2));
    for (let i = 1; i <= 3; i++) net.connect(peer(i));
    net.connect(peer(4));
    expect(mux.isLinked(peer(2))).toBe(false);
    expect([1, 3, 4].every((i) => mux.isLinked(peer(i)))).toBe(true);
    // A relayed link worth more than a direct one stays: the value decides first.
    net.relayed.add(peer(4));
    base.values.set(peer(5), LinkValue.successor);
    net.connect(peer(5));
    expect(mux.isLinked(peer(4))).toBe(true);
    expect(mux.isLinked(peer(1))).toBe(false);
    // Protected links are never evicted, relayed or not.
    for (const i of [3, 4, 5]) base.values.set(peer(i), LinkValue.protected);
    net.relayed.add(peer(3));
    net.connect(peer(6));
    expect([3, 4, 5].every((i) => mux.isLinked(peer(i)))).toBe(true);
  });
});
