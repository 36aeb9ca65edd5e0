// Ownership claims are checked against each peer's own view: stale or isolated owners find no vouching replicas.
import { describe, expect, it } from 'vitest';
import { idFromHex, type Id, type PeerId } from '../../core/id.js';
import { knowsCloserPeer, selfOwns, vouches } from './ownership.js';

const peer = (c: string): PeerId => c.repeat(40) as PeerId;
const key = (c: string): Id => idFromHex(c.repeat(40));
const [P2, P4, P6, P8, PA, PC] = ['2', '4', '6', '8', 'a', 'c'].map(peer) as [PeerId, PeerId, PeerId, PeerId, PeerId, PeerId];

describe('ownership checks', () => {
  it('a peer whose successor list wrapped around to a peer between the key and itself does not own the key', () => {
    // Back from a partition: P8 still has P2 as predecessor, but its successors reach P4 (closer to key 3).
    expect(selfOwns({ self: P8, pred: P2, succs: [PA, PC, P4] }, key('3'), true)).toBe(false);
    expect(selfOwns({ self: P8, pred: P2, succs: [PA, PC] }, key('3'), true)).toBe(true);
    // Chord's own answer (the predecessor) comes first.
    expect(selfOwns({ self: P8, pred: P2, succs: [PA, PC] }, key('3'), false)).toBe(false);
  });

  it('a replica vouches only for the peer its view puts right before it in the chain', () => {
    // P4 owns key 3 and replicates to [P6, P8].
    expect(vouches({ self: P6, pred: P4, succs: [P8, PA] }, key('3'), P4, [P6, P8])).toBe(true);
    expect(vouches({ self: P8, pred: P6, succs: [PA, PC] }, key('3'), P4, [P6, P8])).toBe(true);
    // P8 sees another predecessor than the sender's first replica: the chain is not what P4 thinks.
    expect(vouches({ self: P8, pred: P4, succs: [PA, PC] }, key('3'), P4, [P6, P8])).toBe(false);
    // Not in the sender's list at all.
    expect(vouches({ self: PA, pred: P8, succs: [PC] }, key('3'), P4, [P6, P8])).toBe(false);
  });

  it('a replica refuses a sender when it knows a peer that owns the key before the sender does', () => {
    // P8 claims key 3 with a stale predecessor; its replica PA knows P4 (its successor list wrapped).
    expect(knowsCloserPeer({ self: PA, pred: P8, succs: [PC, P2, P4] }, key('3'), P8)).toBe(true);
    expect(vouches({ self: PA, pred: P8, succs: [PC, P2, P4] }, key('3'), P8, [PA, PC])).toBe(false);
    // The key itself is a peer id: that peer owns it.
    expect(knowsCloserPeer({ self: PA, pred: P8, succs: [P4] }, key('4'), P8)).toBe(true);
  });
});
