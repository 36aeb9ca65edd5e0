// The jobs engine of a peer that lends storage: it keeps the jobs whose keys it owns, places their
// map tasks on the holders of their inputs (jobs-placement.ts) and runs tasks itself over its
// storage client (jobs-runner.ts): builtin pipelines with the builtin executor (sort spills to its
// own prefix of the peer's store), and js and wasm tasks in sandboxes when the host gives it some.
// As a keeper it archives each finished job's report in storage (report.ts) and removes the
// outputs of the attempts that lost (jobs-cleanup.ts).
import type { Clock, Store } from '../env/ports.js';
import { PrefixStore } from '../env/prefix-store.js';
import type { RingPort } from '../overlay/port.js';
import { BuiltinExecutor } from '../services/jobs/builtin-executor.js';
import { JobsService } from '../services/jobs/engine/service.js';
import { reportPath } from '../services/jobs/engine/paths.js';
import { buildReport } from '../services/jobs/engine/report.js';
import type { ExecKind, Executor } from '../services/jobs/executor.js';
import { SandboxExecutor } from '../services/jobs/sandbox/executor.js';
import type { SandboxPool } from '../services/jobs/sandbox/pool.js';
import type { StorageClient } from '../services/storage/client.js';
import { RingPlacement } from './jobs-placement.js';
import { StorageTaskRunner } from './jobs-runner.js';
import { lostAttemptObjects, removeObjects } from './jobs-cleanup.js';

/** Tasks a peer runs at once: tiny tasks mostly wait on storage's round trips, which overlap. */
const TASK_SLOTS = 4;
/**
 * How long a quick task's answer waits for those of the tasks running beside it (worker.ts): a
 * few answers in one frame cost the keeper one journal round instead of one each.
 */
const ANSWER_LINGER_MS = 200;

/**
 * The jobs engine of a peer. A peer that is no worker (`worker: false`: the server's, on the ring
 * or attached beside it) runs no task and says so on each of its links (engine/no-tasks.ts); it
 * still keeps the jobs whose keys it owns (none when attached) and reaches keepers for the
 * gateway's clients.
 */
export function startJobs(ring: RingPort, clock: Clock, store: Store, storage: () => StorageClient | null, opts: { sandboxes?: SandboxPool | undefined; worker: boolean }): JobsService {
  const { sandboxes, worker } = opts;
  const executor = new BuiltinExecutor({ clock, spill: PrefixStore.of(store, 'jobs-spill/') });
  const sandboxed = new Map<ExecKind, Executor>(sandboxes === undefined ? [] : [['js', new SandboxExecutor('js', clock, sandboxes)], ['wasm', new SandboxExecutor('wasm', clock, sandboxes)]]);
  let jobs: JobsService | null = null;
  const runner = new StorageTaskRunner(ring.self, storage, () => jobs!.client, executor, sandboxed);
  jobs = new JobsService({ ring, clock, placement: new RingPlacement(ring, storage), ...(worker ? { runner } : {}), executors: new Map<ExecKind, Executor>([['builtin', executor], ...sandboxed]), taskSlots: TASK_SLOTS, offload: true, answerLingerMs: ANSWER_LINGER_MS });
  // The keeper archives a job's report where its user reads (and may delete) it, before the end is journaled.
  if (jobs.scheduler) {
    const api = jobs.api;
    jobs.scheduler.archive = async (journal, state) => {
      const client = storage();
      if (client === null) return;
      const bytes = new TextEncoder().encode(JSON.stringify(buildReport(api, journal, state)));
      await client.put(reportPath(journal.state.user, journal.jobId), [bytes], { contentType: 'application/json' });
      // The outputs of attempts that lost go once the job ends; the end does not wait for them.
      void removeObjects(client, lostAttemptObjects(journal)).then((n) => void (jobs!.stats.sweptOutputs += n));
    };
  }
  return jobs;
}
