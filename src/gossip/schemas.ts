// Body schemas of the gossip operations (service 'gossip'). Every body is checked against its
// schema on receipt, before any handler reads it; every list has a cap and every number a range.
// The shuffle's is a compiled schema; the exchange's, which most messages carry, a check written
// out with the same limits (checkAggMsg).
import { Type, type Static } from '@sinclair/typebox';
import { err, ok, SchemaMismatchError, type Result } from '../core/errors.js';
import { PeerIdHex } from '../core/envelope.js';
import { ATTRIBUTE_NAMES } from './attributes.js';
import { COUNT_INSTANCES, MAX_EPOCH_AGE_MS, MAX_AGE, MAX_WIRE_ENTRIES, SLICE_QUANTILES } from './constants.js';
import { PROBES } from './quantiles.js';

const Nonce = Type.Integer({ minimum: 0, maximum: 0xffffffff });

/** 'shuffle' and 'shuffle-rep': a nonce pairing the reply with its request, and view entries. */
export const ShuffleMsg = Type.Object(
  {
    n: Nonce,
    entries: Type.Array(Type.Object({ p: PeerIdHex, a: Type.Integer({ minimum: 0, maximum: MAX_AGE }) }, { additionalProperties: false }), { maxItems: MAX_WIRE_ENTRIES }),
  },
  { additionalProperties: false },
);
export type ShuffleMsg = Static<typeof ShuffleMsg>;

/** Probe-bracket ends are in log1p space: ln(1 + value), below 64 for any attribute limit. */
const MAX_LOG_VALUE = 64;
const MAX_EPOCH = 2 ** 40;
const MAX_NONCE = 0xffffffff;
const ENDS = 2 * SLICE_QUANTILES.length;

/**
 * 'agg' and 'agg-rep': one push-pull averaging exchange. `avg` and `max` hold one number per
 * attribute (the attribute limits are applied by the receiver, see attributes.ts); `count` the
 * counting instances as (ticket, mass) pairs, lowest ticket first; `sliceT`, `ends` and `below`
 * the epoch's slicing instance: its leader's ticket, the ends of the 9 brackets its leader chose
 * (lo and hi in turn; the probes lie between them, quantiles.ts) and the averaged indicators
 * "value below probe", PROBES_PER_QUANTILE per bracket.
 */
export interface AggMsg {
  n: number;
  epoch: number;
  /** How long ago the sender's epoch began, so that a peer catching up ends it when the others do. */
  ageMs: number;
  /**
   * The sender joined this epoch late (LATE_JOIN_MS): it copies the states it meets and is not
   * mixed into them, so its partner neither absorbs its request nor settles on its reply.
   */
  passive?: boolean;
  avg: number[];
  max: number[];
  count: number[];
  sliceT: number;
  ends: readonly number[];
  below: number[];
}

/** Fields every AggMsg has (all but `passive`): with `passive`, no other field is accepted. */
const AGG_REQUIRED_FIELDS = 9;

const isInt = (x: unknown, max: number): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;
const inRange = (x: unknown, max: number): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= max;

/**
 * Why the list `field` is not `length` numbers in [0, max] (with `even`, an even count of at most
 * `length`), as its path and the reason; null when it is.
 */
function listProblem(field: string, v: unknown, length: number, max: number, even = false): [string, string] | null {
  if (!Array.isArray(v)) return [`/${field}`, 'expected an array'];
  if (even ? v.length > length || v.length % 2 !== 0 : v.length !== length) return [`/${field}`, even ? `expected an even count up to ${length} numbers` : `expected ${length} numbers`];
  for (let i = 0; i < v.length; i++) if (!inRange(v[i], max)) return [`/${field}/${i}`, `expected a number in [0, ${max}]`];
  return null;
}

function refuse(what: string, path: string, reason: string): Result<AggMsg> {
  return err(new SchemaMismatchError(what, path, reason));
}

/**
 * Check an 'agg' or 'agg-rep' body. Written out rather than compiled from a schema because it runs
 * for most gossip messages (1.33 of every peer's 1.53 a second): the same limits a schema would
 * hold (every list's length, every number finite and ranged, no other fields), in one pass.
 */
export function checkAggMsg(v: unknown, what: string): Result<AggMsg> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return refuse(what, '', 'expected a map');
  const m = v as Partial<Record<keyof AggMsg, unknown>>;
  let fields = 0;
  for (const k in m) if (Object.hasOwn(m, k)) fields++;
  if (fields !== AGG_REQUIRED_FIELDS + ('passive' in m ? 1 : 0)) return refuse(what, '', 'unexpected or missing fields');
  if (!isInt(m.n, MAX_NONCE)) return refuse(what, '/n', `expected an integer in [0, ${MAX_NONCE}]`);
  if (!isInt(m.epoch, MAX_EPOCH)) return refuse(what, '/epoch', `expected an integer in [0, ${MAX_EPOCH}]`);
  if (!isInt(m.ageMs, MAX_EPOCH_AGE_MS)) return refuse(what, '/ageMs', `expected an integer in [0, ${MAX_EPOCH_AGE_MS}]`);
  if (m.passive !== undefined && typeof m.passive !== 'boolean') return refuse(what, '/passive', 'expected a boolean');
  if (!inRange(m.sliceT, 1)) return refuse(what, '/sliceT', 'expected a number in [0, 1]');
  // Written out rather than looped over by name: one shape of access each, which V8 keeps fast.
  const problem =
    listProblem('avg', m.avg, ATTRIBUTE_NAMES.length, Number.MAX_VALUE) ??
    listProblem('max', m.max, ATTRIBUTE_NAMES.length, Number.MAX_VALUE) ??
    listProblem('count', m.count, 2 * COUNT_INSTANCES, 1, true) ??
    listProblem('ends', m.ends, ENDS, MAX_LOG_VALUE) ??
    listProblem('below', m.below, PROBES, 1);
  if (problem !== null) return refuse(what, problem[0], problem[1]);
  return ok(m as unknown as AggMsg);
}
