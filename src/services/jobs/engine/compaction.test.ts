// Proves journal compaction: a journal snapshots its state and drops the entries before the snapshot only once every replica holds them; a state restored from a snapshot plus the tail is the state the entries built; a bad snapshot is refused; and a keeper crashed right after compacting is replaced by a successor that resumes from snapshot and tail, brings a replica that has nothing up to date with the snapshot, and still refuses a second commit and a stale attempt's answer.
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../../core/codec.js';
import type { PeerId } from '../../../core/id.js';
import { ManualClock } from '../../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../../sim/oracle-ring.js';
import { Journal } from './journal.js';
import { jobKey } from './keys.js';
import type { Entry } from './schemas.js';
import { JobsService } from './service.js';
import { decodeSnapshot } from './snapshot.js';
import type { JobState } from './state.js';

const COMPACT = 16;
const W = 'a'.repeat(40) as PeerId;

/** Everything a state says about the job, in comparable form. */
function project(s: JobState) {
  return {
    seq: s.seq, user: s.user, spec: s.spec, inputs: s.inputs, inputsEnded: s.inputsEnded, phaseDone: s.phaseDone, ended: s.ended,
    keepers: s.keepers, retries: s.retries, commits: s.commits, errors: s.errors, running: s.running, ready: s.readyRuns(),
    tables: s.phases.map((t) => ({ counts: t.counts, ...t.toArrays() })),
  };
}

/** A job of 40 inputs: 30 tasks committed, one failed once and out again, the rest out. */
function history(): Entry[] {
  const paths = Array.from({ length: 40 }, (_, i) => `/ann/in/${i}`);
  const out: Entry[] = [{ t: 'created', user: 'ann', job: { phases: [{ type: 'map', exec: 'wc -l' }, { type: 'reduce', exec: 'sort', count: 2 }] } }];
  for (let f = 0; f < 40; f += 16) out.push({ t: 'inputs', first: f, paths: paths.slice(f, f + 16) });
  out.push({ t: 'inputs-end' });
  for (let i = 0; i < 40; i++) out.push({ t: 'assigned', phase: 0, index: i, attempt: 1, worker: W, speculative: false });
  for (let i = 0; i < 30; i++) out.push({ t: 'committed', phase: 0, index: i, attempt: 1, bytes: 4 });
  out.push({ t: 'failed', phase: 0, index: 31, attempt: 1, kind: 'timeout', final: false, exitCode: 124, message: 'late', stderr: '' });
  out.push({ t: 'assigned', phase: 0, index: 31, attempt: 2, worker: W, speculative: false });
  return out;
}

