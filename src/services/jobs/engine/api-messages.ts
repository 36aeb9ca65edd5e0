// Wire bodies of the jobs engine's client operations: a gateway (or any peer) asks the keeper of a
// job, the owner of hash(job ‖ id), to create it, take inputs, end them, cancel it, and tell its
// status and results; a worker asks it which outputs feed a reducer. Every body is checked against
// its schema on receipt; the job itself is checked field by field by job.ts.
import { Type, type Static } from '@sinclair/typebox';
import { MAX_INPUT_PATH_CHARS, MAX_PHASES, MAX_TASKS_PER_JOB } from './constants.js';
import { JobId, User } from './schemas.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Index = Type.Integer({ minimum: 0, maximum: MAX_TASKS_PER_JOB });

/** Input paths in one `inputs` request: two journal entries' worth, well inside a frame. */
export const MAX_INPUTS_PER_REQUEST = 32;
/** Items one `results` answer carries at most, and its budget of characters within the 64 KiB frame. */
export const MAX_RESULTS_PER_PAGE = 1024;
export const RESULTS_PAGE_CHARS = 40 * 1024;
/** Workers a status names at most. */
export const MAX_STATUS_WORKERS = 64;
/** (index, attempt) pairs one `sources` answer carries at most. */
export const MAX_SOURCES_PER_PAGE = 4096;

/** The job travels as the client sent it (a decoded JSON value); job.ts checks every field. */
export const CreateBody = obj({ jobId: JobId, user: User, job: Type.Unknown() });
/** `first`: the index the client means the first path to get, so that a retry of a request that landed adds nothing twice. */
export const InputsBody = obj({ jobId: JobId, user: User, first: Type.Optional(Index), paths: Type.Array(Type.String({ minLength: 1, maxLength: MAX_INPUT_PATH_CHARS }), { minItems: 1, maxItems: MAX_INPUTS_PER_REQUEST }) });
/** end, status, cancel: the job and whose it is. */
export const JobRef = obj({ jobId: JobId, user: User });
export type JobRef = Static<typeof JobRef>;
export const RESULT_KINDS = ['in', 'out', 'err', 'fail'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];
export const ResultsBody = obj({
  jobId: JobId,
  user: User,
  kind: Type.Union(RESULT_KINDS.map((k) => Type.Literal(k))),
  from: Index,
  limit: Type.Integer({ minimum: 1, maximum: MAX_RESULTS_PER_PAGE }),
});
export type ResultsBody = Static<typeof ResultsBody>;
/** A reducer's sources: the committed tasks of the phase before it, from an index on. */
export const SourcesBody = obj({ jobId: JobId, phase: Type.Integer({ minimum: 1, maximum: MAX_PHASES - 1 }), from: Index });

export const PhaseStatus = obj({
  type: Type.Union([Type.Literal('map'), Type.Literal('reduce')]),
  tasks: Count,
  pending: Count,
  running: Count,
  done: Count,
  errors: Count,
  /**
   * Medians of the phase's recent committed tasks (since this keeper took the job): from assignment
   * to answer as the keeper saw it (the worker's queue included), and the run on the worker alone
   * (reading the input, the exec, storing the output).
   */
  tookMsP50: Type.Optional(Count),
  runMsP50: Type.Optional(Count),
});
export type PhaseStatus = Static<typeof PhaseStatus>;
export const JOB_STATES = ['running', 'done', 'cancelled'] as const;
export type JobStateName = (typeof JOB_STATES)[number];
export const JobStatus = obj({
  id: JobId,
  name: Type.Optional(Type.String({ maxLength: 256 })),
  state: Type.Union(JOB_STATES.map((s) => Type.Literal(s))),
  inputDone: Type.Boolean(),
  inputs: Count,
  outputs: Count,
  errors: Count,
  retries: Count,
  /** Speculative copies of stragglers given to idle workers. */
  speculative: Type.Optional(Count),
  phases: Type.Array(PhaseStatus, { maxItems: MAX_PHASES }),
  /** The peer that keeps the job now, and how many keepers took it over from a dead one. */
  keeper: Type.String({ maxLength: 40 }),
  failovers: Count,
  /** Input bytes the map tasks read, and of those the ones read from the worker's own store (since this keeper took the job). */
  inputBytes: Count,
  localInputBytes: Count,
  /** The peers with attempts of this job out now, and how many each (at most MAX_STATUS_WORKERS of them). */
  workers: Type.Array(obj({ peer: Type.String({ maxLength: 40 }), running: Count }), { maxItems: 64 }),
});
export type JobStatus = Static<typeof JobStatus>;

const ErrorReply = obj({ type: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });
export const OkReply = Type.Union([obj({ type: Type.Literal('ok'), inputs: Type.Optional(Count) }), ErrorReply]);
export const StatusReply = Type.Union([obj({ type: Type.Literal('status'), status: JobStatus }), ErrorReply]);
/** Items are output paths (out, in, fail) or JSON texts of errors (err); `next` is where the next page starts. */
export const ResultsReply = Type.Union([
  obj({ type: Type.Literal('results'), items: Type.Array(Type.String({ maxLength: 8 * 1024 }), { maxItems: MAX_RESULTS_PER_PAGE }), next: Type.Optional(Index) }),
  ErrorReply,
]);
/** Pairs flattened: index, attempt, index, attempt… */
export const SourcesReply = Type.Union([
  obj({ type: Type.Literal('sources'), user: User, pairs: Type.Array(Index, { maxItems: 2 * MAX_SOURCES_PER_PAGE }), next: Type.Optional(Index) }),
  ErrorReply,
]);
/** Keeper → worker: stop every task of this job, queued or running. */
export const CancelRunBody = obj({ jobId: JobId });
