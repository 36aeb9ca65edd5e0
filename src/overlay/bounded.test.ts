import { describe, expect, it } from 'vitest';
import { ExpiringSet, SeenMessages } from './bounded.js';

describe('SeenMessages', () => {
  it('recognizes a message seen before by id and source, and no other', () => {
    const s = new SeenMessages(4);
    expect(s.add(7, 'a')).toBe(true);
    expect(s.add(7, 'a')).toBe(false);
    expect(s.add(8, 'a')).toBe(true);
    expect(s.add(9, 'b')).toBe(true);
    expect(s.add(9, 'b')).toBe(false);
  });

  it('forgets the oldest message once full', () => {
    const s = new SeenMessages(3);
    for (const mid of [1, 2, 3, 4]) expect(s.add(mid, 'x')).toBe(true);
    expect(s.size).toBe(3);
    expect(s.add(1, 'x')).toBe(true); // forgotten, so new again
    expect(s.add(4, 'x')).toBe(false);
  });

  it('keeps the later of two sources whose ids coincide', () => {
    const s = new SeenMessages(8);
    expect(s.add(5, 'a')).toBe(true);
    expect(s.add(5, 'b')).toBe(true);
    expect(s.add(5, 'b')).toBe(false);
    expect(s.size).toBe(1);
  });
});

describe('ExpiringSet', () => {
  it('reads an expired entry as absent and caps its size', () => {
    const s = new ExpiringSet<string>(2);
    s.add('a', 100);
    expect(s.has('a', 50)).toBe(true);
    expect(s.has('a', 150)).toBe(false);
    s.add('b', 1000);
    s.add('c', 1000);
    s.add('d', 1000);
    expect(s.has('b', 0)).toBe(false);
    expect(s.has('d', 0)).toBe(true);
  });
});
