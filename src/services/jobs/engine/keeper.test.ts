// Proves the jKeeper's journal is on its next two successors before the keeper acts, that when the keeper crashes its successor takes the job over from the journal, with every entry, and brings its own replicas up to date, and that a replica drops a dead keeper's tail that differs from the present keeper's journal.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../core/id.js';
import { ManualClock } from '../../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../../sim/oracle-ring.js';
import { jobKey } from './keys.js';
import { JobsService } from './service.js';

const DETECT_MS = 1000;

function cluster(n: number): { clock: ManualClock; net: OracleNetwork; peers: Map<PeerId, { ring: OracleRing; jobs: JobsService }> } {
  const clock = new ManualClock();
  const net = new OracleNetwork(5, DETECT_MS);
  const peers = new Map<PeerId, { ring: OracleRing; jobs: JobsService }>();
  for (let i = 1; i <= n; i++) {
    const id = (i.toString(16).repeat(40).slice(0, 40)) as PeerId;
    const ring = new OracleRing(net, id, clock);
    net.add(ring);
    const jobs = new JobsService({ ring, clock, rpcTimeoutMs: 200 });
    jobs.start();
    peers.set(id, { ring, jobs });
  }
  return { clock, net, peers };
}

/** Run the virtual clock in small steps, letting promises settle between them. */
async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    clock.advance(5);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('jKeeper', () => {
  it('replicates each entry to two successors, and a successor resumes the job when the keeper crashes', async () => {
    const { clock, net, peers } = cluster(6);
    const keeperRing = net.ownerOf(jobKey('j1'))!;
    const keeper = peers.get(keeperRing.self)!.jobs;
    const [s1, s2, s3] = keeperRing.successors().map((p) => peers.get(p)!);

    const created = keeper.keeper.create('j1', 'ann', { phases: [{ type: 'map', exec: 'wc -l' }] });
    await run(clock, 50);
    const journal = await created;
    expect(s1!.jobs.replicas.journals.get('j1')?.seq).toBe(1);
    expect(s2!.jobs.replicas.journals.get('j1')?.seq).toBe(1);
    expect(s3!.jobs.replicas.journals.has('j1')).toBe(false);

    const appended = keeper.keeper.append(journal, [
      { t: 'inputs', first: 0, paths: ['/ann/a', '/ann/b'] },
      { t: 'assigned', phase: 0, index: 0, attempt: 1, worker: s3!.ring.self, speculative: false },
    ]);
    await run(clock, 50);
    expect(await appended).toEqual({ ok: true });
    expect(s1!.jobs.replicas.journals.get('j1')?.entries).toEqual(journal.entries);
    expect(s2!.jobs.replicas.journals.get('j1')?.entries).toEqual(journal.entries);

    net.crash(keeperRing.self, (d, fn) => clock.setTimer(d, fn));
    await run(clock, DETECT_MS + 200);
    const next = s1!.jobs.keeper.kept.get('j1');
    expect(next?.entries.slice(0, 3)).toEqual(journal.entries);
    expect(next?.entries[3]).toEqual({ t: 'keeper', peer: s1!.ring.self });
    expect(next?.state.running.get(0)).toEqual(new Map([[1, s3!.ring.self]]));
    expect(s1!.jobs.stats.takeovers).toBe(1);
    // The new keeper's replicas: the old second successor, and the next peer, which got the journal from its start.
    expect(s2!.jobs.replicas.journals.get('j1')?.entries).toEqual(next!.entries);
    expect(s3!.jobs.replicas.journals.get('j1')?.entries).toEqual(next!.entries);
  });

  it('refuses a run from a peer that is not its keeper, and a run of entries the state refuses', async () => {
    const { clock, net, peers } = cluster(4);
    const keeperRing = net.ownerOf(jobKey('j2'))!;
    const keeper = peers.get(keeperRing.self)!.jobs;
    const created = keeper.keeper.create('j2', 'ann', { phases: [{ type: 'map', exec: 'cat' }] });
    await run(clock, 50);
    const journal = await created;
    const s1 = keeperRing.successors()[0]!;
    const far = keeperRing.successors()[2]!;
    const { ring } = peers.get(far)!;
    const ask = (body: unknown) => ring.request({ peer: s1 }, 'jobs', 'journal', body, { timeoutMs: 100 });
    const notPlaced = ask({ runs: [{ jobId: 'j2', from: 1, entries: [{ t: 'inputs-end' }] }], targets: [s1] });
    await run(clock, 20);
    expect((await notPlaced).body).toEqual({ type: 'verdicts', verdicts: [{ type: 'refused', reason: 'not-replica' }] });
    const bad = keeper.keeper.append(journal, [{ t: 'committed', phase: 0, index: 0, attempt: 1, bytes: 1 }]);
    expect(await bad).toEqual({ ok: false, refused: 'no-such-task' });
    const garbage = ask({ runs: 'x' });
    await run(clock, 20);
    expect((await garbage).body).toMatchObject({ type: 'error', code: 'SCHEMA_MISMATCH' });
  });

  it('a replica holding a tail the present keeper never had rebuilds its journal to the keeper\'s', async () => {
    const { clock, net, peers } = cluster(4);
    const keeperRing = net.ownerOf(jobKey('j3'))!;
    const keeper = peers.get(keeperRing.self)!.jobs;
    const created = keeper.keeper.create('j3', 'ann', { phases: [{ type: 'map', exec: 'cat' }] });
    await run(clock, 50);
    const journal = await created;
    const s2 = peers.get(keeperRing.successors()[1]!)!.jobs;
    // As if a keeper before this one had reached s2 alone with an entry and died.
    s2.replicas.journals.get('j3')!.append({ t: 'inputs-end' });
    const appended = keeper.keeper.append(journal, [{ t: 'inputs', first: 0, paths: ['/ann/a'] }]);
    await run(clock, 50);
    expect(await appended).toEqual({ ok: true });
    expect(s2.stats.journalTruncations).toBe(1);
    expect(s2.replicas.journals.get('j3')!.entries).toEqual(journal.entries);
    expect(s2.replicas.journals.get('j3')!.state.inputsEnded).toBe(false);
  });
});
