// The Net compliance suite. It works for synchronous, simulated and real transports alike: the
// setup's settle() makes some progress (flush microtasks, run the simulator a little, wait a
// little real time) and the suite waits for events with a bounded loop of settle() calls.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import type { LinkDownReason, Net } from '../ports.js';

export interface NetSetup {
  /** Three peers on one network, not yet linked. */
  nets: Net[];
  settle(): Promise<void>;
  teardown(): void | Promise<void>;
  /** An id no peer answers to; a default one is used when absent. */
  absentPeer?: PeerId;
}

/** How many settle() rounds an awaited event may take before the suite gives up. */
const MAX_SETTLE_ROUNDS = 400;
const ABSENT = 'abad1deaabad1deaabad1deaabad1deaabad1dea' as PeerId;

interface Recorder {
  ups: PeerId[];
  downs: Array<[PeerId, LinkDownReason]>;
  frames: Array<[PeerId, Uint8Array]>;
}

function record(net: Net): Recorder {
  const r: Recorder = { ups: [], downs: [], frames: [] };
  net.setHandler({
    onLinkUp: (p) => r.ups.push(p),
    onLinkDown: (p, why) => r.downs.push([p, why]),
    onMessage: (p, f) => r.frames.push([p, f]),
  });
  return r;
}

async function waitFor(s: NetSetup, what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < MAX_SETTLE_ROUNDS; i++) {
    if (cond()) return;
    await s.settle();
  }
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

async function linked(s: NetSetup, a: Net, b: Net): Promise<void> {
  a.connect(b.self);
  await waitFor(s, 'link up on both sides', () => a.isLinked(b.self) && b.isLinked(a.self));
}

export function runNetCompliance(name: string, setup: () => NetSetup | Promise<NetSetup>): void {
  describe(`Net compliance: ${name}`, () => {
    it('brings a link up on both sides', async () => {
      const s = await setup();
      const [a, b] = s.nets as [Net, Net];
      const ra = record(a);
      const rb = record(b);
      await linked(s, a, b);
      await waitFor(s, 'onLinkUp on both sides', () => ra.ups.length === 1 && rb.ups.length === 1);
      expect(ra.ups).toEqual([b.self]);
      expect(rb.ups).toEqual([a.self]);
      expect(a.links()).toEqual([b.self]);
      await s.teardown();
    });

    it('delivers many frames in order, a 64 KiB one included', async () => {
      const s = await setup();
      const [a, b] = s.nets as [Net, Net];
      record(a);
      const rb = record(b);
      await linked(s, a, b);
      const big = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);
      const count = 200;
      for (let i = 0; i < count; i++) {
        const frame = i === 100 ? big : Uint8Array.from([i & 0xff, i >> 8]);
        expect(a.send(b.self, frame)).toBe(true);
      }
      await waitFor(s, `${count} frames`, () => rb.frames.length >= count);
      expect(rb.frames.length).toBe(count);
      rb.frames.forEach(([from, f], i) => {
        expect(from).toBe(a.self);
        if (i === 100) expect(f).toEqual(big);
        else expect([...f]).toEqual([i & 0xff, i >> 8]);
      });
      await s.teardown();
    });

    it('ends a simultaneous connect from both sides with one link', async () => {
      const s = await setup();
      const [a, b] = s.nets as [Net, Net];
      const ra = record(a);
      const rb = record(b);
      a.connect(b.self);
      b.connect(a.self);
      await waitFor(s, 'link up', () => a.isLinked(b.self) && b.isLinked(a.self));
      await s.settle();
      expect(ra.ups).toEqual([b.self]);
      expect(rb.ups).toEqual([a.self]);
      expect(a.send(b.self, Uint8Array.of(1))).toBe(true);
      expect(b.send(a.self, Uint8Array.of(2))).toBe(true);
      await waitFor(s, 'frames both ways', () => ra.frames.length === 1 && rb.frames.length === 1);
      expect(ra.downs).toEqual([]);
      expect(rb.downs).toEqual([]);
      await s.teardown();
    });

    it('reports a disconnect on both sides', async () => {
      const s = await setup();
      const [a, b] = s.nets as [Net, Net];
      const ra = record(a);
      const rb = record(b);
      await linked(s, a, b);
      a.disconnect(b.self);
      expect(a.isLinked(b.self)).toBe(false);
      await waitFor(s, 'link down on both sides', () => ra.downs.length === 1 && rb.downs.length === 1);
      expect(ra.downs).toEqual([[b.self, 'closed']]);
      expect(rb.downs).toEqual([[a.self, 'remote-closed']]);
      expect(b.isLinked(a.self)).toBe(false);
      await s.teardown();
    });

    it('refuses to send without a link', async () => {
      const s = await setup();
      const [a, b] = s.nets as [Net, Net];
      record(a);
      record(b);
      expect(a.send(b.self, Uint8Array.of(1))).toBe(false);
      expect(a.isLinked(b.self)).toBe(false);
      expect(a.links()).toEqual([]);
      await s.teardown();
    });

    it('fails a connect to an absent peer', async () => {
      const s = await setup();
      const [a] = s.nets as [Net];
      const ra = record(a);
      const absent = s.absentPeer ?? ABSENT;
      a.connect(absent);
      await waitFor(s, 'connect-failed', () => ra.downs.length === 1);
      expect(ra.downs).toEqual([[absent, 'connect-failed']]);
      expect(ra.ups).toEqual([]);
      expect(a.isLinked(absent)).toBe(false);
      await s.teardown();
    });

    it('takes every link down on close()', async () => {
      const s = await setup();
      const [a, b, c] = s.nets as [Net, Net, Net];
      record(a);
      const rb = record(b);
      const rc = record(c);
      await linked(s, a, b);
      await linked(s, c, a);
      a.close();
      await waitFor(s, 'peers see the links go', () => rb.downs.length === 1 && rc.downs.length === 1);
      expect(rb.downs[0]![0]).toBe(a.self);
      expect(rc.downs[0]![0]).toBe(a.self);
      expect(a.links()).toEqual([]);
      expect(b.isLinked(a.self)).toBe(false);
      expect(a.send(b.self, Uint8Array.of(1))).toBe(false);
      await s.teardown();
    });
  });
}
