// The slices service of one peer: its own membership (member.ts), the slice directory when this
// peer owns the directory's key (directory.ts), copies of the directory's records when it is one
// of the keeper's successors, and the client calls (create, resize, remove, list, show) that any
// peer makes by routing a request to the directory's key. Every body is checked against its
// schema before it is read; a bad request is answered with an error reply, a bad one-way message
// is counted and dropped, and no handler throws.
import type { Static, TSchema } from '@sinclair/typebox';
import { check } from '../../core/codec.js';
import type { Envelope } from '../../core/envelope.js';
import { CumulusError, errorCode, isErrorCode, TRANSIENT_RING_CODES, type ErrorCode } from '../../core/errors.js';
import { hashNameToId, type Id, type PeerId } from '../../core/id.js';
import type { Clock, Rng, TimerHandle } from '../../env/ports.js';
import type { AttributeName } from '../../gossip/attributes.js';
import type { GossipService } from '../../gossip/service.js';
import type { RingPort } from '../../overlay/port.js';
import { DIRECTORY_KEY_NAME, MAX_SLICES, REPAIR_PERIOD_MS, REPLICA_SUCCESSORS, RING_PERIOD_MS, RING_SIDE, RPC_TIMEOUT_MS, SLICES_SVC } from './constants.js';
import { SliceDirectory } from './directory.js';
import { SliceMember, type Membership } from './member.js';
import type { SliceRing } from './ring.js';
import {
  CreateBody, DoneReply, ListReply, MemberBody, MemberReply, NameBody, OwnedBody, OwnerBody, RecordReply, ReplicaBody, ResizeBody, RingBody, RingReply,
  type SliceRecord, type SliceSummary,
} from './messages.js';

export interface SliceServiceOptions {
  ring: RingPort;
  clock: Clock;
  rng: Rng;
  gossip: GossipService;
  /** The attribute this cloud's gossip ranks peers by (the only one `--top` can select on). */
  sliceBy: AttributeName;
}

export interface SliceCounters {
  /** Requests and messages refused at the schema check (or of an unknown operation). */
  refused: number;
  /** Repair passes this peer ran as the directory's keeper. */
  passes: number;
  /** Ring exchanges this peer started as a member, and those its partner did not answer or refused. */
  ringExchanges: number;
  ringFailures: number;
}

const DIRECTORY_KEY: Id = hashNameToId(DIRECTORY_KEY_NAME);
/** Tries of a client call to the keeper (create, remove, list, show). */
const CALL_TRIES = 3;
/** What a peer that did not answer (or answered nonsense) counts as. */
const NO_ANSWER: MemberReply = { ok: false, peers: [] };

export class SliceService {
  readonly counters: SliceCounters = { refused: 0, passes: 0, ringExchanges: 0, ringFailures: 0 };
  readonly member: SliceMember;
  readonly directory: SliceDirectory;
  /** Records the keeper copied to us, to take over with when the key becomes ours. */
  private readonly replicas = new Map<string, SliceRecord>();
  private unsubscribe: (() => void) | null = null;
  private timer: TimerHandle | null = null;
  private ringTimer: TimerHandle | null = null;

