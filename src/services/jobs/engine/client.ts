// The client of a job's keeper, for a gateway or a worker: each call is one request to the owner
// of hash(job ‖ id), retried while the ring says "not now" (the key is moving, the keeper is
// taking the job over). Inputs are not retried after a request may have landed, since a retry
// could add them twice; the caller sees the error instead.
import type { Static, TSchema } from '@sinclair/typebox';
import { check } from '../../../core/codec.js';
import { CumulusError, errorCode, isErrorCode, TRANSIENT_RING_CODES, type ErrorCode } from '../../../core/errors.js';
import type { Clock } from '../../../env/ports.js';
import type { RingPort } from '../../../overlay/port.js';
import { OkReply, ResultsReply, SourcesReply, StatusReply, type JobStatus, type ResultKind } from './api-messages.js';
import { JOBS_SVC } from './constants.js';
import { jobKey } from './keys.js';

/** Attempts of one call while the keeper is moving, and the pause before the next (times the attempt). */
const CALL_ATTEMPTS = 8;
const RETRY_PAUSE_MS = 250;
const RETRYABLE = TRANSIENT_RING_CODES;

export class JobsClient {
  constructor(
    private readonly ring: RingPort,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  async create(jobId: string, user: string, job: unknown): Promise<void> {
    await this.call(jobId, 'create', { jobId, user, job }, OkReply);
  }

  /**
   * Add input paths (at most MAX_INPUTS_PER_REQUEST); resolves to the job's count of inputs. With
   * `first` (the index the first path is to get) a retry is safe and the call is retried; without
   * it the paths go at the end and a request that may have landed is not sent again.
   */
  async inputs(jobId: string, user: string, paths: string[], first?: number): Promise<number> {
    const body = { jobId, user, paths, ...(first !== undefined && { first }) };
    const r = await this.call(jobId, 'inputs', body, OkReply, first === undefined ? new Set(['NOT_OWNER']) : RETRYABLE);
    return r.type === 'ok' ? (r.inputs ?? 0) : 0;
  }

  /** End the inputs; retried like any call, since ending them again ends them once. */
  async end(jobId: string, user: string): Promise<void> {
    await this.call(jobId, 'end', { jobId, user }, OkReply);
  }

  async cancel(jobId: string, user: string): Promise<void> {
    await this.call(jobId, 'cancel', { jobId, user }, OkReply);
  }

  async status(jobId: string, user: string): Promise<JobStatus> {
    const r = await this.call(jobId, 'status', { jobId, user }, StatusReply);
    return (r as Extract<typeof r, { type: 'status' }>).status;
  }

  /** One page of inputs, outputs, errors (JSON texts) or failures; `next` when more follow. */
  async results(jobId: string, user: string, kind: ResultKind, from: number, limit: number): Promise<{ items: string[]; next?: number }> {
    const r = await this.call(jobId, 'results', { jobId, user, kind, from, limit }, ResultsReply);
    const v = r as Extract<typeof r, { type: 'results' }>;
    return v.next === undefined ? { items: v.items } : { items: v.items, next: v.next };
  }

  /** The committed tasks of the phase before a reducer's, as (index, attempt) pairs, a page at a time. */
  async sources(jobId: string, phase: number, from: number): Promise<{ user: string; pairs: number[]; next?: number }> {
    const r = await this.call(jobId, 'sources', { jobId, phase, from }, SourcesReply);
    const v = r as Extract<typeof r, { type: 'sources' }>;
    return v.next === undefined ? { user: v.user, pairs: v.pairs } : { user: v.user, pairs: v.pairs, next: v.next };
  }

  private async call<T extends TSchema>(jobId: string, op: string, body: unknown, reply: T, retryable: ReadonlySet<ErrorCode | undefined> = RETRYABLE): Promise<Static<T>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const env = await this.ring.request(jobKey(jobId), JOBS_SVC, op, body, { timeoutMs: this.timeoutMs });
        const c = check(reply, env.body, `jobs ${op} reply`);
        if (!c.ok) throw c.error;
        const v = c.value as { type: string; code?: string; message?: string };
        if (v.type === 'error') throw new CumulusError(isErrorCode(v.code) ? v.code : 'INTERNAL', v.message ?? 'failed');
        return c.value;
      } catch (e) {
        if (!retryable.has(errorCode(e)) || attempt >= CALL_ATTEMPTS) throw e;
        await new Promise<void>((resolve) => this.clock.setTimer(RETRY_PAUSE_MS * attempt, resolve));
      }
    }
  }
}
