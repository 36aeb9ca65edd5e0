// Wire bodies of the jobs engine between peers. Every body is checked against its schema on
// receipt (codec.check); nothing past the check looks at unchecked input.
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../../../core/envelope.js';
import { JOURNAL_REPLICAS, MAX_ENTRIES_PER_RUN, MAX_RUNS_PER_FRAME } from './constants.js';
import { Entry, JobId } from './schemas.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Entries of one job's journal, numbered from `from` (the sequence number of the first). */
export const JournalRun = obj({ jobId: JobId, from: Seq, entries: Type.Array(Entry, { minItems: 1, maxItems: MAX_ENTRIES_PER_RUN }) });
export type JournalRun = Static<typeof JournalRun>;

/**
 * Keeper → each of its next JOURNAL_REPLICAS successors: journal entries to hold before the keeper
 * acts on them. `targets` is the keeper's replica list, nearest first; a replica checks that its
 * own view puts it there before it acks.
 */
export const JournalBody = obj({
  runs: Type.Array(JournalRun, { minItems: 1, maxItems: MAX_RUNS_PER_FRAME }),
  targets: Type.Array(PeerIdHex, { minItems: 1, maxItems: JOURNAL_REPLICAS }),
});
export type JournalBody = Static<typeof JournalBody>;

export const RUN_REFUSALS = ['not-replica', 'keeper-here', 'refused-entry'] as const;
/** One answer per run: held through `seq` (the next entry it expects), behind (it needs entries from `seq`), or refused. */
export const RunVerdict = Type.Union([
  obj({ type: Type.Literal('held'), seq: Seq }),
  obj({ type: Type.Literal('behind'), seq: Seq }),
  obj({ type: Type.Literal('refused'), reason: Type.Union(RUN_REFUSALS.map((r) => Type.Literal(r))) }),
]);
export type RunVerdict = Static<typeof RunVerdict>;
export const ErrorReply = obj({ type: Type.Literal('error'), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 1024 }) });
export type ErrorReply = Static<typeof ErrorReply>;
export const JournalReply = Type.Union([obj({ type: Type.Literal('verdicts'), verdicts: Type.Array(RunVerdict, { maxItems: MAX_RUNS_PER_FRAME }) }), ErrorReply]);
