// Proves that quick tasks travel in groups on the oracle ring: a holder the keeper prefers for every input is refilled with many tasks per run frame once half its queue is free (not a task or two per answer), its answers of tasks running side by side leave together in one done frame, and every task still commits once.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../core/id.js';
import { ManualClock } from '../../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../../sim/oracle-ring.js';
import { JOBS_SVC } from './constants.js';
import { jobKey } from './keys.js';
import type { TaskReport } from './messages.js';
import { JobsService } from './service.js';
import { advance } from '../test-util/engine.js';

const TASKS = 256;
/** Tasks take 10 to 39 ms, so that those running side by side end at different moments. */
const taskMs = (input: string) => 10 + ((Number(input.slice(input.lastIndexOf('/') + 1)) * 7) % 30);

describe('batching of quick tasks', () => {
  it('sends a holder its tasks in run frames of many and its answers in done frames of several', async () => {
    const clock = new ManualClock();
    const net = new OracleNetwork(5, 1000);
    const ids = Array.from({ length: 4 }, (_, i) => (i + 1).toString(16).padStart(2, '0').repeat(20) as PeerId);
    const holder = ids[1]!;
    const frames = { run: 0, done: 0 };
    const peers = new Map<PeerId, JobsService>();
    for (const id of ids) {
      const ring = new OracleRing(net, id, clock);
      net.add(ring);
      const request = ring.request.bind(ring);
      ring.request = (target, svc, op, body, opts) => {
        if (svc === JOBS_SVC && (op === 'run' || op === 'done') && (op === 'done' ? id === holder : typeof target === 'object' && 'peer' in target && target.peer === holder)) frames[op]++;
        return request(target, svc, op, body, opts);
      };
      const runner = { run: (_job: string, _phase: unknown, task: { input: string }) => new Promise<TaskReport>((resolve) => clock.setTimer(taskMs(task.input), () => resolve({ outcome: 'ok', bytes: 1 }))) };
      // Only the holder works: every task is its, so its frames are all the job's.
      const placement = { preferred: () => [holder], workers: () => [holder] };
      const jobs = new JobsService({ ring, clock, rpcTimeoutMs: 200, placement, runner, taskSlots: 4, answerLingerMs: 100 });
      jobs.start();
      peers.set(id, jobs);
    }
    const keeper = peers.get(net.ownerOf(jobKey('b'))!.self)!;
    const created = keeper.keeper.create('b', 'ann', { phases: [{ type: 'map', exec: 'cat', timeout: 600 }] });
    await advance(clock, 50);
    const journal = await created;
    for (let first = 0; first < TASKS; first += 16) journal.append({ t: 'inputs', first, paths: Array.from({ length: 16 }, (_, i) => `/ann/in/${first + i}`) });
    journal.append({ t: 'inputs-end' });
    void keeper.scheduler!.pump(journal);
    await advance(clock, 10_000);

    expect(journal.state.ended, JSON.stringify(journal.state.phases.map((p) => p.counts))).toBe(true);
    expect(journal.state.commits).toBe(TASKS);
    expect(journal.entries.filter((e) => e.t === 'committed').length).toBe(TASKS);
    // A refill per answer frame gave 37 run frames here, and answers sent as soon as no frame was out 65 done frames.
    expect(frames.run, JSON.stringify(frames)).toBeLessThanOrEqual(TASKS / 16);
    expect(frames.done, JSON.stringify(frames)).toBeLessThanOrEqual(TASKS / 8);
  });
});
