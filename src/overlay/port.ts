// The ring port: everything a service may ask of a ring, and the only ring type a service sees.
// ChordRing implements it; so does the simulator's oracle ring (sim/oracle-ring.ts), an idealised
// one-hop ring for tests about a service rather than routing. Both pass one compliance suite
// (overlay/compliance/port.ts). Services import this file and nothing else of the overlay.
import type { Envelope } from '../core/envelope.js';
import type { Id, PeerId } from '../core/id.js';

/** The keys a peer owns: (start, end], start exclusive; start === end means the whole ring. */
export interface Range {
  start: PeerId;
  end: PeerId;
}

/** What a ring tells its services about changes of its neighbourhood. */
export type RingPortEvents = {
  'range-changed': { from: Range | null; to: Range };
  'successors-changed': { successors: PeerId[] };
  'predecessor-changed': { from: PeerId | null; to: PeerId | null };
  /**
   * A neighbour (our predecessor or one of our successors) is gone: it said it leaves
   * (`failed: false`) or its link failed or it stopped answering (`failed: true`). Services that
   * keep something on behalf of their neighbours act on it at once, before the next periodic pass.
   */
  'peer-gone': { peer: PeerId; failed: boolean };
};

export interface RingRequestOptions {
  /** How long to wait for the reply; the ring's own request timeout when absent. */
  timeoutMs?: number;
  /** For a key: send the first hop to the two best neighbours; the owner suppresses the duplicate. */
  redundant?: boolean;
}

export interface RingPort {
  readonly self: PeerId;
  /** Is key ours to keep: is it in (predecessor, self]? */
  owns(key: Id): boolean;
  /** Our successors, nearest first. */
  successors(): PeerId[];
  /** Our predecessor, or null while we know none. */
  predecessor(): PeerId | null;
  /**
   * Have we a direct link to peer now? A peer that crashed has lost its link to us, so asking a
   * linked peer first saves the timeout an unlinked one may cost.
   */
  isLinked(peer: PeerId): boolean;
  /** The peers we are linked to, oldest link first (the most stable ones, e.g. to relay through). */
  links(): PeerId[];
  /**
   * Does peer stand beside the ring, attached to us (the rendezvous server's peer: it owns no key
   * and takes no work)? Only what it declared on its link to us counts.
   */
  isAttachedPeer(peer: PeerId): boolean;
  /**
   * Send to the owner of a key, or to one peer, and resolve with the reply envelope; rejects on
   * timeout (TimeoutError) or when there is no way to the target now (PeerGoneError).
   */
  request(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts?: RingRequestOptions): Promise<Envelope>;
  /** Answer a request envelope; false when the answer cannot be sent now. */
  reply(to: Envelope, body: unknown): boolean;
  /** One-way message to a peer (no reply expected); false when it cannot be sent now. */
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean;
  /** Receive the messages of service svc (one handler per service); returns the unsubscribe. */
  onService(svc: string, handler: (env: Envelope) => void): () => void;
  readonly events: RingPortEmitter;
}

/** Typed events: on() returns the unsubscribe. */
export interface RingPortEmitter {
  on<K extends keyof RingPortEvents>(name: K, fn: (event: RingPortEvents[K]) => void): () => void;
}
