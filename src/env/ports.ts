// The seam between protocol code and the world. Protocol layers (core, overlay, gossip,
// services, peer) get every clock reading, timer, random number, link and byte of storage
// through these ports, so one implementation runs in a browser tab, in Node, and in the
// simulator with 100,000 virtual peers, deterministically from a seed.
//
// Each port has an in-memory implementation (memory.ts), a simulated one (../sim) and real ones
// (../runtime), and one compliance suite (compliance/) that all of them pass.
import type { PeerId } from '../core/id.js';

/** An opaque handle for a pending timer. */
export type TimerHandle = { readonly __timer: true } | number;

export interface Clock {
  /** Milliseconds since an arbitrary epoch; never goes backwards. */
  now(): number;
  /** Run fn once after delayMs (clamped to >= 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Cancel a pending timer; cancelling a fired or cancelled timer does nothing. */
  cancel(handle: TimerHandle): void;
}

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** n random bytes. */
  bytes(n: number): Uint8Array;
  /** An independent stream derived from this one and a label; same seed + label, same stream. */
  fork(label: string): Rng;
}

export type StoreOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

/** A key range in byte order; bounds are optional, `limit` caps the number of entries. */
export interface RangeOptions {
  gt?: Uint8Array;
  gte?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  limit?: number;
  reverse?: boolean;
}

/** A byte key/value store ordered by key bytes (automerge-repo's storage adapter shape). */
export interface Store {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  del(key: Uint8Array): Promise<void>;
  /** Apply all operations atomically, in order. */
  batch(ops: StoreOp[]): Promise<void>;
  /** Entries in the range, in key order (or reverse), at most `limit`. */
  range(opts: RangeOptions): Promise<Array<[Uint8Array, Uint8Array]>>;
  /** Delete every entry in the range; returns how many were deleted. */
  delRange(opts: RangeOptions): Promise<number>;
  close(): Promise<void>;
}

export type LinkDownReason = 'closed' | 'remote-closed' | 'failed' | 'timeout' | 'connect-failed' | 'refused' | 'shutdown';

/** What a Net tells its owner. Handlers must not throw; a Net guards itself if they do. */
export interface NetHandler {
  onLinkUp(peer: PeerId): void;
  onLinkDown(peer: PeerId, reason: LinkDownReason): void;
  /**
   * A frame from peer. `value`, when present, is what the frame encodes as the sender built it:
   * only a Net inside one process (the simulator) passes it, so that the receiver may skip
   * decoding the bytes. It is as untrusted as the bytes: check it against its schema.
   */
  onMessage(peer: PeerId, frame: Uint8Array, value?: unknown): void;
}

/**
 * How long one attempt to open a link may take before it fails (connect-failed after the last
 * attempt). ICE on loopback or a LAN completes in well under a second; 5 s leaves room for a TURN
 * relay over a slow link, and no more: a peer that does not answer by then is most likely gone,
 * and the overlay would rather route around it. The real Net and the simulated one both use it.
 */
export const LINK_CONNECT_TIMEOUT_MS = 5_000;

/**
 * How a link connected: directly between host addresses, through NAT mappings (server- or
 * peer-reflexive), or through a TURN relay (which costs the relay's bandwidth).
 */
export type LinkKind = 'host' | 'srflx' | 'relay';

/**
 * Links to peers. A link is bidirectional, ordered and reliable while it is up, and bound to the
 * remote peer's identity. connect() is asynchronous: it ends in onLinkUp or in
 * onLinkDown(peer, 'connect-failed'). If both sides connect at once they end with one link.
 */
export interface Net {
  readonly self: PeerId;
  setHandler(handler: NetHandler): void;
  connect(peer: PeerId): void;
  disconnect(peer: PeerId): void;
  /**
   * Queue a frame on an open link; false when there is no open link to that peer. `value` is the
   * value the frame encodes (optional): a Net that stays inside one process (the simulator) may
   * hand it to the receiver with the bytes; a real Net sends the bytes only.
   */
  send(peer: PeerId, frame: Uint8Array, value?: unknown): boolean;
  isLinked(peer: PeerId): boolean;
  links(): PeerId[];
  /** How the link to peer connected, when the Net knows (undefined: no link, or not known yet). */
  linkKind?(peer: PeerId): LinkKind | undefined;
  close(): void;
}

/** Everything protocol code may touch. */
export interface Env {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly net: Net;
  readonly store: Store;
}
