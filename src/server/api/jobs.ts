// Handlers of the jobs door: /:user/jobs and /:user/jobs-reports. The gateway checks a job before
// anything exists (a malformed one is a 400 naming the fault and creates nothing), makes its
// directories under /:user/jobs/:id (the listing of a user's jobs, and where the outputs go) and
// /:user/jobs-reports (where the keeper archives the job's report when it ends),
// and then talks to the job's keeper through the gateway peer's jobs client, over the ring.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidArgumentError, NotFoundError, errorCode } from '../../core/errors.js';
import { RealClock } from '../../runtime/clock.js';
import { BuiltinExecutor } from '../../services/jobs/builtin-executor.js';
import type { ExecKind, Executor } from '../../services/jobs/executor.js';
import { SandboxExecutor } from '../../services/jobs/sandbox/executor.js';
import { SandboxPool } from '../../services/jobs/sandbox/pool.js';
import { nodeSandboxes } from '../../runtime/sandbox/node-sandbox.js';
import { MAX_INPUTS_PER_REQUEST, type JobStatus, type ResultKind } from '../../services/jobs/engine/api-messages.js';
import type { JobsClient } from '../../services/jobs/engine/client.js';
import { MAX_INPUT_PATH_CHARS } from '../../services/jobs/engine/constants.js';
import { parseJobJson } from '../../services/jobs/engine/job.js';
import { jobDir, phaseDir, reportPath, reportsDir } from '../../services/jobs/engine/paths.js';
import { MAX_REPORT_ITEMS } from '../../services/jobs/engine/report.js';
import { HttpError } from './errors.js';
import type { HomeContext } from './home.js';

/** Largest job document read; job.ts refuses past its own 1 MiB with a message naming the size. */
const MAX_JOB_BODY_BYTES = 2 * 1024 * 1024;
/** Largest job that travels to its keeper in one frame (the frame is 64 KiB). */
const MAX_JOB_WIRE_CHARS = 48 * 1024;
/** Jobs a listing looks at, and how many statuses it asks for at once. */
const MAX_LISTED_JOBS = 1024;
const STATUS_CONCURRENCY = 8;
/** Items a results page asks for. */
const RESULTS_PAGE = 1024;

const clock = new RealClock();
const checker = new BuiltinExecutor({ clock });
// The sandboxed kinds are checked by their executors' prepare, which starts no sandbox: this pool stays empty.
const checkOnly = new SandboxPool(nodeSandboxes, 1);
const executors = new Map<ExecKind, Executor>([['builtin', checker], ['js', new SandboxExecutor('js', clock, checkOnly)], ['wasm', new SandboxExecutor('wasm', clock, checkOnly)]]);

interface JobParams {
  user: string;
  id: string;
}

function jobsOf(ctx: HomeContext): JobsClient {
  if (ctx.jobs === undefined) throw new HttpError(501, 'NotImplemented', 'this gateway keeps files on its own disk and has no peer on the ring, so it runs no jobs service');
  const c = ctx.jobs();
  if (!c) throw new HttpError(503, 'ServiceUnavailable', 'the gateway\'s peer is not on the ring yet; retry shortly');
  return c;
}

async function readBody(req: FastifyRequest, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > maxBytes) throw new HttpError(400, 'InvalidArgument', `the job is more than ${maxBytes} bytes long`);
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** POST or PUT /:user/jobs: check the job, make its directories, create it at its keeper. */
export async function createJob(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user } = req.params as { user: string };
  const jobs = jobsOf(ctx);
  const job = parseJobJson(await readBody(req, MAX_JOB_BODY_BYTES), executors);
  const wire = JSON.stringify(job.spec).length;
  if (wire > MAX_JOB_WIRE_CHARS) throw new InvalidArgumentError(`phases: the job's phases come to ${wire} characters, at most ${MAX_JOB_WIRE_CHARS}`);
  const id = randomUUID();
  for (let p = 0; p < job.phases.length; p++) await ctx.fs.mkdir(phaseDir(user, id, p), { parents: true });
  await ctx.fs.mkdir(reportsDir(user), { parents: true });
  await jobs.create(id, user, job.spec);
  reply.code(201).header('location', `/${user}/jobs/${id}`);
  return { id };
}

