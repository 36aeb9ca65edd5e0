// What the parts of one ring share. ChordRing (ring.ts) builds one RingContext: the ring's id,
// configuration, Env, state and counters, and how it sends. Each part (maintenance.ts,
// neighbours.ts, stabilize.ts, fingers/, join.ts, roles.ts, lost.ts, relocate.ts and each file of
// handlers/) names in its constructor or signature the slice of the context it may touch (a Pick
// of RingContext) and the methods of other parts it calls (a Pick of each), the way js-libp2p's
// kad-dht builds each part from injected components; parts.ts wires the parts together.
import type { Envelope } from '../core/envelope.js';
import type { Id, PeerId } from '../core/id.js';
import type { Clock, Rng } from '../env/ports.js';
import type { ExpiringSet } from './bounded.js';
import type { RingConfig } from './config.js';
import type { Emitter } from './emitter.js';
import type { Mux } from './mux.js';
import type { RingPortEvents, RingRequestOptions } from './port.js';
import type { ReplyCallback } from './requests.js';
import type { RingState } from './state.js';
import type { RingStats } from './stats.js';

export type Status = 'idle' | 'joining' | 'joined' | 'stopped';

/** The port's events, and two that only the owner of the ring needs. */
export interface RingEvents extends RingPortEvents, Record<string, unknown> {
  joined: { atMs: number };
  /** join() gave up on its bootstrap (the promise rejects too, but only once microtasks run). */
  'join-failed': { bootstrap: PeerId };
}

export interface CallOptions extends RingRequestOptions {
  /** For a key: never take this peer as the first greedy hop (see relocate.ts). */
  exclude?: PeerId;
}

/**
 * The mux as a ring's parts see it: the links and the link budget (hasRoom, maxLinks), which it
 * shares between the rings of a peer. Frames go through the ring's own send functions below.
 */
export type MuxView = Pick<Mux, 'isLinked' | 'isConnecting' | 'connect' | 'disconnect' | 'links' | 'hasRoom' | 'maxLinks' | 'isIdle' | 'linkAgeMs' | 'setReleasing'>;

export interface RingContext {
  readonly self: PeerId;
  readonly config: RingConfig;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly stats: RingStats;
  readonly events: Emitter<RingEvents>;
  readonly state: RingState;
  /** Peers that closed our link or turned our finger down lately, and until when we leave them alone. */
  readonly refused: ExpiringSet<PeerId>;
  readonly mux: MuxView;
  readonly status: Status;
  setStatus(status: Status): void;
  /** In its place: a member whose successor has confirmed it (the 'joined' event). */
  isJoined(): boolean;
  /** Deliver to a given peer: directly when linked, else routed toward its id. */
  send(peer: PeerId, svc: string, op: string, body: unknown): boolean;
  /** Send over the link to peer only (link-local messages such as 'use'); never routed. */
  sendLinked(peer: PeerId, svc: string, op: string, body: unknown): boolean;
  /** Answer a request envelope. */
  reply(to: Envelope, body: unknown): boolean;
  /** Pass a request on to another peer as is (same source and id), with a new body. */
  relay(env: Envelope, peer: PeerId, body: unknown): boolean;
  /** A request whose outcome is a callback, run inside the Env event that settles it. */
  call(target: Id | { peer: PeerId }, svc: string, op: string, body: unknown, opts: CallOptions, done: ReplyCallback): void;
}
