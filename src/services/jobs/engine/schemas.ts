// Wire schemas of the jobs engine: the job as it travels (in a created entry) and the journal's
// entries. Every body is checked against these on receipt; nothing past the check looks at
// unchecked input. Task identity is (phase, index): a first-phase map task's index is its input's,
// a later map task's is the index of the task whose output feeds it, a reducer's is its partition.
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../../../core/envelope.js';
import { MAX_EXEC_BYTES } from '../exec/limits.js';
import {
  ERROR_STDERR_BYTES,
  MAX_ASSET_PATH_CHARS,
  MAX_ASSETS,
  MAX_ATTEMPTS,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_INPUT_PATH_CHARS,
  MAX_INPUTS_PER_ENTRY,
  MAX_JOB_NAME_CHARS,
  MAX_MEMORY_MB,
  MAX_PHASES,
  MAX_REDUCERS,
  MAX_TASKS_PER_JOB,
  MAX_TIMEOUT_S,
  MIN_MEMORY_MB,
} from './constants.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });

export const PhaseSpec = obj({
  type: Type.Union([Type.Literal('map'), Type.Literal('reduce')]),
  /** The kind of exec (executor.ts); absent means 'builtin'. */
  kind: Type.Optional(Type.Union([Type.Literal('builtin'), Type.Literal('js'), Type.Literal('wasm')])),
  /** The schema bounds characters; job.ts bounds the UTF-8 bytes, which is the stricter bound. */
  exec: Type.String({ minLength: 1, maxLength: MAX_EXEC_BYTES }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REDUCERS })),
  timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TIMEOUT_S })),
  memory: Type.Optional(Type.Integer({ minimum: MIN_MEMORY_MB, maximum: MAX_MEMORY_MB })),
  assets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: MAX_ASSET_PATH_CHARS }), { maxItems: MAX_ASSETS })),
});
export type PhaseSpec = Static<typeof PhaseSpec>;

export const JobSpec = obj({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_JOB_NAME_CHARS })),
  phases: Type.Array(PhaseSpec, { minItems: 1, maxItems: MAX_PHASES }),
});
export type JobSpec = Static<typeof JobSpec>;

/** A job's id: lower-case letters, digits and dashes (a uuid fits), so it is safe in paths and keys. */
export const JobId = Type.String({ pattern: '^[0-9a-z][0-9a-z-]{0,63}$', minLength: 1, maxLength: 64 });
export const User = Type.String({ minLength: 1, maxLength: 64 });
const Phase = Type.Integer({ minimum: 0, maximum: MAX_PHASES - 1 });
const Index = Type.Integer({ minimum: 0, maximum: MAX_TASKS_PER_JOB - 1 });
const Attempt = Type.Integer({ minimum: 1, maximum: MAX_ATTEMPTS + 1 });
const Bytes = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** How a failed attempt failed: the user's pipeline (not retried) or the system (retried while attempts remain). */
export const FAILURE_KINDS = ['exit', 'limit', 'timeout', 'error', 'lost', 'not-found'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export const Entry = Type.Union([
  /** The job, as created: the first entry of every journal. */
  obj({ t: Type.Literal('created'), user: User, job: JobSpec }),
  /** A new keeper took the job over (the first keeper's is implicit); it counts failovers and fences stale keepers. */
  obj({ t: Type.Literal('keeper'), peer: PeerIdHex }),
  /** Input paths, numbered from `first` on; first-phase map tasks follow them one to one. */
  obj({ t: Type.Literal('inputs'), first: Index, paths: Type.Array(Type.String({ minLength: 1, maxLength: MAX_INPUT_PATH_CHARS }), { minItems: 1, maxItems: MAX_INPUTS_PER_ENTRY }) }),
  obj({ t: Type.Literal('inputs-end') }),
  /** An attempt of a task given to a worker; `speculative` when the task has a running attempt already. */
  obj({ t: Type.Literal('assigned'), phase: Phase, index: Index, attempt: Attempt, worker: PeerIdHex, speculative: Type.Boolean() }),
  /** The attempt's output is the task's output: its object is named by (job, phase, index, attempt). */
  obj({ t: Type.Literal('committed'), phase: Phase, index: Index, attempt: Attempt, bytes: Bytes }),
  /** The attempt failed; `final` when the task will not be tried again (it goes to the job's errors). */
  obj({
    t: Type.Literal('failed'),
    phase: Phase,
    index: Index,
    attempt: Attempt,
    kind: Type.Union(FAILURE_KINDS.map((k) => Type.Literal(k))),
    final: Type.Boolean(),
    exitCode: Type.Integer({ minimum: 0, maximum: 255 }),
    message: Type.String({ maxLength: MAX_ERROR_MESSAGE_CHARS }),
    stderr: Type.String({ maxLength: ERROR_STDERR_BYTES }),
  }),
  obj({ t: Type.Literal('phase-done'), phase: Phase }),
  obj({ t: Type.Literal('cancelled') }),
  obj({ t: Type.Literal('job-done') }),
]);
export type Entry = Static<typeof Entry>;
export type EntryOf<T extends Entry['t']> = Extract<Entry, { t: T }>;
