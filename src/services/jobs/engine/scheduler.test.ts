// Proves the scheduler end to end on the oracle ring with workers that model task time: a map and a reduce phase complete with every task committed exactly once while a worker and then the keeper crash, a user failure goes to the errors without a retry, late answers are ignored, a busy holder offloads tasks to idle neighbours that answer its probe (and answers them lost when such a neighbour crashes), and a straggler gets a speculative copy on an idle worker whose result wins while the straggler's late one is ignored and its output discarded.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../core/id.js';
import { ManualClock } from '../../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../../sim/oracle-ring.js';
import { jobKey } from './keys.js';
import type { TaskReport } from './messages.js';
import { JobsService } from './service.js';
import { advance, startMapJob } from '../test-util/engine.js';

const DETECT_MS = 1000;

/** How long a task runs: taskMs, or what `slow` says for this attempt. */
type Slow = (input: string, attempt: number, peer: PeerId) => number | undefined;

function cluster(n: number, taskMs: number, slow: Slow = () => undefined, holder?: (ids: PeerId[]) => PeerId, holderOnly = false) {
  const clock = new ManualClock();
  /** The attempts whose outputs a worker discarded (its answer refused for good), as input#attempt. */
  const discarded: string[] = [];
  const net = new OracleNetwork(5, DETECT_MS);
  const peers = new Map<PeerId, { ring: OracleRing; jobs: JobsService }>();
  const ids = Array.from({ length: n }, (_, i) => (i + 1).toString(16).padStart(2, '0').repeat(20) as PeerId);
  for (const id of ids) {
    const ring = new OracleRing(net, id, clock);
    net.add(ring);
    const runner = {
      run: (_job: string, _phase: unknown, task: { input: string; attempt: number }) =>
        new Promise<TaskReport>((resolve) => clock.setTimer(slow(task.input, task.attempt, id) ?? taskMs, () => resolve(task.input.endsWith('/bad') ? { outcome: 'exit', exitCode: 1, message: 'exit 1', stderr: 'no\n' } : { outcome: 'ok', bytes: 3 }))),
      discard: async (_job: string, _phase: unknown, task: { input: string; attempt: number }) => void discarded.push(`${task.input}#${task.attempt}`),
    };
    const placement = { preferred: () => (holder ? [holder(ids)] : []), workers: () => (holder && holderOnly ? [holder(ids)] : [ring.self, ...ring.links()].filter((p) => net.ring(p)?.alive)) };
    const jobs = new JobsService({ ring, clock, rpcTimeoutMs: 200, placement, runner, offload: true });
    jobs.start();
    peers.set(id, { ring, jobs });
  }
  return { clock, net, peers, discarded };
}

/** Start a map-only job of n inputs /ann/in/0… at its keeper; resolves once it is created and its inputs journaled. */
async function mapJob(clock: ManualClock, net: OracleNetwork, peers: ReturnType<typeof cluster>['peers'], jobId: string, n: number) {
  const keeper = peers.get(net.ownerOf(jobKey(jobId))!.self)!.jobs;
  return { keeper, journal: await startMapJob(keeper, clock, jobId, n) };
}

