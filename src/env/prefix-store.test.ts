// Proves a PrefixStore passes the Store compliance suite and that views never see each other's keys.
import { describe, expect, it } from 'vitest';
import { runStoreCompliance } from './compliance/store.js';
import { MemoryStore } from './memory-store.js';
import { PrefixStore } from './prefix-store.js';

const s = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

runStoreCompliance('PrefixStore over MemoryStore', () => {
  const inner = new MemoryStore();
  // Neighbours on both sides of the prefix, which the view must never return or delete.
  void inner.put(s('s'), s('before'));
  void inner.put(s('s.'), s('before'));
  void inner.put(s('t'), s('after'));
  return PrefixStore.of(inner, 's/');
});

describe('PrefixStore', () => {
  it('keeps views apart in ranges and range deletes', async () => {
    const inner = new MemoryStore();
    const a = PrefixStore.of(inner, 'storage/');
    const b = PrefixStore.of(inner, 'storagf/');
    await inner.put(s('cumulus/identity'), s('secret'));
    await a.put(s('c1'), s('a1'));
    await a.put(s('c2'), s('a2'));
    await b.put(s('c1'), s('b1'));
    expect((await a.range({})).map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(['c1=a1', 'c2=a2']);
    expect((await a.range({ gt: s('c'), lt: s('d') })).map(([k]) => text(k))).toEqual(['c1', 'c2']);
    expect(await a.delRange({})).toBe(2);
    expect(text((await b.get(s('c1')))!)).toBe('b1');
    expect(text((await inner.get(s('cumulus/identity')))!)).toBe('secret');
  });

  it('refuses an empty prefix or one of 0xff bytes only', () => {
    expect(() => new PrefixStore(new MemoryStore(), new Uint8Array(0))).toThrow(/empty/);
    expect(() => new PrefixStore(new MemoryStore(), Uint8Array.of(0xff, 0xff))).toThrow(/0xff/);
  });
});