/** POST …/live/in: input paths, one a line, streamed to the keeper in batches. */
export async function addInputs(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user, id } = req.params as JobParams;
  const jobs = jobsOf(ctx);
  let batch: string[] = [];
  let inputs = (await jobs.status(id, user)).inputs;
  const flush = async () => {
    if (batch.length > 0) inputs = await jobs.inputs(id, user, batch, inputs);
    batch = [];
  };
  const add = async (raw: string) => {
    const path = raw.trim();
    if (path === '') return;
    if (path.length > MAX_INPUT_PATH_CHARS) throw new InvalidArgumentError(`input path longer than ${MAX_INPUT_PATH_CHARS} characters: ${path.slice(0, 80)}…`);
    if (!path.startsWith(`/${user}/`)) throw new HttpError(403, 'Forbidden', `input ${path.slice(0, 200)} is not a path of ${user}'s (inputs are absolute paths under /${user}/)`);
    batch.push(path);
    if (batch.length >= MAX_INPUTS_PER_REQUEST) await flush();
  };
  let carry = '';
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    const lines = (carry + chunk.toString('utf8')).split('\n');
    carry = lines.pop()!;
    if (carry.length > MAX_INPUT_PATH_CHARS * 4) throw new InvalidArgumentError('an input line is too long');
    for (const l of lines) await add(l);
  }
  await add(carry);
  await flush();
  reply.code(200);
  return { inputs };
}

export async function endInputs(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user, id } = req.params as JobParams;
  await jobsOf(ctx).end(id, user);
  return reply.code(204).send();
}

export async function cancelJob(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user, id } = req.params as JobParams;
  await jobsOf(ctx).cancel(id, user);
  return reply.code(204).send();
}

export async function jobStatus(ctx: HomeContext, req: FastifyRequest): Promise<JobStatus> {
  const { user, id } = req.params as JobParams;
  return jobsOf(ctx).status(id, user);
}

/** Every item of one kind, a page at a time from the keeper. */
async function* allResults(jobs: JobsClient, id: string, user: string, kind: ResultKind, max = Number.MAX_SAFE_INTEGER): AsyncGenerator<string> {
  let n = 0;
  for (let from: number | undefined = 0; from !== undefined && n < max; ) {
    const page: { items: string[]; next?: number } = await jobs.results(id, user, kind, from, RESULTS_PAGE);
    for (const item of page.items) if (n++ < max) yield item;
    from = page.next;
  }
}

/** GET …/live/in, out, err, fail: one item a line (JSON lines for errors), streamed. */
export function liveResults(kind: ResultKind) {
  return async (ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { user, id } = req.params as JobParams;
    const jobs = jobsOf(ctx);
    const it = allResults(jobs, id, user, kind);
    // The first page is awaited here, so a job that does not exist is a 404, not a cut stream.
    const first = await it.next();
    reply.type(kind === 'err' ? 'application/x-json-stream' : 'text/plain; charset=utf-8');
    async function* lines(): AsyncGenerator<string> {
      if (first.done) return;
      yield first.value + '\n';
      for await (const item of it) yield item + '\n';
    }
    return reply.send(Readable.from(lines()));
  };
}

