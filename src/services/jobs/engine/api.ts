// The keeper's side of the client operations (api-messages.ts): create a job, add and end its
// inputs, cancel it, and answer its status, its inputs, outputs, errors and failures, and a
// reducer's sources. A job is visible only to the user who created it: for anyone else it does
// not exist (NOT_FOUND), so another user cannot even learn that the id is taken.
import type { Static, TSchema } from '@sinclair/typebox';
import { check } from '../../../core/codec.js';
import type { Envelope } from '../../../core/envelope.js';
import { CumulusError, errorCode } from '../../../core/errors.js';
import type { Clock } from '../../../env/ports.js';
import type { RingPort } from '../../../overlay/port.js';
import { CreateBody, InputsBody, JobRef, ResultsBody, SourcesBody, MAX_SOURCES_PER_PAGE, MAX_STATUS_WORKERS, RESULTS_PAGE_CHARS, type JobStatus, type ResultsBody as Results } from './api-messages.js';
import { MAX_INPUTS_PER_ENTRY } from './constants.js';
import { checkJob, type Executors } from './job.js';
import type { Journal } from './journal.js';
import { jobKey } from './keys.js';
import type { Keeper } from './keeper.js';
import { outputPath, phaseDir } from './paths.js';
import type { Scheduler } from './scheduler.js';
import type { Entry } from './schemas.js';
import type { TaskError } from './state.js';
import type { JobsStats } from './stats.js';
import { TaskStatus } from './tasks.js';

/** Longest the keeper waits to learn where new inputs are held, well inside a client's request timeout. */
const LEARN_MS = 500;
/** Jobs whose locality counters a keeper holds; the oldest is dropped past it. */
const MAX_LOCALITY_JOBS = 10_000;

/** The API code of each kind of final failure, as the job's errors name it (Manta's names). */
const ERROR_CODES: Record<TaskError['kind'], string> = {
  exit: 'UserTaskError',
  limit: 'TaskLimitExceededError',
  'not-found': 'ResourceNotFound',
  timeout: 'TaskTimeoutError',
  error: 'InternalError',
  lost: 'InternalError',
};

