// Proves the in-memory Clock, Store and Net pass the shared port compliance suites.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { runClockCompliance } from './compliance/clock.js';
import { runNetCompliance } from './compliance/net.js';
import { runStoreCompliance } from './compliance/store.js';
import { ManualClock, MemoryNetwork, MemoryStore } from './memory.js';

const id = (c: string): PeerId => c.repeat(40) as PeerId;

runClockCompliance('ManualClock', () => {
  const clock = new ManualClock();
  return { clock, advance: async (ms) => clock.advance(ms) };
});

runStoreCompliance('MemoryStore', () => new MemoryStore());

runNetCompliance('MemoryNet', () => {
  const hub = new MemoryNetwork();
  const nets = [hub.join(id('a')), hub.join(id('b')), hub.join(id('c'))];
  return {
    nets,
    settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
    teardown: () => nets.forEach((n) => n.close()),
  };
});

describe('MemoryStore', () => {
  it('refuses a batch with a bad op and leaves the store untouched', async () => {
    const store = new MemoryStore();
    await store.put(Uint8Array.of(1), Uint8Array.of(1));
    const bad = [
      { type: 'del' as const, key: Uint8Array.of(1) },
      { type: 'put' as const, key: Uint8Array.of(2), value: 'not bytes' as unknown as Uint8Array },
    ];
    await expect(store.batch(bad)).rejects.toThrow(/Uint8Array/);
    expect(await store.get(Uint8Array.of(1))).toEqual(Uint8Array.of(1));
    expect(store.size).toBe(1);
  });

  it('refuses use after close', async () => {
    const store = new MemoryStore();
    await store.close();
    await expect(store.get(Uint8Array.of(1))).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('MemoryNet', () => {
  it('guards itself from a handler that throws', async () => {
    const hub = new MemoryNetwork();
    const a = hub.join(id('a'));
    const b = hub.join(id('b'));
    b.setHandler({ onLinkUp: () => { throw new Error('boom'); }, onLinkDown: () => {}, onMessage: () => {} });
    a.connect(b.self);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(hub.handlerErrors).toBe(1);
    expect(a.isLinked(b.self)).toBe(true);
  });
});
