// `cumulus bench jobs --peers P --tasks T`: tiny tasks through one jKeeper on a local cloud
// (`cumulus up`: the server's peer and P volunteer processes). It stores T tiny objects, then runs
// one map job of `cat` over them and times it from its last input to its end: every task is a
// whole real task (assignment journaled and replicated, a run frame, the input read from storage,
// the builtin executor, the output stored with its replicas, the answer journaled).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
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

/** User and system CPU seconds of these processes so far (Linux /proc; 0 for one that is gone). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended: it adds nothing more.
    }
  }
  return ticks / CLOCK_TICKS_PER_S;
}

/** Linux's USER_HZ, the unit of /proc/PID/stat's times. */
const CLOCK_TICKS_PER_S = 100;

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
    const pids = [up.pid!, ...ready.pids];
    const cpu0 = cpuSeconds(pids);
    const t1 = performance.now();
    await cloud.endInputs(id);
    let status: JobStatus | undefined;
    for await (const s of cloud.watch(id, { intervalMs: 100 })) status = s;
    const seconds = (performance.now() - t1) / 1000;
    const cpu = cpuSeconds(pids) - cpu0;
    return {
      peers: o.peers, tasks: o.tasks, done: status?.phases[0]?.done ?? 0, errors: status?.errors ?? -1, retries: status?.retries ?? -1,
      jobSeconds: round(seconds), tasksPerSec: round(o.tasks / seconds),
      /** The median task's time on its worker (stat and read its input, run `cat`, store its output): all of it overhead. */
      taskOverheadMsP50: status?.phases[0]?.runMsP50 ?? -1,
      /** Assignment to answer, the worker's queue included. */
      taskTookMsP50: status?.phases[0]?.tookMsP50 ?? -1,
      /** CPU time the cloud's processes spent per task while the job ran, and the machine's load then. */
      cpuMsPerTask: round((cpu * 1000) / o.tasks), loadAvg1m: round(loadavg()[0]!), putSeconds: round(putSeconds),
    };
  } finally {
    await stopUp(up);
    rmSync(dir, { recursive: true, force: true });
  }
}
