// What storage needs from a ring: route a request to a key's owner or to a peer and await the
// reply, answer requests, know which keys it owns and who its neighbours are, and hear when its
// range or successors change. The overlay's ChordRing provides this; tests may provide an oracle.
import type { Envelope } from '../../core/envelope.js';
import type { Id, PeerId } from '../../core/id.js';

export type RingEvent = 'range-changed' | 'successors-changed' | 'predecessor-changed';

export interface RingPort {
  readonly self: PeerId;
  /**
   * Send to the owner of a key (or to one peer) and resolve with the reply envelope; rejects on
   * timeout. `redundant` (a hint, for a key): send the first hop to the two best next hops.
   */
  request(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: { timeoutMs: number; redundant?: boolean }): Promise<Envelope>;
  reply(env: Envelope, body: unknown): void;
  /** One-way message to a peer (no reply expected); false when it cannot be sent now. */
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean;
  onService(svc: string, handler: (env: Envelope) => void): void;
  /**
   * Whether this peer has a direct link to `peer` now (optional): readers try linked holders first,
   * since a holder that crashed has lost its link to us and asking it would cost a timeout.
   */
  linked?(peer: PeerId): boolean;
  owns(key: Id): boolean;
  successors(): PeerId[];
  predecessor(): PeerId | undefined;
  on(event: RingEvent, fn: () => void): void;
}
