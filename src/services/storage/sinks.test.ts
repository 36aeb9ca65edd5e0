// Proves pushed pieces land only where an open read expects them: right tag, holder, chunk, offset and length, never twice, and never after the read closed.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../core/id.js';
import { MAX_OPEN_READS, PieceSinks } from './sinks.js';

const A = 'a'.repeat(40) as PeerId;
const B = 'b'.repeat(40) as PeerId;
const ID = 'c'.repeat(40);
const piece = (tag: number, off: number, n: number, fill: number, id = ID) => ({ tag, id, off, data: new Uint8Array(n).fill(fill) });

describe('PieceSinks', () => {
  it('accepts exactly the expected pieces and refuses everything else', () => {
    const sinks = new PieceSinks();
    const buf = new Uint8Array(250);
    const open = sinks.expect(A, ID, buf, [100, 200], 100)!;
    expect(sinks.accept(B, piece(open.tag, 100, 100, 1))).toBe(false); // another peer
    expect(sinks.accept(A, piece(open.tag + 1, 100, 100, 1))).toBe(false); // no such read
    expect(sinks.accept(A, piece(open.tag, 100, 100, 1, 'd'.repeat(40)))).toBe(false); // another chunk
    expect(sinks.accept(A, piece(open.tag, 0, 100, 1))).toBe(false); // an offset not asked for
    expect(sinks.accept(A, piece(open.tag, 200, 49, 1))).toBe(false); // short last piece
    expect(sinks.accept(A, piece(open.tag, 100, 100, 7))).toBe(true);
    expect(sinks.accept(A, piece(open.tag, 100, 100, 9))).toBe(false); // not twice
    expect([...open.missing]).toEqual([200]);
    expect(buf.subarray(100, 200).every((x) => x === 7)).toBe(true);
    expect(buf.subarray(0, 100).every((x) => x === 0)).toBe(true);
    sinks.close(open.tag);
    expect(sinks.accept(A, piece(open.tag, 200, 50, 1))).toBe(false); // closed
    expect(sinks.counters).toEqual({ piecesAccepted: 1, piecesRefused: 7 });
  });

  it('bounds the reads open at once', () => {
    const sinks = new PieceSinks();
    for (let i = 0; i < MAX_OPEN_READS; i++) expect(sinks.expect(A, ID, new Uint8Array(1), [0], 1)).not.toBeNull();
    expect(sinks.expect(A, ID, new Uint8Array(1), [0], 1)).toBeNull();
  });
});
