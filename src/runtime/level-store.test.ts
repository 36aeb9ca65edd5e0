// Proves LevelStore (LevelDB on disk) keeps bytes in key-byte order, honours ranges, limits,
// reverse order and atomic batches, survives a reopen, and refuses use after close.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore, openLevel } from './level-store.js';

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cumulus-level-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const b = (...xs: number[]) => Uint8Array.from(xs);
const keys = (rows: Array<[Uint8Array, Uint8Array]>) => rows.map(([k]) => [...k]);

describe('LevelStore', () => {
  it('orders by key bytes and honours range bounds, limit and reverse', async () => {
    const s = await LevelStore.open(openLevel(freshDir()));
    await s.batch([0x00, 0x01, 0x7f, 0x80, 0xff].map((x) => ({ type: 'put' as const, key: b(x), value: b(x, x) })));
    await s.put(b(0x01, 0x00), b(9));
    expect(keys(await s.range({}))).toEqual([[0x00], [0x01], [0x01, 0x00], [0x7f], [0x80], [0xff]]);
    expect(keys(await s.range({ gt: b(0x01), lt: b(0xff) }))).toEqual([[0x01, 0x00], [0x7f], [0x80]]);
    expect(keys(await s.range({ gte: b(0x7f), reverse: true, limit: 2 }))).toEqual([[0xff], [0x80]]);
    expect([...(await s.get(b(0x80)))!]).toEqual([0x80, 0x80]);
    expect(await s.get(b(0x42))).toBeUndefined();
    expect(await s.delRange({ gte: b(0x01), lt: b(0x80) })).toBe(3);
    expect(keys(await s.range({}))).toEqual([[0x00], [0x80], [0xff]]);
    await s.batch([{ type: 'del', key: b(0x00) }, { type: 'put', key: b(0x10), value: b(1) }]);
    expect(keys(await s.range({}))).toEqual([[0x10], [0x80], [0xff]]);
    await s.close();
    await expect(s.get(b(0x10))).rejects.toThrow(/closed/);
  });

  it('keeps data across a reopen and does not share buffers with callers', async () => {
    const dir = freshDir();
    const s = await LevelStore.open(openLevel(dir));
    const v = b(1, 2, 3);
    await s.put(b(5), v);
    v[0] = 99;
    await s.close();
    const again = await LevelStore.open(openLevel(dir));
    const got = (await again.get(b(5)))!;
    expect([...got]).toEqual([1, 2, 3]);
    got[1] = 77;
    expect([...(await again.get(b(5)))!]).toEqual([1, 2, 3]);
    await again.close();
  });
});