/** GET /:user/jobs?state=: the user's jobs (their directories), each one's status and creation time, newest first. */
export async function listJobs(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user } = req.params as { user: string };
  const state = (req.query as { state?: string }).state;
  const jobs = jobsOf(ctx);
  const ids: string[] = [];
  const created = new Map<string, number>();
  try {
    for (let marker: string | undefined; ids.length < MAX_LISTED_JOBS; ) {
      const page = await ctx.fs.list(`/${user}/jobs`, { limit: 256, ...(marker !== undefined && { marker }) });
      for (const e of page.entries) if (e.type === 'directory') created.set(e.name, e.mtimeMs);
      ids.push(...page.entries.filter((e) => e.type === 'directory').map((e) => e.name));
      if (page.next === undefined) break;
      marker = page.next;
    }
  } catch (e) {
    if (errorCode(e) !== 'NOT_FOUND') throw e;
  }
  const statuses: Array<JobStatus & { timeCreated: string }> = [];
  const queue = ids.slice(0, MAX_LISTED_JOBS);
  await Promise.all(Array.from({ length: STATUS_CONCURRENCY }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const s = await jobs.status(id, user).catch(() => undefined);
      if (s !== undefined && (state === undefined || s.state === state)) statuses.push({ ...s, timeCreated: new Date(created.get(id) ?? 0).toISOString() });
    }
  }));
  // Newest first, as a developer looks for the job just started.
  statuses.sort((a, b) => (a.timeCreated > b.timeCreated ? -1 : a.timeCreated < b.timeCreated ? 1 : a.id < b.id ? -1 : 1));
  reply.header('content-type', 'application/x-json-stream');
  return reply.send(Buffer.from(statuses.map((s) => JSON.stringify(s) + '\n').join('')));
}

/**
 * GET /:user/jobs-reports/:id: the job's report. A finished job's is the record its keeper archived
 * in storage when it ended (it outlives the keeper's memory of the job, and the user may delete
 * it); a running job's is assembled from its keeper now.
 */
export async function jobReport(ctx: HomeContext, req: FastifyRequest): Promise<unknown> {
  const { user, id } = req.params as JobParams;
  const jobs = jobsOf(ctx);
  checkJobId(id);
  try {
    const { body } = await ctx.fs.get(reportPath(user, id));
    const parts: Uint8Array[] = [];
    for await (const part of body) parts.push(part);
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
  } catch (e) {
    if (errorCode(e) !== 'NOT_FOUND') throw e;
  }
  const status = await jobs.status(id, user);
  if (status.state !== 'running') throw new NotFoundError(`the archived report of job ${id} (deleted, or it could not be stored)`);
  const collect = async (kind: ResultKind) => {
    const out: string[] = [];
    for await (const item of allResults(jobs, id, user, kind, MAX_REPORT_ITEMS)) out.push(item);
    return out;
  };
  const [inputs, outputs, errors, failures] = await Promise.all((['in', 'out', 'err', 'fail'] as const).map(collect));
  return { job: status, directory: jobDir(user, id), inputs, outputs, errors: errors!.map((e) => JSON.parse(e) as unknown), failures };
}

/** DELETE /:user/jobs-reports/:id: remove a finished job's archived report (the job's outputs stay). */
export async function deleteJobReport(ctx: HomeContext, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { user, id } = req.params as JobParams;
  jobsOf(ctx);
  checkJobId(id);
  await ctx.fs.rm(reportPath(user, id));
  return reply.code(204).send();
}

function checkJobId(id: string): void {
  if (!/^[0-9a-z-]{1,64}$/.test(id)) throw new InvalidArgumentError(`job id ${id.slice(0, 80)} is not one`);
}

/** The path of a job's output named under …/stor/, checked so that it stays in the job's directory. */
export function outputFilePath(req: FastifyRequest): string {
  const { user, id, '*': rest = '' } = req.params as JobParams & { '*'?: string };
  checkJobId(id);
  if (!/^[A-Za-z0-9._/-]{0,256}$/.test(rest) || rest.split('/').some((s) => s === '.' || s === '..')) throw new InvalidArgumentError(`output path ${rest.slice(0, 80)} is not one of a job's`);
  return `${jobDir(user, id)}/stor${rest === '' ? '' : `/${rest.replace(/\/$/, '')}`}`;
}
