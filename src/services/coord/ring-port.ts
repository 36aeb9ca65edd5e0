// The part of a Chord ring the coordination service uses. ChordRing (src/overlay/ring.ts)
// provides it; tests may provide a smaller fake.
import type { Envelope } from '../../core/envelope.js';
import type { Id, PeerId } from '../../core/id.js';

export type RingChange = 'range-changed' | 'successors-changed' | 'predecessor-changed';

export interface CoordRing {
  readonly self: PeerId;
  owns(key: Id): boolean;
  /** Nearest first. */
  successors(): PeerId[];
  predecessor(): PeerId | null;
  request(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts?: { timeoutMs?: number }): Promise<Envelope>;
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean;
  reply(to: Envelope, body: unknown): boolean;
  onService(svc: string, handler: (env: Envelope) => void): () => void;
  readonly events: { on(name: RingChange, fn: (event: unknown) => void): () => void };
}
