// Proves the calendar queue pops in exactly (time, seq) order, like a sorted list would, across
// ties, far-future events beyond its ring, and scheduling earlier after a peek moved ahead.
import { describe, expect, it } from 'vitest';
import { seededRng } from '../env/rng.js';
import { CalendarQueue } from './calendar.js';

const SEED = 7;

interface Ref {
  slot: number;
  time: number;
  seq: number;
}

/** Drive the queue and a plain sorted reference with the same random operations. */
function compare(seed: number, draw: (now: number, r: number) => number, ops: number): void {
  const rng = seededRng(seed);
  const q = new CalendarQueue();
  q.growSlots(ops);
  const ref: Ref[] = [];
  let seq = 0;
  let now = 0;
  let slot = 0;
  for (let i = 0; i < ops; i++) {
    if (ref.length === 0 || rng.next() < 0.55) {
      const time = draw(now, rng.next());
      q.push(slot, time);
      ref.push({ slot: slot++, time, seq: seq++ });
      continue;
    }
    ref.sort((a, b) => a.time - b.time || a.seq - b.seq);
    const want = ref.shift()!;
    expect(q.peekTime(), `seed ${seed}, op ${i}`).toBe(want.time);
    expect(q.pop(), `seed ${seed}, op ${i}`).toBe(want.slot);
    now = want.time;
  }
  expect(q.size).toBe(ref.length);
}

describe(`calendar queue (seed ${SEED})`, () => {
  it('matches a sorted list for near events with many equal times', () => {
    compare(SEED, (now, r) => now + Math.floor(r * 8) * 0.25, 20_000);
  });

  it('matches a sorted list when events reach far beyond the ring', () => {
    compare(SEED + 1, (now, r) => now + (r < 0.3 ? r * 20 : r < 0.9 ? r * 5_000 : r * 1e6), 20_000);
  });

  it('takes an earlier event after a peek ran ahead to a later one', () => {
    const q = new CalendarQueue();
    q.growSlots(8);
    q.push(0, 5_000);
    expect(q.peekTime()).toBe(5_000);
    q.push(1, 10);
    q.push(2, 10);
    q.push(3, 4_999.5);
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([1, 2, 3, 0, -1]);
    expect(q.peekTime()).toBe(Infinity);
  });
});
