// What the parts of one ring share, and the one object per ring that holds it. RingContext is the
// ring's id, configuration, Env, state and counters, and how it sends; RingParts (parts.ts) are
// its parts. Each part (maintenance.ts, neighbours.ts, stabilize.ts, fingers/, join.ts, roles.ts,
// lost.ts, meet.ts, relocate.ts and each file of handlers/) names in its constructor or signature exactly
// what it may touch: a Pick of RingContext and a Pick of each other part it calls, the way
// js-libp2p's kad-dht builds each part from injected components. ChordRing (ring.ts) makes one
// RingCore, which is both, and parts.ts fills in the parts. One class for every ring keeps every
// call a part makes on it monomorphic, and no closures per ring: a simulation holds 100,000.
import type { Envelope, KeyEnvelope, RingName } from '../core/envelope.js';
import { PeerGoneError } from '../core/errors.js';
import type { Id, PeerId } from '../core/id.js';
import type { Clock, LinkDownReason, Rng } from '../env/ports.js';
import type { ExpiringSet, SeenMessages } from './bounded.js';
import type { RingConfig } from './config.js';
import type { Emitter } from './emitter.js';
import type { FingerAnswers, Fingers } from './fingers/index.js';
import { dispatchChord } from './handlers/index.js';
import type { Join } from './join.js';
import type { LostPeers } from './lost.js';
import { linkFailed, type Maintenance } from './maintenance.js';
import type { Meetings } from './meet.js';
import { Messenger } from './messenger.js';
import type { Mux, MuxClient } from './mux.js';
import type { Neighbours } from './neighbours.js';
import type { RingParts } from './parts.js';
import type { RingPortEvents, RingRequestOptions } from './port.js';
import type { Relocator } from './relocate.js';
import type { Attachment } from './attach.js';
import type { ReplyCallback, Requests } from './requests.js';
import type { LinkRoles } from './roles.js';
import type { Stabilizer } from './stabilize.js';
import type { RingState } from './state.js';
import type { RingStats } from './stats.js';

export type Status = 'idle' | 'joining' | 'joined' | 'stopped';

/** The port's events, and those that only the owner of the ring needs. */
export interface RingEvents extends RingPortEvents, Record<string, unknown> {
  joined: { atMs: number };
  /** join() gave up on its bootstrap (the promise rejects too, but only once microtasks run). */
  'join-failed': { bootstrap: PeerId };
  /**
   * A peer we met (meet.ts) stands on another ring: `peers` are peers of that ring we are about to
   * link to, reached through `via` until the rings have merged (the host's signaling needs it).
   */
  met: { via: PeerId; peers: PeerId[] };
  /** A link to peer came up (whatever the ring's state): the host may tell that peer about itself. */
  'link-up': { peer: PeerId };
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

export interface RingCoreOptions {
  self: PeerId;
  ring: RingName;
  config: RingConfig;
  clock: Clock;
  rng: Rng;
  stats: RingStats;
  events: Emitter<RingEvents>;
  state: RingState;
  mux: Mux;
  requests: Requests;
  seen: SeenMessages;
  refused: ExpiringSet<PeerId>;
}

/** A ring's context and its parts in one object; the mux's client for this ring too. */
export class RingCore extends Messenger implements RingContext, RingParts, MuxClient {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: Emitter<RingEvents>;
  readonly refused: ExpiringSet<PeerId>;
  readonly mux: MuxView;
  // The parts, set once by assembleParts (parts.ts) before the ring is used.
  maintenance!: Maintenance;
  neighbours!: Neighbours;
  stabilizer!: Stabilizer;
  fingers!: Fingers;
  fingerAnswers!: FingerAnswers;
  roles!: LinkRoles;
  join!: Join;
  lost!: LostPeers;
  meetings!: Meetings;
  relocator!: Relocator;
  attachment!: Attachment;

  constructor(o: RingCoreOptions) {
    super(o.self, o.ring, o.config, o.stats, o.state, o.mux, o.requests, o.seen);
    this.clock = o.clock;
    this.rng = o.rng;
    this.events = o.events;
    this.refused = o.refused;
    this.mux = o.mux;
  }

  setStatus(status: Status): void {
    this.status = status;
  }

  isJoined(): boolean {
    return this.status === 'joined' && this.neighbours.inPlace;
  }

  protected chord(env: Envelope): void {
    dispatchChord(this, env);
  }

  protected fingerInPassing(env: KeyEnvelope): boolean {
    return this.fingerAnswers.inPassing(env);
  }

  // ---- MuxClient -----------------------------------------------------------------------------

  onLinkUp(peer: PeerId): void {
    if (this.status === 'stopped') return;
    this.maintenance.linkUp(peer);
    this.events.emit('link-up', { peer });
  }

  onLinkDown(peer: PeerId, reason: LinkDownReason): void {
    if (this.status === 'stopped') return;
    this.maintenance.linkDown(peer, reason);
    // Requests to that peer alone (stabilize, pings) fail now rather than at their timeout: a
    // stabilize round waiting on a dead successor holds up the round with the next one. After a
    // deliberate close the peer is alive and its answer may still come, routed.
    if (linkFailed(reason)) this.requests.failPeer(peer, new PeerGoneError(peer));
  }

  linkValue(peer: PeerId): number {
    return this.status === 'stopped' ? 0 : this.roles.value(peer);
  }

  pendingLinks(): number {
    return this.status === 'joined' ? this.maintenance.pendingLinks() : 0;
  }
}
