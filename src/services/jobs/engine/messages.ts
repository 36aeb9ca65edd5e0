// Wire bodies of the jobs engine between peers. Every body is checked against its schema on
// receipt (codec.check); nothing past the check looks at unchecked input.
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../../../core/envelope.js';
import { JOURNAL_REPLICAS, MAX_ENTRIES_PER_RUN, MAX_RUNS_PER_FRAME, MAX_SNAPSHOT_BYTES, SNAPSHOT_CHUNK_BYTES } from './constants.js';
import { Entry, JobId, User } from './schemas.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/**
 * Entries of one job's journal, numbered from `from` (the sequence number of the first); `acted`:
 * every replica holds the entries before it, so none of them will ever be cut back.
 */
export const JournalRun = obj({ jobId: JobId, from: Seq, entries: Type.Array(Entry, { minItems: 1, maxItems: MAX_ENTRIES_PER_RUN }), acted: Type.Optional(Seq) });
export type JournalRun = Static<typeof JournalRun>;
/** A chunk of the snapshot of the job's state as of entry `at`, for a replica that lacks the entries before it. */
export const SnapshotRun = obj({
  jobId: JobId,
  at: Seq,
  total: Type.Integer({ minimum: 1, maximum: MAX_SNAPSHOT_BYTES }),
  offset: Type.Integer({ minimum: 0, maximum: MAX_SNAPSHOT_BYTES }),
  bytes: Type.Uint8Array({ minByteLength: 1, maxByteLength: SNAPSHOT_CHUNK_BYTES }),
});
export type SnapshotRun = Static<typeof SnapshotRun>;

/**
 * Keeper → each of its next JOURNAL_REPLICAS successors: journal entries to hold before the keeper
 * acts on them. `targets` is the keeper's replica list, nearest first; a replica checks that its
 * own view puts it there before it acks.
 */
export const JournalBody = obj({
  runs: Type.Array(Type.Union([JournalRun, SnapshotRun]), { minItems: 1, maxItems: MAX_RUNS_PER_FRAME }),
  targets: Type.Array(PeerIdHex, { minItems: 1, maxItems: JOURNAL_REPLICAS }),
});
export type JournalBody = Static<typeof JournalBody>;

export const RUN_REFUSALS = ['not-replica', 'keeper-here', 'refused-entry', 'bad-snapshot'] as const;
/**
 * One answer per run: held through `seq` (the next entry it expects), behind (it needs entries from
 * `seq`), snapshot (it holds the first `offset` bytes of the snapshot as of entry `at`), or refused.
 */
export const RunVerdict = Type.Union([
  obj({ type: Type.Literal('held'), seq: Seq }),
  obj({ type: Type.Literal('behind'), seq: Seq }),
  obj({ type: Type.Literal('snapshot'), at: Seq, offset: Type.Integer({ minimum: 0, maximum: MAX_SNAPSHOT_BYTES }) }),
  obj({ type: Type.Literal('refused'), reason: Type.Union(RUN_REFUSALS.map((r) => Type.Literal(r))) }),
]);
export type RunVerdict = Static<typeof RunVerdict>;
export const ErrorReply = obj({ type: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });
export type ErrorReply = Static<typeof ErrorReply>;
export const JournalReply = Type.Union([obj({ type: Type.Literal('verdicts'), verdicts: Type.Array(RunVerdict, { maxItems: MAX_RUNS_PER_FRAME }) }), ErrorReply]);

const Phase = Type.Integer({ minimum: 0, maximum: 31 });
const Index = Type.Integer({ minimum: 0, maximum: 4_000_000 - 1 });
const Attempt = Type.Integer({ minimum: 1, maximum: 8 });
/** Tasks in one run frame: a worker's queue is at most this deep. */
export const MAX_TASKS_PER_RUN = 64;