  constructor(private readonly opts: SliceServiceOptions) {
    const { ring, gossip } = opts;
    this.member = new SliceMember(ring.self, opts.clock, opts.sliceBy, () => gossip.estimates(), () => gossip.sampling.view.peers());
    this.directory = new SliceDirectory({
      self: ring.self,
      rng: opts.rng.fork('directory'),
      sliceBy: opts.sliceBy,
      member: (peer, body) => this.askMember(peer, body),
      release: (peer, name) => (peer === ring.self ? this.member.leave(name) : void ring.send(peer, SLICES_SVC, 'leave', { name })),
      candidates: () => [ring.self, ...gossip.sampling.view.peers(), ...ring.successors()],
      replicate: (name, record) => {
        for (const p of [...new Set(ring.successors())].filter((q) => q !== ring.self).slice(0, REPLICA_SUCCESSORS)) {
          ring.send(p, SLICES_SVC, 'replica', { name, record });
        }
      },
    });
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.opts.ring.onService(SLICES_SVC, (env) => this.receive(env));
    this.timer = this.opts.clock.setTimer(REPAIR_PERIOD_MS, () => this.tick());
    // A random phase spreads the members' ring exchanges over the period.
    this.ringTimer = this.opts.clock.setTimer(this.opts.rng.int(RING_PERIOD_MS), () => this.ringTick());
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const t of [this.timer, this.ringTimer]) if (t !== null) this.opts.clock.cancel(t);
    this.timer = this.ringTimer = null;
  }

  /** This peer's slice, with its neighbours on the slice's ring, or null. */
  membership(): Membership | null {
    return this.member.membership();
  }

  // The client calls: any peer routes them to the directory's keeper. A call whose request or
  // answer was lost, or that met the key between two keepers (one crashed, or a joiner took the
  // key), is sent again, up to CALL_TRIES in all; a resize is not (its delta would apply twice).
  async create(body: CreateBody): Promise<SliceRecord> {
    return this.retried(
      async () => (await this.call('create', body, RecordReply)).slice,
      // A later try that finds the slice there: the earlier one created it and its answer was lost.
      { ALREADY_EXISTS: () => this.show(body.name, body.owner) },
    );
  }
  async resize(name: string, owner: string, delta: number): Promise<SliceRecord> {
    return (await this.call('resize', { name, owner, delta }, RecordReply)).slice;
  }
  async remove(name: string, owner: string): Promise<void> {
    await this.retried(async () => void (await this.call('remove', { name, owner }, DoneReply)), { NOT_FOUND: async () => undefined });
  }
  async list(owner: string): Promise<SliceSummary[]> {
    return this.retried(async () => (await this.call('list', { owner }, ListReply)).slices);
  }
  async show(name: string, owner: string): Promise<SliceRecord> {
    return this.retried(async () => (await this.call('show', { name, owner }, RecordReply)).slice);
  }

  /** Run a call, again after a transient failure; `onRetry` answers codes a later try may meet because an earlier one went through. */
  private async retried<R>(fn: () => Promise<R>, onRetry: Partial<Record<ErrorCode, () => Promise<R>>> = {}): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const code = errorCode(e);
        const after = attempt > 1 && code !== undefined ? onRetry[code] : undefined;
        if (after) return after();
        if (attempt >= CALL_TRIES || !TRANSIENT_RING_CODES.has(code)) throw e;
      }
    }
  }

  private async call<T extends TSchema>(op: string, body: unknown, schema: T): Promise<Exclude<Static<T>, { type: 'error' }>> {
    // A create may ask every candidate of a pass in turn: allow for a probe pass and the asks.
    const env = await this.opts.ring.request(DIRECTORY_KEY, SLICES_SVC, op, body, { timeoutMs: 12 * RPC_TIMEOUT_MS });
    const reply = check(schema, env.body, `slices ${op} reply`);
    if (!reply.ok) throw reply.error;
    const value = reply.value as { type: string; code?: string; message?: string };
    if (value.type === 'error') throw new CumulusError(isErrorCode(value.code) ? value.code : 'INTERNAL', value.message ?? 'slices error');
    return value as Exclude<Static<T>, { type: 'error' }>;
  }

  private tick(): void {
    this.timer = this.opts.clock.setTimer(REPAIR_PERIOD_MS, () => this.tick());
    if (!this.opts.ring.owns(DIRECTORY_KEY)) {
      // Not (or no longer) the keeper: hand what we kept to the key's owner, as copies.
      for (const r of this.directory.records.values()) void this.opts.ring.request(DIRECTORY_KEY, SLICES_SVC, 'replica', { name: r.name, record: r }).catch(() => undefined);
      this.directory.records.clear();
      return;
    }
    this.directory.adopt(this.replicas.values());
    this.replicas.clear();
    this.counters.passes++;
    void this.directory.repairAll();
  }

  /** A member's ring exchange with its nearest successor or predecessor (ring.ts). */
  private ringTick(): void {
    this.ringTimer = this.opts.clock.setTimer(RING_PERIOD_MS, () => this.ringTick());
    const mine = this.member.ring();
    if (!mine) return;
    mine.ring.age();
    this.exchange(mine.name, mine.ring, mine.ring.partner(), RING_SIDE);
  }

  /**
   * Exchange views with a partner. One that answers it is no member (released by a shrink) is
   * dropped and the next nearest on that side tried at once, up to `tries` in all; one that does
   * not answer is dropped and the next period tries another.
   */
  private exchange(name: string, ring: SliceRing, partner: PeerId | undefined, tries: number): void {
    if (!partner || tries <= 0) return;
    this.counters.ringExchanges++;
    const body: RingBody = { name, entries: ring.outgoing() };
    this.opts.ring.request({ peer: partner }, SLICES_SVC, 'ring', body, { timeoutMs: RING_PERIOD_MS }).then(
      (env) => {
        const r = check(RingReply, env.body, 'slices ring reply');
        if (r.ok && r.value.ok) return ring.merge(r.value.entries);
        this.counters.ringFailures++;
        ring.drop(partner);
        this.exchange(name, ring, ring.sameSide(), tries - 1);
      },
      () => {
        this.counters.ringFailures++;
        ring.drop(partner);
      },
    );
  }

  private async askMember(peer: PeerId, body: MemberBody): Promise<MemberReply> {
    if (peer === this.opts.ring.self) return this.member.onMember(peer, body);
    try {
      const env = await this.opts.ring.request({ peer }, SLICES_SVC, 'member', body, { timeoutMs: RPC_TIMEOUT_MS });
      const r = check(MemberReply, env.body, 'slices member reply');
      return r.ok ? r.value : NO_ANSWER;
    } catch {
      return NO_ANSWER;
    }
  }

  private receive(env: Envelope): void {
    switch (env.op) {
      case 'create': return this.answer(env, CreateBody, (b) => this.keeper(env, () => this.directory.create(b)));
      case 'resize': return this.answer(env, ResizeBody, (b) => this.keeper(env, () => this.directory.resize(b.name, b.owner, b.delta)));
      case 'remove': return this.answer(env, OwnedBody, (b) => this.keeper(env, async () => void (await this.directory.remove(b.name, b.owner))));
      case 'show': return this.answer(env, OwnedBody, (b) => this.keeper(env, async () => this.directory.show(b.name, b.owner)));
      case 'list': return this.answer(env, OwnerBody, (b) => this.keeper(env, async () => this.directory.list(b.owner)));
      case 'member': return this.answer(env, MemberBody, (b) => void this.opts.ring.reply(env, this.member.onMember(env.src, b)));
      case 'ring': return this.answer(env, RingBody, (b) => void this.opts.ring.reply(env, this.member.onRing(b)));
      case 'leave': return this.oneWay(env, NameBody, (b) => this.member.leave(b.name));
      case 'replica': return this.oneWay(env, ReplicaBody, (b) => this.onReplica(env, b));
      default:
        this.counters.refused++;
        if (env.re === undefined) this.opts.ring.reply(env, { type: 'error', code: 'INVALID_ARGUMENT', message: `unknown slices operation ${env.op.slice(0, 32)}` });
    }
  }

  private onReplica(env: Envelope, b: ReplicaBody): void {
    // A routed copy is answered so its sender's request settles; the keeper's own records win.
    if (env.to === 'key') this.opts.ring.reply(env, { type: 'done' });
    if (this.directory.records.has(b.name)) return;
    if (b.record === null) this.replicas.delete(b.name);
    else if (this.replicas.has(b.name) || this.replicas.size < MAX_SLICES) this.replicas.set(b.name, b.record);
  }

  /** Run a directory operation if we keep the directory, and answer with its result or its error. */
  private keeper(env: Envelope, fn: () => Promise<SliceRecord | SliceSummary[] | void>): void {
    if (!this.opts.ring.owns(DIRECTORY_KEY)) {
      this.opts.ring.reply(env, { type: 'error', code: 'NOT_OWNER', message: 'this peer does not keep the slice directory now: retry' });
      return;
    }
    this.directory.adopt(this.replicas.values());
    this.replicas.clear();
    fn().then(
      (v) => this.opts.ring.reply(env, v === undefined ? { type: 'done' } : Array.isArray(v) ? { type: 'slices', slices: v } : { type: 'slice', slice: v }),
      (e: unknown) => {
        const code = e instanceof CumulusError ? e.code : 'INTERNAL';
        this.opts.ring.reply(env, { type: 'error', code, message: e instanceof Error ? e.message : String(e) });
      },
    );
  }

  /** A request's body checked against its schema, or answered with the error and counted. */
  private answer<T extends TSchema>(env: Envelope, schema: T, fn: (b: Static<T>) => void): void {
    const b = check(schema, env.body, `slices ${env.op}`);
    if (b.ok) return fn(b.value);
    this.counters.refused++;
    this.opts.ring.reply(env, { type: 'error', code: b.error.code, message: b.error.message.slice(0, 1000) });
  }

  private oneWay<T extends TSchema>(env: Envelope, schema: T, fn: (b: Static<T>) => void): void {
    const b = check(schema, env.body, `slices ${env.op}`);
    if (b.ok) fn(b.value);
    else this.counters.refused++;
  }
}
