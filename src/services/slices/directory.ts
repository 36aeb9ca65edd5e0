// The slice directory: the owner of DIRECTORY_KEY_NAME's key keeps every slice's record and, every
// REPAIR_PERIOD_MS, repairs each slice: it probes every member (which renews its lease and hands
// it its nearest members on each side and a few random ones to build the slice's ring from,
// ring.ts), drops those that do not
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
import { pool } from '../../core/pool.js';
import { MAX_JOIN_ASKS_PER_PASS, MAX_POOL_PEERS, MAX_PROBES_IN_FLIGHT, MAX_SLICE_SIZE, MAX_SLICES, RING_NEIGHBOUR_SEEDS, RING_RANDOM_SEEDS, RING_SEEDS } from './constants.js';
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
  member: (peer: PeerId, body: MemberBody) => Promise<{ ok: boolean; reason?: string; peers: readonly PeerId[]; succ?: PeerId }>;
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
  /** A pass came due while one was running: it starts as soon as that one ends. */
  private due = false;
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
      await this.repairSlices([record]);
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
      await this.repairSlices([r]);
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

  /**
   * Repair every slice (the periodic pass): probe every member of every slice, then repair them all
   * together (repairSlices). A pass that comes due while one is running starts when that one ends,
   * so a slow pass (members or candidates that do not answer) delays the next rather than skipping it.
   */
  repairAll(): Promise<void> {
    if (this.passing) {
      this.due = true;
      return Promise.resolve();
    }
    this.passing = true;
    return this.serial(async () => {
      const records = [...this.records.values()];
      const failed = await this.probe(records.map((r) => ({ r, members: r.members })));
      await this.repairSlices(records.filter((r) => this.records.get(r.name) === r), failed);
    }).finally(() => {
      this.passing = false;
      if (this.due) {
        this.due = false;
        void this.repairAll();
      }
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  /**
   * Repair slices together: drop the members a probe found gone, release the extra, fill every
   * slice from the free pool through one window of asks, tell the new members' neighbours about
   * them, replicate what changed. Every step asks at most MAX_PROBES_IN_FLIGHT peers at once over
   * all the slices, so a peer that does not answer holds one slot for RPC_TIMEOUT_MS, not the pass.
   */
  private async repairSlices(records: readonly SliceRecord[], failed?: ReadonlySet<PeerId>): Promise<void> {
    const before = new Map(records.map((r) => [r, r.members.join() + r.ring.join()]));
    const lost = new Map(records.map((r) => [r, failed ? this.drop(r, failed) : 0]));
    await this.takeStrays(records);
    for (const r of records) {
      while (r.members.length > r.size) this.deps.release(r.members.pop()!, r.name);
    }
    const added = await this.fill(records.filter((r) => r.members.length < r.size));
    // New members: their neighbours hear of them now rather than at the next pass.
    const grown = records.filter((r) => (added.get(r)?.length ?? 0) > 0 && this.records.get(r.name) === r);
    const failedNow = await this.probe(grown.map((r) => ({ r, members: neighbourhood(r.members, new Set(added.get(r))) })));
    for (const r of grown) this.drop(r, failedNow);
    this.forgetOthers();
    for (const r of records) {
      if (this.records.get(r.name) !== r) continue;
      r.repairs += Math.min(lost.get(r) ?? 0, added.get(r)?.length ?? 0);
      r.ring = r.members.map((m) => this.succs.get(m) ?? m);
      if (r.members.join() + r.ring.join() !== before.get(r)) this.deps.replicate(r.name, r);
    }
  }

  /**
   * Members the slice's own ring knows and its record does not: successors members reported that
   * no record lists. A keeper that took over from a crashed one holds the last copy of its records,
   * which lacks whom the old keeper let join since; those peers hold the slice's lease and stand in
   * its ring. Each is asked to stay (join: false): one that holds this slice's lease is listed
   * again while the slice has room and released otherwise; others answer that they are no member.
   */
  private async takeStrays(records: readonly SliceRecord[]): Promise<void> {
    const listed = new Set<PeerId>([...this.records.values()].flatMap((s) => s.members));
    const strays = records.flatMap((r) => [...new Set(r.members.map((m) => this.succs.get(m)).filter((p): p is PeerId => p !== undefined && !listed.has(p) && p !== this.deps.self))].map((p) => ({ r, p })));
    await pool(strays, MAX_PROBES_IN_FLIGHT, async ({ r, p }) => {
      if (!(await this.ask(p, this.bodyFor(r, sortIds([...r.members, p]), p, false))) || this.records.get(r.name) !== r) return;
      if (r.members.length < r.size && !r.members.includes(p)) r.members = sortIds([...r.members, p]);
      else if (!r.members.includes(p)) this.deps.release(p, r.name);
    });
  }

  /** Drop the members in `failed` from a slice; how many went. */
  private drop(r: SliceRecord, failed: ReadonlySet<PeerId>): number {
    const alive = r.members.filter((m) => !failed.has(m));
    const lost = r.members.length - alive.length;
    r.members = alive;
    return lost;
  }

  /** Keep the reported successors of present members only, so the map stays bounded by the records. */
  private forgetOthers(): void {
    const present = new Set([...this.records.values()].flatMap((s) => s.members));
    for (const m of this.succs.keys()) if (!present.has(m)) this.succs.delete(m);
  }

  /**
   * Probe members of slices with their place on the ring (which renews their lease), at most
   * MAX_PROBES_IN_FLIGHT at once over all of them. Returns those that did not answer yes.
   */
  private async probe(groups: readonly { r: SliceRecord; members: readonly PeerId[] }[]): Promise<Set<PeerId>> {
    const failed = new Set<PeerId>();
    const asks = groups.flatMap(({ r, members }) => members.map((m) => ({ r, ring: r.members, m })));
    await pool(asks, MAX_PROBES_IN_FLIGHT, async ({ r, ring, m }) => {
      if (!(await this.ask(m, this.bodyFor(r, ring, m, false)))) failed.add(m);
    });
    return failed;
  }

  /**
   * Ask free candidates to join the slices that lack members, until each is full or its asks of
   * this pass are spent: at most MAX_PROBES_IN_FLIGHT asks at once over all slices, each candidate
   * asked for one slice only, and no slice asking more peers at once than it lacks (divided by its
   * top fraction, which turns the others away). One that agrees past the size is released again.
   * Returns the members each slice gained.
   */
  private async fill(records: readonly SliceRecord[]): Promise<Map<SliceRecord, PeerId[]>> {
    const added = new Map<SliceRecord, PeerId[]>(records.map((r) => [r, []]));
    if (records.length === 0) return added;
    const taken = new Set<PeerId>([...this.records.values()].flatMap((s) => s.members));
    const candidates = shuffle(this.deps.rng, [...new Set([...this.deps.candidates(), ...this.pool])].filter((p) => !taken.has(p)));
    const state = new Map(records.map((r) => [r, { asked: 0, inFlight: 0, budget: Math.min(MAX_JOIN_ASKS_PER_PASS, Math.ceil((2 * (r.size - r.members.length)) / r.top)) }]));
    const lacking = (r: SliceRecord): number => r.size - r.members.length;
    let next = 0;
    let turn = 0;
    /** The next slice (in turn) that may ask one more peer now, or undefined. */
    const pick = (): SliceRecord | undefined => {
      for (let i = 0; i < records.length; i++) {
        const r = records[(turn + i) % records.length]!;
        const st = state.get(r)!;
        if (this.records.get(r.name) === r && st.asked < st.budget && st.inFlight < Math.ceil(lacking(r) / r.top)) {
          turn = (turn + i + 1) % records.length;
          return r;
        }
      }
      return undefined;
    };
    const worker = async (): Promise<void> => {
      for (let r = pick(); r && next < candidates.length; r = pick()) {
        const peer = candidates[next++]!;
        const st = state.get(r)!;
        st.asked++;
        st.inFlight++;
        const ok = await this.ask(peer, this.bodyFor(r, sortIds([...r.members, peer]), peer, true));
        st.inFlight--;
        if (!ok) continue;
        if (this.records.get(r.name) !== r || lacking(r) <= 0) {
          this.deps.release(peer, r.name);
          continue;
        }
        r.members = sortIds([...r.members, peer]);
        added.get(r)!.push(peer);
      }
    };
    await Promise.all(Array.from({ length: MAX_PROBES_IN_FLIGHT }, worker));
    return added;
  }

  /**
   * Ask a peer; remember the peers it names, forget it as a candidate when it does not answer yes.
   * One that did not answer at all is told it is out: it may be alive and slow, in which case it
   * has taken the join or renewal and would otherwise stay in the slice's ring, unlisted, until its
   * lease ran out.
   */
  private async ask(peer: PeerId, body: MemberBody): Promise<boolean> {
    const a = await this.deps.member(peer, body);
    if (!a.ok && a.reason === undefined) this.deps.release(peer, body.name);
    const fresh = a.peers.filter((p) => p !== this.deps.self);
    const known = new Set(fresh);
    this.pool = [...fresh, ...this.pool.filter((p) => p !== peer && !known.has(p))].slice(0, MAX_POOL_PEERS);
    if (a.ok && a.succ !== undefined) this.succs.set(peer, a.succ);
    return a.ok;
  }

  /**
   * A join or probe: the peer's RING_NEIGHBOUR_SEEDS nearest members on each side in the id-ordered
   * `members` (its ring neighbours as the keeper sees them) and RING_RANDOM_SEEDS random others.
   */
  private bodyFor(r: SliceRecord, members: readonly PeerId[], peer: PeerId, join: boolean): MemberBody {
    const others = members.filter((m) => m !== peer);
    const n = others.length;
    const seeds = new Set<PeerId>();
    if (n > 0) {
      // The first member above the peer is its successor; the one before it, its predecessor.
      let k = others.findIndex((m) => m > peer);
      if (k < 0) k = 0;
      for (let d = 0; d < RING_NEIGHBOUR_SEEDS; d++) {
        seeds.add(others[(k + d) % n]!);
        seeds.add(others[(((k - 1 - d) % n) + n) % n]!);
      }
      for (let tries = 0; tries < 2 * RING_RANDOM_SEEDS && seeds.size < Math.min(RING_SEEDS, n); tries++) seeds.add(others[this.deps.rng.int(n)]!);
    }
    return { name: r.name, top: r.top, by: r.by, seeds: [...seeds].slice(0, RING_SEEDS), join };
  }
}

/** The members within RING_NEIGHBOUR_SEEDS places of any of `added` in the id-ordered list (those included). */
function neighbourhood(members: readonly PeerId[], added: ReadonlySet<PeerId>): PeerId[] {
  const n = members.length;
  const out = new Set<PeerId>();
  members.forEach((m, i) => {
    if (!added.has(m)) return;
    for (let d = -RING_NEIGHBOUR_SEEDS; d <= RING_NEIGHBOUR_SEEDS; d++) out.add(members[(((i + d) % n) + n) % n]!);
  });
  return [...out];
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
