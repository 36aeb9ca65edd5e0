// Proves the keeper's client operations on the oracle ring: a malformed job is refused naming the field and nothing is kept; a job's inputs, status, outputs, errors and failures come back to its user and to nobody else; ending inputs again ends them once; cancel ends the job at once, tells the workers and ignores their late answers; partitions follow the key before the first tab.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../../../core/id.js';
import { ManualClock } from '../../../env/memory-clock.js';
import { OracleNetwork, OracleRing } from '../../../sim/oracle-ring.js';
import { BuiltinExecutor } from '../builtin-executor.js';
import { lineKey, partitionOf } from './paths.js';
import type { RunTask, TaskReport } from './messages.js';
import { JobsService } from './service.js';
import type { TaskContext } from './worker.js';

async function run(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Settle a promise while the clock runs. */
async function settle<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let out: { v: T } | { e: unknown } | undefined;
  p.then((v) => (out = { v }), (e: unknown) => (out = { e }));
  for (let i = 0; i < 2000 && out === undefined; i++) await run(clock, 10);
  if (out === undefined) throw new Error('never settled');
  if ('e' in out) throw out.e;
  return out.v;
}

/** Five peers whose workers take taskMs a task (forever when taskMs is Infinity) and note cancels. */
function cluster(taskMs: number) {
  const clock = new ManualClock();
  const net = new OracleNetwork(5, 1000);
  const cancelled: string[] = [];
  const peers: JobsService[] = [];
  const executor = new BuiltinExecutor({ clock });
  for (let i = 1; i <= 5; i++) {
    const id = (i * 3).toString(16).padStart(2, '0').repeat(20) as PeerId;
    const ring = new OracleRing(net, id, clock);
    net.add(ring);
    const runner = {
      run: (_job: string, _phase: unknown, task: RunTask, ctx: TaskContext) => new Promise<TaskReport>((resolve) => {
        ctx.signal.addEventListener('abort', () => {
          cancelled.push(task.input);
          resolve({ outcome: 'error', exitCode: 130, message: 'cancelled', stderr: '' });
        });
        if (Number.isFinite(taskMs)) clock.setTimer(taskMs, () => resolve(task.input.endsWith('/missing') ? { outcome: 'not-found', exitCode: 1, message: `${task.input} does not exist`, stderr: '' } : task.input.includes('#r') ? { outcome: 'ok', bytes: 5 } : { outcome: 'ok', bytes: 5, inputBytes: 10, localBytes: 10 }));
      }),
    };
    const placement = { preferred: () => [], workers: () => [ring.self, ...ring.links()].filter((p) => net.ring(p)?.alive) };
    const jobs = new JobsService({ ring, clock, rpcTimeoutMs: 200, placement, runner, executors: new Map([['builtin', executor]]) });
    jobs.start();
    peers.push(jobs);
  }
  return { clock, client: peers[0]!.client, cancelled };
}

describe('the keeper\'s client operations', () => {
  it('refuses a malformed job naming the field, and keeps nothing', async () => {
    const { clock, client } = cluster(50);
    await expect(settle(clock, client.create('j1', 'ann', { phases: [{ exec: 'cat' }, { type: 'reduce', exec: 'sort', count: 0 }] }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/phases\[1\]\.count/) });
    await expect(settle(clock, client.create('j1', 'ann', { phases: [{ exec: 'sort -P' }] }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/-P/) });
    await expect(settle(clock, client.status('j1', 'ann'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('runs a job for its user, answers its results, and shows it to nobody else', async () => {
    const { clock, client } = cluster(50);
    await settle(clock, client.create('j2', 'ann', { name: 'wc', phases: [{ exec: 'wc -l' }, { type: 'reduce', exec: 'cat', count: 2 }] }));
    const paths = Array.from({ length: 40 }, (_, i) => (i === 3 ? '/ann/home/missing' : `/ann/home/in/${i}`));
    expect(await settle(clock, client.inputs('j2', 'ann', paths.slice(0, 32)))).toBe(32);
    expect(await settle(clock, client.inputs('j2', 'ann', paths.slice(32)))).toBe(40);
    await settle(clock, client.end('j2', 'ann'));
    // Ending again (a client whose first answer was late) ends the inputs once.
    await settle(clock, client.end('j2', 'ann'));
    await run(clock, 3000);
    const s = await settle(clock, client.status('j2', 'ann'));
    expect(s).toMatchObject({ id: 'j2', name: 'wc', state: 'done', inputDone: true, inputs: 40, outputs: 2, errors: 1, inputBytes: 390, localInputBytes: 390 });
    expect(s.phases).toMatchObject([{ type: 'map', tasks: 40, pending: 0, running: 0, done: 39, errors: 1 }, { type: 'reduce', tasks: 2, pending: 0, running: 0, done: 2, errors: 0 }]);
    // The map phase's medians: its workers report each run, the keeper times assignment to answer (queue included).
    expect(s.phases[0]!.runMsP50).toBeGreaterThan(0);
    expect(s.phases[0]!.tookMsP50).toBeGreaterThanOrEqual(s.phases[0]!.runMsP50!);
    expect((await settle(clock, client.results('j2', 'ann', 'out', 0, 10))).items).toEqual(['/ann/jobs/j2/stor/p1/t0.1', '/ann/jobs/j2/stor/p1/t1.1']);
    expect((await settle(clock, client.results('j2', 'ann', 'fail', 0, 10))).items).toEqual(['/ann/home/missing']);
    const [err] = (await settle(clock, client.results('j2', 'ann', 'err', 0, 10))).items;
    expect(JSON.parse(err!)).toMatchObject({ phase: 0, index: 3, code: 'ResourceNotFound', input: '/ann/home/missing' });
    const inputs = await settle(clock, client.results('j2', 'ann', 'in', 0, 16));
    expect(inputs).toEqual({ items: paths.slice(0, 16), next: 16 });
    const sources = await settle(clock, client.sources('j2', 1, 0));
    expect(sources.pairs.length).toBe(2 * 39);
    await expect(settle(clock, client.status('j2', 'bob'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(settle(clock, client.results('j2', 'bob', 'out', 0, 10))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(settle(clock, client.inputs('j2', 'ann', ['/ann/x']))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('cancels a job at once, stops its running tasks and ignores their late answers', async () => {
    const { clock, client, cancelled } = cluster(Infinity);
    await settle(clock, client.create('j3', 'ann', { phases: [{ exec: 'cat' }] }));
    await settle(clock, client.inputs('j3', 'ann', Array.from({ length: 6 }, (_, i) => `/ann/in/${i}`)));
    await run(clock, 500);
    expect((await settle(clock, client.status('j3', 'ann'))).phases[0]!.running).toBeGreaterThan(0);
    await settle(clock, client.cancel('j3', 'ann'));
    await run(clock, 500);
    const s = await settle(clock, client.status('j3', 'ann'));
    expect(s).toMatchObject({ state: 'cancelled', outputs: 0, workers: [] });
    expect(cancelled.length).toBeGreaterThan(0);
  });

  it('partitions lines by the key before the first tab', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(lineKey(enc('word\t3'))).toEqual(enc('word'));
    expect(lineKey(enc('no tab here'))).toEqual(enc('no tab here'));
    expect(partitionOf(lineKey(enc('word\t3')), 7)).toBe(partitionOf(lineKey(enc('word\t99')), 7));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(enc(`w${i}`), 4)));
    expect(seen).toEqual(new Set([0, 1, 2, 3]));
  });
});