describe('scheduler', () => {
  it('completes a map and a reduce with every task committed once through a worker crash and a keeper crash', async () => {
    const { clock, net, peers } = cluster(8, 40);
    const crash = (p: PeerId) => {
      peers.get(p)!.jobs.stop();
      net.crash(p, (d, fn) => clock.setTimer(d, fn));
    };
    const keeperRing = net.ownerOf(jobKey('wc'))!;
    const keeper = peers.get(keeperRing.self)!.jobs;
    const created = keeper.keeper.create('wc', 'ann', { phases: [{ type: 'map', exec: 'wc -l', timeout: 3 }, { type: 'reduce', exec: 'sort', count: 3, timeout: 3 }] });
    await advance(clock, 50);
    const journal = await created;
    const inputs = Array.from({ length: 60 }, (_, i) => (i === 7 ? '/ann/bad' : `/ann/in/${i}`));
    for (let first = 0; first < inputs.length; first += 16) journal.append({ t: 'inputs', first, paths: inputs.slice(first, first + 16) });
    journal.append({ t: 'inputs-end' });
    void keeper.scheduler!.pump(journal);
    await advance(clock, 200);
    // A worker that is not the keeper nor its first successor crashes with tasks out.
    const victim = [...peers.keys()].find((p) => p !== keeperRing.self && p !== keeperRing.successors()[0] && journal.state.running.size > 0 && [...journal.state.running.values()].some((m) => [...m.values()].includes(p)))!;
    expect(victim).toBeDefined();
    crash(victim);
    await advance(clock, 300);
    const heir = keeperRing.successors()[0]!;
    crash(keeperRing.self);
    await advance(clock, 20_000);

    const next = peers.get(heir)!.jobs;
    const final = next.keeper.kept.get('wc')!;
    expect(final.state.ended, JSON.stringify({ counts: final.state.phases.map((p) => p.counts), stats: next.stats })).toBe(true);
    expect(next.stats.takeovers).toBe(1);
    const commits = new Map<string, number>();
    for (const e of final.entries) if (e.t === 'committed') commits.set(`${e.phase}/${e.index}`, (commits.get(`${e.phase}/${e.index}`) ?? 0) + 1);
    expect([...commits.values()].every((n) => n === 1)).toBe(true);
    expect(final.state.phases.map((p) => p.counts)).toEqual([
      { pending: 0, running: 0, done: 59, failed: 1 },
      { pending: 0, running: 0, done: 3, failed: 0 },
    ]);
    expect(final.state.errors).toEqual([{ phase: 0, index: 7, kind: 'exit', exitCode: 1, message: 'exit 1', stderr: 'no\n' }]);
    expect(final.state.retries).toBeGreaterThan(0);
  });

  it('gives a straggler a speculative copy on an idle worker; the first result wins and the late one is ignored', async () => {
    // The first attempt of one task takes 60 s where the others take 40 ms; its timeout is far off.
    const { clock, net, peers, discarded } = cluster(6, 40, (input, attempt) => (input === '/ann/in/3' && attempt === 1 ? 60_000 : undefined));
    const { keeper, journal } = await mapJob(clock, net, peers, 'sp', 12);
    await advance(clock, 5_000);
    expect(journal.state.ended, JSON.stringify(journal.state.phases.map((p) => p.counts))).toBe(true);
    expect(journal.state.speculative).toBe(1);
    const committed = journal.entries.filter((e) => e.t === 'committed');
    expect(committed.length).toBe(12);
    expect(committed.find((e) => e.t === 'committed' && e.index === 3)).toMatchObject({ attempt: 2 });
    // The straggler's own answer comes at last and is refused (the job has ended); nothing is committed twice.
    const ignored = () => keeper.stats.staleAnswers + keeper.stats.duplicateAnswers;
    expect(ignored()).toBe(0);
    await advance(clock, 60_000);
    expect(ignored()).toBe(1);
    // Its worker removes what the losing attempt stored, and nothing else.
    expect(discarded).toEqual(['/ann/in/3#1']);
    expect(journal.entries.filter((e) => e.t === 'committed').length).toBe(12);
    expect(journal.state.commits).toBe(12);
  });

  it('offloads tasks a busy holder cannot start to idle neighbours that answer its probe', async () => {
    // Every input is held by one peer only, which the keeper prefers for every task, and which runs them slowly.
    const holderId = '01'.repeat(20) as PeerId;
    const { clock, net, peers } = cluster(6, 100, (_input, _attempt, peer) => (peer === holderId ? 1000 : undefined), () => holderId);
    const { keeper, journal } = await mapJob(clock, net, peers, 'of', 16);
    await advance(clock, 20_000);
    expect(journal.state.ended, JSON.stringify(journal.state.phases.map((p) => p.counts))).toBe(true);
    expect(journal.entries.filter((e) => e.t === 'committed').length).toBe(16);
    expect(journal.state.commits).toBe(16);
    expect(peers.get(holderId)!.jobs.worker!.offloader.offloaded).toBeGreaterThan(0);
  });

  it('retries at once the tasks a busy holder offloaded to a neighbour that then crashed', async () => {
    // The keeper places every task on the holder, which is slow; its idle neighbours take some, run them for 3 s, and one crashes meanwhile.
    const holderId = '01'.repeat(20) as PeerId;
    const { clock, net, peers } = cluster(6, 100, (_input, _attempt, peer) => (peer === holderId ? 1000 : 3000), () => holderId, true);
    const { journal } = await mapJob(clock, net, peers, 'lo', 16);
    await advance(clock, 1_000);
    const keeperId = net.ownerOf(jobKey('lo'))!.self;
    const victim = [...peers.keys()].find((p) => p !== holderId && p !== keeperId && peers.get(p)!.jobs.worker!.counters.running > 0);
    expect(victim, 'a neighbour running offloaded tasks').toBeDefined();
    peers.get(victim!)!.jobs.stop();
    net.crash(victim!, (d, fn) => clock.setTimer(d, fn));
    // The tasks' timeout is 600 s: only the holder's word that its neighbour is gone brings them back sooner.
    await advance(clock, 30_000);
    expect(journal.state.ended, JSON.stringify(journal.state.phases.map((p) => p.counts))).toBe(true);
    expect(journal.state.commits).toBe(16);
    expect(journal.state.retries).toBeGreaterThan(0);
  });
});