export class JobsApi {
  /** Input bytes read by the map tasks of each job, and of those the ones read locally. */
  private readonly locality = new Map<string, { inputBytes: number; localInputBytes: number }>();

  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly keeper: Keeper,
    private readonly scheduler: Scheduler | undefined,
    private readonly executors: Executors,
    private readonly stats: JobsStats,
    /** Learn where inputs are held before their tasks are placed (Placement.learn). */
    private readonly learn: (paths: readonly string[]) => Promise<void> = async () => undefined,
  ) {}

  /** A map task's answer carried its input's byte counts. */
  countInput(jobId: string, inputBytes: number, localBytes: number): void {
    let c = this.locality.get(jobId);
    if (c === undefined) {
      if (this.locality.size >= MAX_LOCALITY_JOBS) this.locality.delete(this.locality.keys().next().value!);
      this.locality.set(jobId, (c = { inputBytes: 0, localInputBytes: 0 }));
    }
    c.inputBytes += inputBytes;
    c.localInputBytes += localBytes;
  }

  /** Serve one client operation; every failure becomes an error reply, never a throw. */
  on(env: Envelope): void {
    this.serve(env).then(
      (body) => this.ring.reply(env, body),
      (e: unknown) => {
        const code = errorCode(e) ?? 'INTERNAL';
        this.ring.reply(env, { type: 'error', code, message: (e instanceof Error ? e.message : String(e)).slice(0, 1000) });
      },
    );
  }

  private async serve(env: Envelope): Promise<unknown> {
    switch (env.op) {
      case 'create':
        return this.create(checked(CreateBody, env.body, 'create'));
      case 'inputs':
        return this.inputs(checked(InputsBody, env.body, 'inputs'));
      case 'end': {
        // Ending inputs twice ends them once: a client may send `end` again when the first answer was late.
        const journal = this.journal(checked(JobRef, env.body, 'end'));
        return this.append(journal, journal.state.inputsEnded ? [] : [{ t: 'inputs-end' }]);
      }
      case 'cancel': {
        const journal = this.journal(checked(JobRef, env.body, 'cancel'));
        if (!this.scheduler) throw new CumulusError('UNAVAILABLE', 'this peer schedules no jobs');
        if (!journal.state.ended) await this.scheduler.cancel(journal);
        return { type: 'ok' };
      }
      case 'status':
        return { type: 'status', status: this.status(this.journal(checked(JobRef, env.body, 'status'))) };
      case 'results': {
        const body = checked(ResultsBody, env.body, 'results');
        return this.results(this.journal(body), body);
      }
      case 'sources':
        return this.sources(checked(SourcesBody, env.body, 'sources'));
    }
    throw new CumulusError('INVALID_ARGUMENT', `jobs operation ${env.op.slice(0, 64)} is not served here`);
  }

  private async create(b: { jobId: string; user: string; job: unknown }): Promise<unknown> {
    const job = checkJob(b.job, this.executors);
    const existing = this.keeper.kept.get(b.jobId);
    if (existing !== undefined && existing.state.user !== b.user) throw new CumulusError('ALREADY_EXISTS', `job ${b.jobId} exists`);
    await this.keeper.create(b.jobId, b.user, job.spec);
    return { type: 'ok' };
  }

  private async inputs(b: { jobId: string; user: string; first?: number; paths: string[] }): Promise<unknown> {
    const journal = this.journal(b);
    const s = journal.state;
    // A retry of a request that landed: the paths are journaled already, once they are replicated.
    const landed = () => b.first !== undefined && b.first + b.paths.length <= s.inputs.length && b.paths.every((p, i) => s.inputs[b.first! + i] === p);
    if (landed()) return this.append(journal, []);
    if (s.inputsEnded || s.cancelled || s.ended) throw new CumulusError('INVALID_ARGUMENT', `job ${b.jobId} takes no more inputs (${s.cancelled ? 'cancelled' : 'inputs ended'})`);
    if (b.first !== undefined && b.first !== s.inputs.length) throw new CumulusError('INVALID_ARGUMENT', `job ${b.jobId} has ${s.inputs.length} inputs; these were meant to follow input ${b.first}`);
    // Where each input is held decides where its task runs: learn it before the tasks exist, for
    // at most LEARN_MS (past it the tasks are placed without it).
    await Promise.race([this.learn(b.paths), new Promise<void>((resolve) => this.clock.setTimer(LEARN_MS, resolve))]);
    if (landed()) return this.append(journal, []);
    if (b.first !== undefined && b.first !== s.inputs.length) throw new CumulusError('INVALID_ARGUMENT', `job ${b.jobId}: other inputs came first`);
    const entries: Entry[] = [];
    const first = s.inputs.length;
    for (let i = 0; i < b.paths.length; i += MAX_INPUTS_PER_ENTRY) entries.push({ t: 'inputs', first: first + i, paths: b.paths.slice(i, i + MAX_INPUTS_PER_ENTRY) });
    return this.append(journal, entries);
  }

  private async append(journal: Journal, entries: Entry[]): Promise<unknown> {
    const r = await this.keeper.append(journal, entries);
    if (r.refused !== undefined) throw new CumulusError('INVALID_ARGUMENT', `job ${journal.jobId}: ${r.refused === 'inputs-closed' ? 'inputs already ended' : r.refused}`);
    if (!r.ok) throw new CumulusError('UNAVAILABLE', `job ${journal.jobId}: its journal could not be replicated`);
    if (this.scheduler) void this.scheduler.pump(journal);
    return { type: 'ok', inputs: journal.state.inputs.length };
  }

  /** The journal of a job this peer keeps for this user; anyone else's job does not exist. */
  private journal(ref: { jobId: string; user: string }): Journal {
    const journal = this.keeper.kept.get(ref.jobId);
    if (journal !== undefined && journal.state.user === ref.user) return journal;
    if (journal === undefined && !this.ring.owns(jobKey(ref.jobId))) throw new CumulusError('NOT_OWNER', `this peer does not keep job ${ref.jobId}`);
    // We own the key and hold a replica: the takeover is under way, ask again shortly.
    if (journal === undefined && this.keeper.holdsReplica(ref.jobId)) throw new CumulusError('UNAVAILABLE', `job ${ref.jobId} is being taken over`);
    throw new CumulusError('NOT_FOUND', `no job ${ref.jobId}`);
  }

  status(journal: Journal): JobStatus {
    const s = journal.state;
    const spec = s.spec!;
    const last = s.phases.length - 1;
    const loc = this.locality.get(journal.jobId) ?? { inputBytes: 0, localInputBytes: 0 };
    const times = this.scheduler?.times.peek(journal.jobId);
    const medians = (p: number) => {
      const took = times?.took.median(p);
      const ran = times?.ran.median(p);
      return { ...(took !== undefined && { tookMsP50: Math.round(took) }), ...(ran !== undefined && { runMsP50: Math.round(ran) }) };
    };
    return {
      id: journal.jobId,
      ...(spec.name !== undefined && { name: spec.name }),
      state: s.cancelled ? 'cancelled' : s.ended ? 'done' : 'running',
      inputDone: s.inputsEnded,
      inputs: s.inputs.length,
      outputs: s.phases[last]!.counts.done,
      errors: s.errors.length,
      retries: s.retries,
      speculative: s.speculative,
      phases: s.phases.map((t, p) => ({ type: spec.phases[p]!.type, tasks: t.counts.pending + t.counts.running + t.counts.done + t.counts.failed, pending: t.counts.pending, running: t.counts.running, done: t.counts.done, errors: t.counts.failed, ...medians(p) })),
      keeper: this.ring.self,
      failovers: s.keepers,
      ...loc,
      workers: workersOf(journal),
    };
  }

  /** A page of the job's inputs, outputs, errors or failures, within one frame's budget. */
  results(journal: Journal, b: Pick<Results, 'kind' | 'from' | 'limit'>): { type: 'results'; items: string[]; next?: number } {
    const s = journal.state;
    const items: string[] = [];
    let chars = 0;
    let i = b.from;
    const push = (item: string): boolean => {
      if (items.length >= b.limit || (items.length > 0 && chars + item.length > RESULTS_PAGE_CHARS)) return false;
      items.push(item);
      chars += item.length + 4;
      return true;
    };
    if (b.kind === 'in') {
      for (; i < s.inputs.length && push(s.inputs[i]!); i++);
      return page(items, i, s.inputs.length);
    }
    if (b.kind === 'out') {
      const last = s.phases.length - 1;
      const table = s.phases[last]!;
      for (; i < table.size; i++) {
        if (table.statusOf(i) !== TaskStatus.Done) continue;
        if (!push(outputPath(s.user, journal.jobId, last, i, table.winnerOf(i)))) break;
      }
      return page(items, i, table.size);
    }
    for (; i < s.errors.length; i++) {
      const e = s.errors[i]!;
      const input = this.inputOf(journal, e.phase, e.index);
      const item = b.kind === 'fail' ? input : JSON.stringify({ phase: e.phase, index: e.index, code: ERROR_CODES[e.kind], message: e.message, exitCode: e.exitCode, input, stderr: e.stderr });
      if (!push(item)) break;
    }
    return page(items, i, s.errors.length);
  }

  /** What a task read: its input path, the output that fed it, or its partition. */
  private inputOf(journal: Journal, phase: number, index: number): string {
    const s = journal.state;
    if (phase === 0) return s.inputs[index] ?? '';
    if (s.spec!.phases[phase]!.type === 'reduce') return `${phaseDir(s.user, journal.jobId, phase - 1)} (partition ${index})`;
    return outputPath(s.user, journal.jobId, phase - 1, index, s.phases[phase - 1]!.winnerOf(index));
  }

  private sources(b: { jobId: string; phase: number; from: number }): unknown {
    const journal = this.keeper.kept.get(b.jobId);
    if (journal === undefined) throw new CumulusError(this.ring.owns(jobKey(b.jobId)) ? 'UNAVAILABLE' : 'NOT_OWNER', `this peer does not keep job ${b.jobId}`);
    const table = journal.state.phases[b.phase - 1];
    if (table === undefined || journal.state.phaseDone[b.phase - 1] !== true) throw new CumulusError('INVALID_ARGUMENT', `phase ${b.phase - 1} of job ${b.jobId} is not done`);
    const pairs: number[] = [];
    let i = b.from;
    for (; i < table.size && pairs.length < 2 * MAX_SOURCES_PER_PAGE; i++) if (table.statusOf(i) === TaskStatus.Done) pairs.push(i, table.winnerOf(i));
    return { type: 'sources', user: journal.state.user, pairs, ...(i < table.size && { next: i }) };
  }
}

/** The peers with attempts out, most first. */
function workersOf(journal: Journal): Array<{ peer: string; running: number }> {
  const n = new Map<string, number>();
  for (const out of journal.state.running.values()) for (const w of out.values()) n.set(w, (n.get(w) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1]).slice(0, MAX_STATUS_WORKERS).map(([peer, running]) => ({ peer, running }));
}

function page(items: string[], next: number, end: number): { type: 'results'; items: string[]; next?: number } {
  return { type: 'results', items, ...(next < end && { next }) };
}

function checked<T extends TSchema>(schema: T, body: unknown, op: string): Static<T> {
  const c = check(schema, body, `jobs ${op} body`);
  if (!c.ok) throw c.error;
  return c.value;
}
