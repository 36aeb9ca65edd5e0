// The `jobs` scenario: N peers run the jobs engine on an oracle ring; one job of T tiny map tasks
// and a reduce runs over them while a fraction of the workers crash at random moments and the
// job's keeper is crashed twice (after a third and two thirds of the map tasks). Workers model
// task time (5–50 ms of virtual time each); the checker reads the final keeper's journal: every
// task done exactly once, none committed twice, none lost.
import type { PeerId } from '../../core/id.js';
import type { OptionValues } from '../../core/options.js';
import { MAX_INPUTS_PER_ENTRY } from '../../services/jobs/engine/constants.js';
import type { Journal } from '../../services/jobs/engine/journal.js';
import { jobKey } from '../../services/jobs/engine/keys.js';
import type { TaskReport } from '../../services/jobs/engine/messages.js';
import { JobsService } from '../../services/jobs/engine/service.js';
import { OracleNetwork, OracleRing } from '../oracle-ring.js';
import { Simulator } from '../simulator.js';
import { defineScenario, NODES_OPTION, SEED_OPTION, type ScenarioResult } from './options.js';

export const JOBS_OPTIONS = {
  seed: SEED_OPTION,
  nodes: { ...NODES_OPTION, default: 50 },
  tasks: { type: 'integer', default: 2000, min: 1, max: 4_000_000, unit: 'tasks', description: 'map tasks of the job (one per input)' },
  reducers: { type: 'integer', default: 4, min: 1, max: 1024, unit: 'tasks', description: 'reduce tasks after the map phase' },
  kill: { type: 'number', default: 0.3, min: 0, max: 0.9, description: 'fraction of the peers that crash during the run' },
  hours: { type: 'number', default: 2, min: 0.01, unit: 'h', description: 'virtual time the run may take at most' },
} as const;
export type JobsScenarioOptions = OptionValues<typeof JOBS_OPTIONS>;

const JOB_ID = 'sim-job';
const DETECT_MS = 2000;

export async function runJobs(o: JobsScenarioOptions): Promise<ScenarioResult> {
  const wallStart = Date.now();
  const sim = new Simulator({ seed: o.seed });
  const rng = sim.stream('jobs-scenario');
  const net = new OracleNetwork(10, DETECT_MS);
  const services = new Map<PeerId, JobsService>();
  const alive = new Set<PeerId>();
  for (let i = 0; i < o.nodes; i++) {
    const node = sim.addNode();
    const clock = node.env.clock;
    const taskRng = node.env.rng.fork('tasks');
    const ring = new OracleRing(net, node.id, clock);
    net.add(ring);
    const runner = { run: () => new Promise<TaskReport>((resolve) => clock.setTimer(5 + taskRng.int(46), () => resolve({ outcome: 'ok', bytes: 8 }))) };
    const placement = { preferred: () => [], workers: () => [...alive] };
    const jobs = new JobsService({ ring, clock, placement, runner, rpcTimeoutMs: 1000 });
    jobs.start();
    services.set(node.id, jobs);
    alive.add(node.id);
  }
  const crash = (id: PeerId): void => {
    if (!alive.delete(id)) return;
    services.get(id)!.stop();
    net.crash(id, (ms, fn) => sim.schedule(ms, fn));
    sim.crash(id);
  };
  const keeperOf = (): { id: PeerId; journal: Journal | undefined } => {
    const id = net.ownerOf(jobKey(JOB_ID))!.self;
    return { id, journal: services.get(id)!.keeper.kept.get(JOB_ID) };
  };

  const first = keeperOf();
  const keeperService = services.get(first.id)!;
  let journal: Journal | undefined;
  void keeperService.keeper.create(JOB_ID, 'sim', { phases: [{ type: 'map', exec: 'wc -c', timeout: 10 }, { type: 'reduce', exec: 'sort', count: o.reducers, timeout: 10 }] }).then(async (j) => {
    for (let f = 0; f < o.tasks; f += MAX_INPUTS_PER_ENTRY) {
      j.append({ t: 'inputs', first: f, paths: Array.from({ length: Math.min(MAX_INPUTS_PER_ENTRY, o.tasks - f) }, (_, i) => `/sim/in/${f + i}`) });
    }
    j.append({ t: 'inputs-end' });
    await keeperService.keeper.sync(j);
    journal = j;
    void keeperService.scheduler!.pump(j);
  });
  await sim.runAsync({ until: () => journal !== undefined, forMs: 60_000 });
  const startMs = sim.now();

  // Workers crash at random moments over the first part of the run; the keeper twice, as the maps progress.
  const victims = [...alive].filter((p) => p !== first.id);
  const kills = Math.min(victims.length - 3, Math.round(o.kill * o.nodes));
  for (let k = 0; k < kills; k++) {
    const v = victims.splice(rng.int(victims.length), 1)[0]!;
    sim.schedule(rng.int(Math.max(1000, (o.tasks * 30) / o.nodes)), () => crash(v));
  }
  let keeperCrashes = 0;
  const doneMaps = (): number => keeperOf().journal?.state.phases[0]?.counts.done ?? 0;
  sim.addChecker('keeper-chaos', () => {
    if (keeperCrashes < 2 && doneMaps() >= ((keeperCrashes + 1) * o.tasks) / 3) {
      keeperCrashes++;
      crash(keeperOf().id);
    }
    return true;
  }, 200);
  await sim.runAsync({ forMs: o.hours * 3600_000, until: () => keeperOf().journal?.state.ended === true });

  const final = keeperOf().journal;
  const figures = count(final, o.tasks, o.reducers);
  let failovers = 0;
  let retries = 0;
  for (const s of services.values()) failovers += s.stats.takeovers;
  retries = final?.state.retries ?? 0;
  return {
    tasks: o.tasks + o.reducers,
    ...figures,
    jKeeperFailovers: failovers,
    retries,
    makespanS: Math.round((sim.now() - startMs) / 100) / 10,
    wallMs: Date.now() - wallStart,
    heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    digest: sim.digest(),
  };
}

/** Tasks done, committed twice, and lost (neither done nor failed) in the final journal. */
function count(journal: Journal | undefined, maps: number, reducers: number): { tasksDone: number; duplicatesCommitted: number; lost: number; failed: number } {
  if (journal === undefined) return { tasksDone: 0, duplicatesCommitted: 0, lost: maps + reducers, failed: 0 };
  const commits = [new Uint8Array(maps), new Uint8Array(reducers)];
  for (const e of journal.entries) if (e.t === 'committed') commits[e.phase]![e.index]!++;
  let tasksDone = 0;
  let duplicatesCommitted = 0;
  for (const c of commits) for (const n of c) {
    if (n >= 1) tasksDone++;
    if (n > 1) duplicatesCommitted += n - 1;
  }
  const failed = journal.state.phases.reduce((n, p) => n + p.counts.failed, 0);
  return { tasksDone, duplicatesCommitted, lost: maps + reducers - tasksDone - failed, failed };
}

export const JOBS_SCENARIO = defineScenario({
  description: 'one map+reduce job on a ring while workers crash and the keeper crashes twice; counts tasks done, committed twice and lost',
  options: JOBS_OPTIONS,
  run: runJobs,
});
