// The SDK's jobs calls (Cumulus.createJob, addInputs, endInputs, status, watch, outputs, errors,
// failures, cancel, list), over the gateway's /:user/jobs routes.
import { parseJsonLines } from './streams.js';

export interface JobPhase {
  type?: 'map' | 'reduce';
  /** The exec's kind: a builtin pipeline (the default), or a JS or WASI module named by the first asset. */
  kind?: 'builtin' | 'js' | 'wasm';
  exec: string;
  count?: number;
  /** Seconds a task may run (default 300). */
  timeout?: number;
  /** MiB a task may hold (default 1024). */
  memory?: number;
  /** Paths of the task's assets (a js or wasm phase's module first); `~/x` and `x` are in the caller's home. */
  assets?: string[];
}

export interface JobSpec {
  name?: string;
  phases: JobPhase[];
}

export interface JobPhaseStatus {
  type: 'map' | 'reduce';
  tasks: number;
  pending: number;
  running: number;
  done: number;
  errors: number;
  /** Medians of recent committed tasks: assignment to answer (queue included), and the run on the worker. */
  tookMsP50?: number;
  runMsP50?: number;
}

export interface JobStatus {
  id: string;
  name?: string;
  state: 'running' | 'done' | 'cancelled';
  inputDone: boolean;
  inputs: number;
  outputs: number;
  errors: number;
  retries: number;
  /** Speculative copies of stragglers given to idle workers. */
  speculative?: number;
  phases: JobPhaseStatus[];
  /** The peer keeping the job, and how many times a new keeper took it over. */
  keeper: string;
  failovers: number;
  /** Bytes the map tasks read, and of those the ones their worker held itself. */
  inputBytes: number;
  localInputBytes: number;
  /** When the job was created (ISO 8601; in list() only). */
  timeCreated?: string;
  /** Peers with tasks of the job running now, and how many each. */
  workers: Array<{ peer: string; running: number }>;
}

export interface JobError {
  phase: number;
  index: number;
  code: string;
  message: string;
  exitCode: number;
  input: string;
  stderr: string;
}

export interface JobReport {
  job: JobStatus;
  directory: string;
  inputs: string[];
  outputs: string[];
  errors: JobError[];
  failures: string[];
}

/** How the Cumulus client lends its authenticated requests to these calls. */
export type Requester = (method: string, path: string, what: string, init?: RequestInit, query?: Record<string, string | undefined>) => Promise<Response>;

/** Input paths sent in one request body; more go in further requests. */
const INPUTS_PER_REQUEST = 10_000;
/** Default pause between two statuses of watch(). */
const WATCH_INTERVAL_MS = 1000;

export class JobsCalls {
  constructor(
    private readonly request: Requester,
    private readonly user: string,
  ) {}

  private base(id?: string): string {
    return `/${this.user}/jobs${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;
  }

  async create(job: JobSpec | string): Promise<string> {
    const body = typeof job === 'string' ? job : JSON.stringify(job);
    const res = await this.request('POST', this.base(), 'create job', { body, headers: { 'content-type': 'application/json' } });
    return ((await res.json()) as { id: string }).id;
  }

  /** Add input paths (absolute, or ~/… resolved by the caller); resolves to the job's count of inputs. */
  async addInputs(id: string, paths: Iterable<string> | AsyncIterable<string>): Promise<number> {
    let batch: string[] = [];
    let inputs = 0;
    const send = async () => {
      const res = await this.request('POST', `${this.base(id)}/live/in`, `add inputs to ${id}`, { body: batch.join('\n') + '\n', headers: { 'content-type': 'text/plain' } });
      inputs = ((await res.json()) as { inputs: number }).inputs;
      batch = [];
    };
    for await (const p of paths) {
      batch.push(p);
      if (batch.length >= INPUTS_PER_REQUEST) await send();
    }
    if (batch.length > 0) await send();
    return inputs;
  }

  async endInputs(id: string): Promise<void> {
    await this.request('POST', `${this.base(id)}/live/in/end`, `end inputs of ${id}`);
  }

  async status(id: string): Promise<JobStatus> {
    return (await (await this.request('GET', `${this.base(id)}/live/status`, `status of ${id}`)).json()) as JobStatus;
  }

  /** The job's status every intervalMs until it has ended (the last one yielded is the final one). */
  async *watch(id: string, opts: { intervalMs?: number } = {}): AsyncGenerator<JobStatus> {
    for (;;) {
      const s = await this.status(id);
      yield s;
      if (s.state !== 'running') return;
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? WATCH_INTERVAL_MS));
    }
  }

  private async lines(id: string, tail: string): Promise<string[]> {
    const text = await (await this.request('GET', `${this.base(id)}/live/${tail}`, `${tail} of ${id}`)).text();
    return text.split('\n').filter((l) => l !== '');
  }

  outputs(id: string): Promise<string[]> {
    return this.lines(id, 'out');
  }

  inputs(id: string): Promise<string[]> {
    return this.lines(id, 'in');
  }

  failures(id: string): Promise<string[]> {
    return this.lines(id, 'fail');
  }

  async errors(id: string): Promise<JobError[]> {
    return parseJsonLines<JobError>((await this.lines(id, 'err')).join('\n'));
  }

  async cancel(id: string): Promise<void> {
    await this.request('POST', `${this.base(id)}/live/cancel`, `cancel ${id}`);
  }

  async list(opts: { state?: JobStatus['state'] } = {}): Promise<JobStatus[]> {
    const res = await this.request('GET', this.base(), 'list jobs', {}, { state: opts.state });
    return parseJsonLines<JobStatus>(await res.text());
  }

  async report(id: string): Promise<JobReport> {
    return (await (await this.request('GET', `/${this.user}/jobs-reports/${encodeURIComponent(id)}`, `report of ${id}`)).json()) as JobReport;
  }

  async deleteReport(id: string): Promise<void> {
    await this.request('DELETE', `/${this.user}/jobs-reports/${encodeURIComponent(id)}`, `delete the report of ${id}`);
  }
}