async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    clock.advance(5);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('journal compaction', () => {
  it('keeps its entries until every replica holds them, and a snapshot plus its tail is the state the entries built', () => {
    const all = history();
    const j = new Journal('j', COMPACT);
    for (const e of all) expect(j.append(e)).toBeNull();
    // A snapshot is taken, but no replica is known to hold anything yet: every entry is kept.
    expect(j.first).toBe(0);
    expect(j.entries).toHaveLength(all.length);
    j.setActed(j.seq);
    expect(j.first).toBeGreaterThan(0);
    expect(j.entries).toEqual(all.slice(j.first));
    const restored = Journal.fromSnapshot('j', j.base.seq, j.base.bytes!);
    if (typeof restored === 'string') throw new Error(restored);
    for (const e of j.entries) expect(restored.append(e)).toBeNull();
    expect(project(restored.state)).toEqual(project(j.state));
    const cut = j.truncated(j.seq - 3)!;
    const replayed = new Journal('j');
    for (const e of all.slice(0, j.seq - 3)) replayed.append(e);
    expect(project(cut.state)).toEqual(project(replayed.state));
    expect(j.truncated(j.first - 1)).toBeUndefined();
  });

  it('refuses a snapshot that is not one: garbage, a status out of range, a sequence number it does not hold', () => {
    const j = new Journal('j', COMPACT);
    for (const e of history()) j.append(e);
    j.setActed(j.seq);
    expect(decodeSnapshot(new Uint8Array([0xc1, 1, 2]))).toMatch(/snapshot/);
    // A copy: decoded byte arrays are views of the bytes they came from.
    const value = decodeValue(new Uint8Array(j.base.bytes!), 1 << 30);
    if (!value.ok) throw value.error;
    const snap = value.value as { tables: Array<{ status: Uint8Array }> };
    snap.tables[0]!.status[0] = 9;
    const bad = encodeValue(snap, 1 << 30);
    if (!bad.ok) throw bad.error;
    expect(decodeSnapshot(bad.value)).toMatch(/out of range/);
    expect(Journal.fromSnapshot('j', j.base.seq + 1, j.base.bytes!)).toMatch(/sent as entry/);
  });

  it('a keeper crashed right after compacting: its successor resumes from snapshot and tail, a new replica gets the snapshot, late answers stay refused', async () => {
    const clock = new ManualClock();
    const net = new OracleNetwork(5, 1000);
    const peers = new Map<PeerId, JobsService>();
    for (let i = 1; i <= 6; i++) {
      const ring = new OracleRing(net, i.toString(16).repeat(40) as PeerId, clock);
      net.add(ring);
      const jobs = new JobsService({ ring, clock, rpcTimeoutMs: 200, compactEntries: COMPACT });
      jobs.start();
      peers.set(ring.self, jobs);
    }
    const keeperRing = net.ownerOf(jobKey('j5'))!;
    const keeper = peers.get(keeperRing.self)!;
    const [s1, s2, s3] = keeperRing.successors().map((p) => peers.get(p)!);
    const [created, ...rest] = history();
    const made = keeper.keeper.create('j5', 'ann', (created as Extract<Entry, { t: 'created' }>).job);
    await run(clock, 50);
    const journal = await made;
    for (const batch of [rest.slice(0, 30), rest.slice(30), [{ t: 'committed', phase: 0, index: 30, attempt: 1, bytes: 4 } as Entry]]) {
      const appended = keeper.keeper.append(journal, batch);
      await run(clock, 50);
      expect(await appended).toEqual({ ok: true });
    }
    expect(journal.first).toBeGreaterThan(0);
    expect(s1!.replicas.journals.get('j5')!.first).toBeGreaterThan(0);
    expect(s3!.replicas.journals.has('j5')).toBe(false);

    net.crash(keeperRing.self, (d, fn) => clock.setTimer(d, fn));
    await run(clock, 1500);
    const next = s1!.keeper.kept.get('j5')!;
    expect(next.state.keepers).toBe(1);
    expect(next.first).toBeGreaterThan(0);
    // The new keeper's second replica had nothing: it received the snapshot, then the tail.
    expect(s3!.stats.snapshotsReceived).toBe(1);
    expect(s1!.stats.snapshotsSent).toBe(1);
    expect(project(s3!.replicas.journals.get('j5')!.state)).toEqual(project(next.state));
    expect(project(s2!.replicas.journals.get('j5')!.state)).toEqual(project(next.state));
    expect(await s1!.keeper.append(next, [{ t: 'committed', phase: 0, index: 5, attempt: 1, bytes: 4 }])).toEqual({ ok: false, refused: 'duplicate' });
    expect(await s1!.keeper.append(next, [{ t: 'committed', phase: 0, index: 31, attempt: 1, bytes: 4 }])).toEqual({ ok: false, refused: 'stale' });
    const late = s1!.keeper.append(next, [{ t: 'committed', phase: 0, index: 31, attempt: 2, bytes: 4 }]);
    await run(clock, 50);
    expect(await late).toEqual({ ok: true });
    expect(next.state.running.get(32)).toEqual(new Map([[1, W]]));
    expect(next.state.commits).toBe(next.state.phases[0]!.counts.done);
  });
});
