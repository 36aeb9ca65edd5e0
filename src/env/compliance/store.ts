// The Store compliance suite: byte-ordered keys, atomic batches, every kind of range bound.
import { describe, expect, it } from 'vitest';
import type { Store } from '../ports.js';

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const s = (text: string): Uint8Array => new TextEncoder().encode(text);
const keysOf = (entries: Array<[Uint8Array, Uint8Array]>): number[][] => entries.map(([k]) => [...k]);

export function runStoreCompliance(name: string, makeStore: () => Store | Promise<Store>): void {
  describe(`Store compliance: ${name}`, () => {
    async function filled(): Promise<Store> {
      const store = await makeStore();
      // Keys 1..9 as single bytes, plus keys that probe the 0x00 and 0xff edges.
      for (let i = 1; i <= 9; i++) await store.put(b(i), b(i * 10));
      await store.put(b(), s('empty'));
      await store.put(b(0x00), s('zero'));
      await store.put(b(0x05, 0x00), s('5-0'));
      await store.put(b(0xff), s('ff'));
      await store.put(b(0xff, 0xff), s('ffff'));
      return store;
    }

    it('puts, gets and deletes', async () => {
      const store = await makeStore();
      expect(await store.get(s('a'))).toBeUndefined();
      await store.put(s('a'), s('1'));
      expect(await store.get(s('a'))).toEqual(s('1'));
      await store.put(s('a'), s('2'));
      expect(await store.get(s('a'))).toEqual(s('2'));
      await store.del(s('a'));
      expect(await store.get(s('a'))).toBeUndefined();
      await store.del(s('never'));
      await store.close();
    });

    it('copies values in and out', async () => {
      const store = await makeStore();
      const v = s('abc');
      await store.put(s('k'), v);
      v[0] = 0;
      const got = (await store.get(s('k')))!;
      expect(got).toEqual(s('abc'));
      got[0] = 0;
      expect(await store.get(s('k'))).toEqual(s('abc'));
      const [[, ranged]] = (await store.range({})) as [[Uint8Array, Uint8Array]];
      ranged[1] = 0;
      expect(await store.get(s('k'))).toEqual(s('abc'));
      await store.close();
    });

    it('applies a batch in order', async () => {
      const store = await makeStore();
      await store.put(s('x'), s('old'));
      await store.batch([
        { type: 'put', key: s('a'), value: s('1') },
        { type: 'del', key: s('a') },
        { type: 'put', key: s('b'), value: s('2') },
        { type: 'put', key: s('b'), value: s('3') },
        { type: 'del', key: s('x') },
      ]);
      expect(await store.get(s('a'))).toBeUndefined();
      expect(await store.get(s('b'))).toEqual(s('3'));
      expect(await store.get(s('x'))).toBeUndefined();
      await store.close();
    });

    it('orders keys by bytes, with 0x00 and 0xff and prefixes', async () => {
      const store = await filled();
      expect(keysOf(await store.range({}))).toEqual([[], [0], [1], [2], [3], [4], [5], [5, 0], [6], [7], [8], [9], [0xff], [0xff, 0xff]]);
      expect(await store.get(b(0x05, 0x00))).toEqual(s('5-0'));
      expect(await store.get(b(0xff, 0xff))).toEqual(s('ffff'));
      await store.close();
    });

    it('honours every kind of bound, limit and reverse', async () => {
      const store = await filled();
      expect(keysOf(await store.range({ gte: b(3), lt: b(5) }))).toEqual([[3], [4]]);
      expect(keysOf(await store.range({ gt: b(3), lte: b(5) }))).toEqual([[4], [5]]);
      expect(keysOf(await store.range({ gt: b(5), lt: b(6) }))).toEqual([[5, 0]]);
      expect(keysOf(await store.range({ gte: b(9) }))).toEqual([[9], [0xff], [0xff, 0xff]]);
      expect(keysOf(await store.range({ lt: b(1) }))).toEqual([[], [0]]);
      expect(keysOf(await store.range({ gte: b(2), lte: b(8), limit: 3 }))).toEqual([[2], [3], [4]]);
      expect(keysOf(await store.range({ gte: b(2), lte: b(8), limit: 3, reverse: true }))).toEqual([[8], [7], [6]]);
      expect(keysOf(await store.range({ reverse: true, limit: 2 }))).toEqual([[0xff, 0xff], [0xff]]);
      expect(keysOf(await store.range({ gt: b(0xff, 0xff) }))).toEqual([]);
      expect(keysOf(await store.range({ gte: b(7), lt: b(3) }))).toEqual([]);
      expect(keysOf(await store.range({ limit: 0 }))).toEqual([]);
      await store.close();
    });

    it('deletes a range and says how many', async () => {
      const store = await filled();
      expect(await store.delRange({ gte: b(5), lt: b(7) })).toBe(3);
      expect(keysOf(await store.range({ gte: b(4), lte: b(8) }))).toEqual([[4], [7], [8]]);
      expect(await store.delRange({ gt: b(9) })).toBe(2);
      expect(await store.delRange({ gte: b(0xf0) })).toBe(0);
      expect(await store.delRange({})).toBe(9);
      expect(await store.range({})).toEqual([]);
      await store.close();
    });
  });
}
