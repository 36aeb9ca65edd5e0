// What a keeper measures of its jobs' tasks, in memory (not journaled: a new keeper measures from
// its takeover on): when each task's oldest live attempt was assigned, how long each phase's tasks
// took from assignment to answer and, as their workers report it, to run. The medians say which
// running task is a straggler (STRAGGLER_FACTOR times its phase's median) and appear in the status.
import { MIN_TASKS_FOR_MEDIAN } from './constants.js';

/** Durations kept per phase for its median: the most recent ones. */
const SAMPLES_PER_PHASE = 1024;
/** Jobs whose times a keeper holds; the oldest is dropped past it. */
const MAX_TIMED_JOBS = 10_000;

/** The most recent durations of each phase's tasks, for medians. */
export class PhaseSamples {
  private readonly rings: Float64Array[] = [];
  private readonly added: number[] = [];
  /** Each phase's median as of its last sample (a keeper asks for it on every straggler check). */
  private readonly medians: Array<number | undefined> = [];

  add(phase: number, ms: number): void {
    this.medians[phase] = undefined;
    const ring = (this.rings[phase] ??= new Float64Array(SAMPLES_PER_PHASE));
    const n = this.added[phase] ?? 0;
    ring[n % SAMPLES_PER_PHASE] = ms;
    this.added[phase] = n + 1;
  }

  /** The median of the phase's recent durations, or undefined below MIN_TASKS_FOR_MEDIAN of them. */
  median(phase: number): number | undefined {
    const n = Math.min(this.added[phase] ?? 0, SAMPLES_PER_PHASE);
    if (n < MIN_TASKS_FOR_MEDIAN) return undefined;
    return (this.medians[phase] ??= this.rings[phase]!.slice(0, n).sort()[Math.floor(n / 2)]!);
  }
}

export interface JobTimes {
  /** When the oldest live attempt of each running task was assigned, by task key. */
  readonly assignedMs: Map<number, number>;
  /** Assignment to answer, as the keeper saw it (worker queue included), of committed tasks. */
  readonly took: PhaseSamples;
  /** Run time of committed tasks, as their workers reported it (input, exec, output). */
  readonly ran: PhaseSamples;
}

export class KeeperTimes {
  private readonly jobs = new Map<string, JobTimes>();

  of(jobId: string): JobTimes {
    let t = this.jobs.get(jobId);
    if (t === undefined) {
      if (this.jobs.size >= MAX_TIMED_JOBS) this.jobs.delete(this.jobs.keys().next().value!);
      this.jobs.set(jobId, (t = { assignedMs: new Map(), took: new PhaseSamples(), ran: new PhaseSamples() }));
    }
    return t;
  }

  peek(jobId: string): JobTimes | undefined {
    return this.jobs.get(jobId);
  }
}