/** What a worker needs of a phase to run its tasks (sent once per frame, not per task). */
export const RunPhase = obj({
  phase: Phase,
  exec: Type.String({ minLength: 1, maxLength: 16 * 1024 }),
  timeoutMs: Type.Integer({ minimum: 1, maximum: 24 * 3600 * 1000 }),
  memoryBytes: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  outputBytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  type: Type.Union([Type.Literal('map'), Type.Literal('reduce')]),
  /** Partitions the output is cut into: the next phase's reducers when it is a reduce, else 1. */
  partitions: Type.Integer({ minimum: 1, maximum: 1024 }),
  /** The next phase is a reduce: each partition's first copy goes to the owner of its key (keys.ts). */
  feedsReduce: Type.Optional(Type.Boolean()),
  /** This phase's reducers (1 for a map): a reducer of several reads its partition of each source. */
  count: Type.Integer({ minimum: 1, maximum: 1024 }),
  /** The exec's kind when it is not 'builtin', and the paths of its assets (a js or wasm task's module first). */
  kind: Type.Optional(Type.Union([Type.Literal('js'), Type.Literal('wasm')])),
  assets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 16 })),
});
export type RunPhase = Static<typeof RunPhase>;
/** One attempt of a task; `input` is its input's path (a map task) or its partition's name (a reducer). */
export const RunTask = obj({ phase: Phase, index: Index, attempt: Attempt, input: Type.String({ minLength: 1, maxLength: 1024 }) });
export type RunTask = Static<typeof RunTask>;
/** Keeper → worker: run these attempts and answer each to the job's key. */
export const RunBody = obj({ jobId: JobId, user: User, phases: Type.Array(RunPhase, { minItems: 1, maxItems: 32 }), tasks: Type.Array(RunTask, { minItems: 1, maxItems: MAX_TASKS_PER_RUN }) });
export type RunBody = Static<typeof RunBody>;
/** The worker took the tasks (`depth`: how many it wants queued, from its speed) or is full. */
/** A worker's answer to a `run` frame: taken, full for now, or a peer that runs no tasks at all (no-tasks.ts). */
export const RunReply = Type.Union([obj({ type: Type.Literal('accepted'), depth: Type.Integer({ minimum: 1, maximum: MAX_TASKS_PER_RUN }) }), obj({ type: Type.Literal('busy') }), obj({ type: Type.Literal('no-tasks') }), ErrorReply]);
/** `no-tasks`, one way over a new link: the sender runs no tasks (no-tasks.ts); it carries nothing. */
export const NoTasksBody = obj({});

export const TaskReport = Type.Union([
  obj({
    outcome: Type.Literal('ok'),
    bytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    /** A map task's input bytes, and of those the ones its worker held itself (the keeper's locality figure). */
    inputBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    localBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    /** How long the task ran on its worker (input, exec, output), as the worker measured it. */
    runMs: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  }),
  obj({
    outcome: Type.Union([Type.Literal('exit'), Type.Literal('limit'), Type.Literal('timeout'), Type.Literal('error'), Type.Literal('not-found')]),
    exitCode: Type.Integer({ minimum: 0, maximum: 255 }),
    message: Type.String({ maxLength: 1024 }),
    stderr: Type.String({ maxLength: 4096 }),
  }),
]);
export type TaskReport = Static<typeof TaskReport>;
/** How one attempt ended. */
export const Answer = obj({ phase: Phase, index: Index, attempt: Attempt, report: TaskReport });
export type Answer = Static<typeof Answer>;
/** Answers a worker sends in one frame: the attempts of one job that ended while its last frame was out. */
export const MAX_ANSWERS_PER_FRAME = 64;
/** Worker → the owner of the job's key: how these attempts ended. */
export const DoneBody = obj({ jobId: JobId, answers: Type.Array(Answer, { minItems: 1, maxItems: MAX_ANSWERS_PER_FRAME }) });
export type DoneBody = Static<typeof DoneBody>;
/** recorded: journaled; ignored: a late or second answer (stale, duplicate). */
export const Verdict = Type.Union([obj({ type: Type.Literal('recorded') }), obj({ type: Type.Literal('ignored'), reason: Type.String({ maxLength: 32 }) })]);
export type Verdict = Static<typeof Verdict>;
/** One verdict per answer, in order; not-keeper: try the key again later. */
export const DoneReply = Type.Union([
  obj({ type: Type.Literal('verdicts'), verdicts: Type.Array(Verdict, { maxItems: MAX_ANSWERS_PER_FRAME }) }),
  obj({ type: Type.Literal('not-keeper') }),
  ErrorReply,
]);
