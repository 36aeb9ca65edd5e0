// Ownership claims are checked against each peer's own view: stale or isolated owners find no vouching replicas.
import { describe, expect, it } from 'vitest';
import { idFromHex, type Id, type PeerId } from '../../core/id.js';
import { anyInside, coherent, selfOwns, vouches } from './ownership.js';

const peer = (c: string): PeerId => c.repeat(40) as PeerId;
const key = (c: string): Id => idFromHex(c.repeat(40));
const [P2, P4, P6, P8, PA, PC] = ['2', '4', '6', '8', 'a', 'c'].map(peer) as [PeerId, PeerId, PeerId, PeerId, PeerId, PeerId];

describe('a peer judging its own view', () => {
  it('is coherent when successors go clockwise and none sits between its predecessor and itself', () => {
    expect(coherent({ self: P8, pred: P6, succs: [PA, PC, P2, P4] })).toBe(true);
    // A small ring: the list wraps round to the predecessor, which is then its last entry.
    expect(coherent({ self: P8, pred: P4, succs: [PA, P2, P4] })).toBe(true);
    expect(coherent({ self: P8, pred: null, succs: [PA] })).toBe(false);
  });

  it('is not coherent after merging a partition buddy list, nor with successors out of order', () => {
    // Back from a partition with buddy PA: predecessor PA, but PA's list brought in P2 and P4.
    expect(coherent({ self: P8, pred: PA, succs: [PA, P2, P4] })).toBe(false);
    expect(coherent({ self: P8, pred: P6, succs: [PC, PA] })).toBe(false);
    expect(selfOwns({ self: P8, pred: PA, succs: [PA, P2, P4] }, true)).toBe(false);
    // Chord's own answer (the predecessor) comes first.
    expect(selfOwns({ self: P8, pred: P6, succs: [PA, PC] }, false)).toBe(false);
  });
});

describe('a replica vouching for an owner', () => {
  it('vouches only for the peer its view puts right before it in the chain', () => {
    // P4 owns (P2, P4] and replicates to [P6, P8].
    expect(vouches({ self: P6, pred: P4, succs: [P8, PA] }, key('3'), P4, P2, [P6, P8])).toBe(true);
    expect(vouches({ self: P8, pred: P6, succs: [PA, PC] }, key('3'), P4, P2, [P6, P8])).toBe(true);
    // P8 sees another predecessor than the sender's first replica: the chain is not what P4 thinks.
    expect(vouches({ self: P8, pred: P4, succs: [PA, PC] }, key('3'), P4, P2, [P6, P8])).toBe(false);
    expect(vouches({ self: PA, pred: P8, succs: [PC] }, key('3'), P4, P2, [P6, P8])).toBe(false);
  });

  it('refuses when the key is outside the claimed range or it knows a peer inside that range', () => {
    expect(vouches({ self: P6, pred: P4, succs: [P8, PA] }, key('1'), P4, P2, [P6, P8])).toBe(false);
    // P8 claims (P2, P8] with a stale predecessor; its replica PA knows P4 (its list wrapped).
    expect(vouches({ self: PA, pred: P8, succs: [PC, P2, P4] }, key('3'), P8, P2, [PA, PC])).toBe(false);
    expect(anyInside([PC, P2, P4], P2, P8)).toBe(true);
    expect(anyInside([PC, P2], P2, P8)).toBe(false);
  });
});
