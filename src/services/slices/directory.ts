// The slice directory: the owner of DIRECTORY_KEY_NAME's key keeps every slice's record and, every
// REPAIR_PERIOD_MS, repairs each slice: it probes every member (which renews its lease and hands
// it a few random members to build the slice's ring from, ring.ts), drops those that do not
// answer or left, releases members past the slice's size and fills what is missing from the free
// pool: peers of its gossip sample and ring neighbours that are in no slice and meet the
// selection. Members are kept in id order, which is the ring the members build among themselves;
// the record also keeps the successor each member reported. One keeper for every slice makes slices
// disjoint by construction (it never asks a member of one slice to join another) and `slice ls`
// one answer; its successors hold copies of the records and the next owner of the key takes over.
import { CumulusError } from '../../core/errors.js';
import type { PeerId } from '../../core/id.js';
import type { Rng } from '../../env/ports.js';
import type { AttributeName } from '../../gossip/attributes.js';
import { MAX_JOIN_ASKS_PER_PASS, MAX_POOL_PEERS, MAX_PROBES_IN_FLIGHT, MAX_SLICE_SIZE, MAX_SLICES, RING_SEEDS } from './constants.js';
import type { CreateBody, MemberBody, SliceRecord, SliceSummary } from './messages.js';

/** What the directory needs of the peer it runs on. */
export interface DirectoryDeps {
  self: PeerId;
  rng: Rng;
  /** The attribute a selection ranks by when the request names none: the cloud's slicing attribute. */
  sliceBy: AttributeName;
  /**
   * Ask a peer to join or stay in a slice: whether it agreed (false when it did not answer), peers
   * of its sample and its successor on the slice's ring. Never rejects.
   */
  member: (peer: PeerId, body: MemberBody) => Promise<{ ok: boolean; peers: readonly PeerId[]; succ?: PeerId }>;
  /** Tell a peer it is out of a slice (one-way). */
  release: (peer: PeerId, name: string) => void;
  /** Peers to draw new members from: the gossip sample and ring neighbours. */
  candidates: () => PeerId[];
  /** Copy a record (null: its removal) to the keeper's successors. */
  replicate: (name: string, record: SliceRecord | null) => void;
}

export class SliceDirectory {
  readonly records = new Map<string, SliceRecord>();
  /** One pass at a time: requests that change a slice wait for the pass in flight. */
  private chain: Promise<void> = Promise.resolve();
  /** Candidates members and candidates named in their answers, newest first (MAX_POOL_PEERS). */
  private pool: PeerId[] = [];
  private passing = false;
  /** The successor each member of a slice last reported (for the records' `ring`); members only. */
  private succs = new Map<PeerId, PeerId>();

  constructor(private readonly deps: DirectoryDeps) {}

  /** The slices of one owner. */
  list(owner: string): SliceSummary[] {
    return [...this.records.values()].filter((r) => r.owner === owner).map((r) => ({ name: r.name, size: r.size, top: r.top, by: r.by, members: r.members.length }));
  }

  /** One slice of an owner: another owner's slice of that name is not found, like a missing one. */
  show(name: string, owner: string): SliceRecord {
    const r = this.records.get(name);
    if (!r || r.owner !== owner) throw new CumulusError('NOT_FOUND', `no slice named ${name}`);
    return r;
  }

  /** Allocate a slice and fill it as far as the free pool allows now; later passes fill the rest. */
  create(req: CreateBody): Promise<SliceRecord> {
    return this.serial(async () => {
      if (this.records.has(req.name)) throw new CumulusError('ALREADY_EXISTS', `a slice named ${req.name} exists`);
      if (this.records.size >= MAX_SLICES) throw new CumulusError('REFUSED', `the cloud holds ${MAX_SLICES} slices already`);
      const record: SliceRecord = { name: req.name, owner: req.owner, size: req.size, top: req.top ?? 1, by: req.by ?? this.deps.sliceBy, members: [], ring: [], repairs: 0 };
      this.records.set(req.name, record);
      await this.repair(record, false);
      return record;
    });
  }

  /** Grow (delta > 0) or shrink a slice by delta peers, and repair it to its new size at once. */
  resize(name: string, owner: string, delta: number): Promise<SliceRecord> {
    return this.serial(async () => {
      const r = this.show(name, owner);
      const size = r.size + delta;
      if (size < 1 || size > MAX_SLICE_SIZE) throw new CumulusError('INVALID_ARGUMENT', `a slice holds 1 to ${MAX_SLICE_SIZE} peers; ${name} would hold ${size}`);
      r.size = size;
      await this.repair(r, false);
      return r;
    });
  }

  remove(name: string, owner: string): Promise<void> {
    return this.serial(async () => {
      const r = this.show(name, owner);
      this.records.delete(name);
      for (const m of r.members) this.deps.release(m, name);
      this.deps.replicate(name, null);
    });
  }

  /** Take over records a former keeper copied to us (we own the key now). */
  adopt(records: Iterable<SliceRecord>): void {
    for (const r of records) if (!this.records.has(r.name) && this.records.size < MAX_SLICES) this.records.set(r.name, r);
  }

