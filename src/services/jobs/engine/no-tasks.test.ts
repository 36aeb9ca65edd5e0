// Proves that a peer that runs no tasks (the server's peer on the ring) is never given one: not as the holder every input prefers, not as the keeper itself, not when its refusal crosses a run frame (the attempts are retried on workers and it is never offered again); every task still commits once.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../core/id.js';
import { ManualClock } from '../../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../../sim/oracle-ring.js';
import { jobKey } from './keys.js';
import type { TaskReport } from './messages.js';
import { JobsService } from './service.js';
import { advance, startMapJob } from '../test-util/engine.js';

/**
 * n peers; `idle(ids)` names the one that runs no tasks, which every input prefers as its holder.
 * It starts first, so its notice reaches the others only when `announce` has it say so afterwards.
 */
function cluster(n: number, idle: (ids: PeerId[]) => PeerId, announce: boolean) {
  const clock = new ManualClock();
  const net = new OracleNetwork(5, 1000);
  const ids = Array.from({ length: n }, (_, i) => (i + 1).toString(16).padStart(2, '0').repeat(20) as PeerId);
  const noTasks = idle(ids);
  const ran = new Map<PeerId, number>();
  const peers = new Map<PeerId, JobsService>();
  for (const id of [noTasks, ...ids.filter((p) => p !== noTasks)]) {
    const ring = new OracleRing(net, id, clock);
    net.add(ring);
    const runner = {
      run: () => {
        ran.set(id, (ran.get(id) ?? 0) + 1);
        return new Promise<TaskReport>((resolve) => clock.setTimer(40, () => resolve({ outcome: 'ok', bytes: 3 })));
      },
    };
    const placement = { preferred: () => [noTasks], workers: () => [ring.self, ...ring.links()] };
    const jobs = new JobsService({ ring, clock, rpcTimeoutMs: 200, placement, ...(id === noTasks ? {} : { runner }), offload: true });
    jobs.start();
    peers.set(id, jobs);
  }
  // What the peer's ring does when each link comes up.
  if (announce) for (const p of ids) if (p !== noTasks) peers.get(noTasks)!.linkUp(p);
  return { clock, net, peers, noTasks, ran };
}

async function mapJob(clock: ManualClock, net: OracleNetwork, peers: Map<PeerId, JobsService>, jobId: string, n: number) {
  const keeper = peers.get(net.ownerOf(jobKey(jobId))!.self)!;
  return { keeper, journal: await startMapJob(keeper, clock, jobId, n) };
}

function committedOnce(journal: Awaited<ReturnType<typeof mapJob>>['journal'], n: number): void {
  expect(journal.state.ended, JSON.stringify(journal.state.phases.map((p) => p.counts))).toBe(true);
  const indexes = journal.entries.filter((e) => e.t === 'committed').map((e) => (e.t === 'committed' ? e.index : -1));
  expect(indexes.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('peers that run no tasks', () => {
  it('are told apart by their notice: the preferred holder gets no task', async () => {
    const { clock, net, peers, noTasks, ran } = cluster(4, (ids) => ids.find((p) => p !== ownerOfJob(ids, 'nt'))!, true);
    await advance(clock, 20);
    for (const [p, jobs] of peers) if (p !== noTasks) expect(jobs.noTasks.has(noTasks)).toBe(true);
    const { keeper, journal } = await mapJob(clock, net, peers, 'nt', 16);
    await advance(clock, 5_000);
    committedOnce(journal, 16);
    expect(ran.has(noTasks)).toBe(false);
    expect(journal.state.retries).toBe(0);
    expect(journal.entries.some((e) => e.t === 'assigned' && e.worker === noTasks)).toBe(false);
    expect(keeper.stats.badBodies).toBe(0);
  });

  it('refuse a run frame that crossed their notice: those attempts go elsewhere, and it is never offered again', async () => {
    // No notice was sent: the keeper offers the preferred holder a first frame, which it refuses.
    const { clock, net, peers, noTasks, ran } = cluster(4, (ids) => ids.find((p) => p !== ownerOfJob(ids, 'rf'))!, false);
    const { keeper, journal } = await mapJob(clock, net, peers, 'rf', 16);
    await advance(clock, 5_000);
    committedOnce(journal, 16);
    expect(ran.has(noTasks)).toBe(false);
    expect(keeper.noTasks.has(noTasks)).toBe(true);
    const offered = journal.entries.filter((e) => e.t === 'assigned' && e.worker === noTasks);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.every((e) => e.t === 'assigned' && e.attempt === 1)).toBe(true);
  });

  it('keep jobs without running their tasks when they own the job\'s key', async () => {
    const { clock, net, peers, noTasks, ran } = cluster(4, (ids) => ownerOfJob(ids, 'kp'), true);
    const { keeper, journal } = await mapJob(clock, net, peers, 'kp', 16);
    expect(keeper).toBe(peers.get(noTasks));
    await advance(clock, 5_000);
    committedOnce(journal, 16);
    expect(ran.has(noTasks)).toBe(false);
    expect(journal.state.retries).toBe(0);
  });
});

/** Which of these ids owns a job's key on an oracle ring of them. */
function ownerOfJob(ids: PeerId[], jobId: string): PeerId {
  const clock = new ManualClock();
  const net = new OracleNetwork(5, 1000);
  for (const id of ids) net.add(new OracleRing(net, id, clock));
  return net.ownerOf(jobKey(jobId))!.self;
}
