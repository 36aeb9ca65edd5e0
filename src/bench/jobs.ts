// `cumulus bench jobs --peers P --tasks T`: tiny tasks through one jKeeper on a local cloud
// (`cumulus up`: the server's peer and P volunteer processes). It stores T tiny objects, then runs
// one map job of `cat` over them and times it from its last input to its end: every task is a
// whole real task (assignment journaled and replicated, a run frame, the input read from storage,
// the builtin executor, the output stored with its replicas, the answer journaled).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OptionValues } from '../core/options.js';
import { Cumulus, type JobStatus } from '../sdk/index.js';
import { round } from './figures.js';
import { startUp, stopUp } from './up-process.js';

export const JOBS_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 4, min: 1, max: 16, unit: 'volunteers', description: 'volunteer processes beside the server\'s peer' },
  tasks: { type: 'integer', default: 20_000, min: 1, max: 1_000_000, unit: 'tasks', description: 'tiny map tasks, one per stored object' },
} as const;

export type JobsBenchOptions = OptionValues<typeof JOBS_BENCH_OPTIONS>;

/** Objects stored at once while setting up: the gateway takes 4 uploads of one user at a time. */
const PUT_CONCURRENCY = 4;

export async function runJobsBench(o: JobsBenchOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-jobs-bench-'));
  const { up, ready } = await startUp(['--peers', String(o.peers), '--data', join(dir, 'cloud')]);
  try {
    const cloud = new Cumulus({ url: ready.url, token: ready.token });
    await cloud.mkdir('tiny');
    const paths = Array.from({ length: o.tasks }, (_, i) => `~/tiny/t${i}`);
    const queue = [...paths.keys()];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: PUT_CONCURRENCY }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) await cloud.put(paths[i]!, new TextEncoder().encode(`${i}\n`));
    }));
    const putSeconds = (performance.now() - t0) / 1000;
    const id = await cloud.createJob({ phases: [{ exec: 'cat' }] });
    await cloud.addInputs(id, paths);
    const t1 = performance.now();
    await cloud.endInputs(id);
    let status: JobStatus | undefined;
    for await (const s of cloud.watch(id, { intervalMs: 100 })) status = s;
    const seconds = (performance.now() - t1) / 1000;
    const workers = o.peers + 1;
    return {
      peers: o.peers, tasks: o.tasks, done: status?.phases[0]?.done ?? 0, errors: status?.errors ?? -1, retries: status?.retries ?? -1,
      jobSeconds: round(seconds), tasksPerSec: round(o.tasks / seconds),
      /** Each worker runs one task at a time: its mean time per task, whole (read, run, store, answer). */
      taskMsMean: round((seconds * 1000 * workers) / o.tasks), putSeconds: round(putSeconds),
    };
  } finally {
    await stopUp(up);
    rmSync(dir, { recursive: true, force: true });
  }
}