  /** Repair every slice (the periodic pass); a pass still running when the next is due makes it skip. */
  repairAll(): Promise<void> {
    if (this.passing) return Promise.resolve();
    this.passing = true;
    return this.serial(async () => {
      for (const r of [...this.records.values()]) if (this.records.get(r.name) === r) await this.repair(r, true);
    }).finally(() => (this.passing = false));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  /** One slice's repair: probe, drop the lost, release the extra, fill from the free pool, replicate. */
  private async repair(r: SliceRecord, probe: boolean): Promise<void> {
    const before = r.members.join() + r.ring.join();
    const lost = probe ? await this.probe(r) : 0;
    while (r.members.length > r.size) {
      const out = r.members.pop()!;
      this.deps.release(out, r.name);
    }
    const added = r.members.length < r.size ? await this.fill(r) : 0;
    r.repairs += Math.min(lost, added);
    // New members: seed every member with the present ones at once rather than at the next pass.
    if (added > 0) await this.probe(r);
    if (this.records.get(r.name) !== r) return;
    this.forgetOthers();
    r.ring = r.members.map((m) => this.succs.get(m) ?? m);
    if (r.members.join() + r.ring.join() !== before) this.deps.replicate(r.name, r);
  }

  /** Keep the reported successors of present members only, so the map stays bounded by the records. */
  private forgetOthers(): void {
    const present = new Set([...this.records.values()].flatMap((s) => s.members));
    for (const m of this.succs.keys()) if (!present.has(m)) this.succs.delete(m);
  }

  /** Probe every member with its place on the ring; drop those that fail. Returns how many were dropped. */
  private async probe(r: SliceRecord): Promise<number> {
    const members = r.members;
    const alive: PeerId[] = [];
    for (let i = 0; i < members.length; i += MAX_PROBES_IN_FLIGHT) {
      const batch = members.slice(i, i + MAX_PROBES_IN_FLIGHT);
      const answers = await Promise.all(batch.map((m) => this.ask(m, this.bodyFor(r, members, m, false))));
      batch.forEach((m, j) => answers[j] && alive.push(m));
    }
    const dropped = members.length - alive.length;
    if (this.records.get(r.name) === r) r.members = alive;
    return dropped;
  }

  /**
   * Ask free candidates to join until the slice is full or the asks of this pass are spent, as
   * many at once as the slice lacks (at most MAX_PROBES_IN_FLIGHT); one that agrees past the size
   * is released again.
   */
  private async fill(r: SliceRecord): Promise<number> {
    const taken = new Set<PeerId>([...this.records.values()].flatMap((s) => s.members));
    const pool = shuffle(this.deps.rng, [...new Set([...this.deps.candidates(), ...this.pool])].filter((p) => !taken.has(p)));
    // A selection of the top fraction `top` turns away the others: ask 1/top times as many.
    const asks = Math.min(MAX_JOIN_ASKS_PER_PASS, Math.ceil((2 * (r.size - r.members.length)) / r.top), pool.length);
    let added = 0;
    for (let next = 0; next < asks && r.members.length < r.size; ) {
      const batch = pool.slice(next, Math.min(asks, next + r.size - r.members.length, next + MAX_PROBES_IN_FLIGHT));
      next += batch.length;
      const ring = sortIds([...r.members, ...batch]);
      const ok = await Promise.all(batch.map((p) => this.ask(p, this.bodyFor(r, ring, p, true))));
      if (this.records.get(r.name) !== r) return added;
      const joined = batch.filter((_, i) => ok[i]);
      const room = r.size - r.members.length;
      for (const p of joined.slice(room)) this.deps.release(p, r.name);
      r.members = sortIds([...r.members, ...joined.slice(0, room)]);
      added += Math.min(room, joined.length);
    }
    return added;
  }

  /** Ask a peer; remember the peers it names, forget it as a candidate when it does not answer yes. */
  private async ask(peer: PeerId, body: MemberBody): Promise<boolean> {
    const a = await this.deps.member(peer, body);
    const fresh = a.peers.filter((p) => p !== this.deps.self);
    const known = new Set(fresh);
    this.pool = [...fresh, ...this.pool.filter((p) => p !== peer && !known.has(p))].slice(0, MAX_POOL_PEERS);
    if (a.ok && a.succ !== undefined) this.succs.set(peer, a.succ);
    return a.ok;
  }

  /** A join or probe, with RING_SEEDS random other members of the slice for the peer's ring view. */
  private bodyFor(r: SliceRecord, members: readonly PeerId[], peer: PeerId, join: boolean): MemberBody {
    const others = members.filter((m) => m !== peer);
    for (let i = 0; i < Math.min(RING_SEEDS, others.length); i++) {
      const j = i + this.deps.rng.int(others.length - i);
      [others[i], others[j]] = [others[j]!, others[i]!];
    }
    return { name: r.name, top: r.top, by: r.by, seeds: others.slice(0, RING_SEEDS), join };
  }
}

function sortIds(ids: PeerId[]): PeerId[] {
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
