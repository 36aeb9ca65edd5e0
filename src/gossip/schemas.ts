// Body schemas of the gossip operations (service 'gossip'). Every body is checked against its
// schema on receipt, before any handler reads it; every list has a cap and every number a range.
import { Type, type Static } from '@sinclair/typebox';
import { PeerIdHex } from '../core/envelope.js';
import { ATTRIBUTE_NAMES } from './attributes.js';
import { COUNT_INSTANCES, MAX_EPOCH_AGE_MS, MAX_AGE, MAX_WIRE_ENTRIES, PROBES_PER_QUANTILE, SLICE_QUANTILES } from './constants.js';

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

/** A fraction: masses and averaged indicators never leave [0, 1]. */
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
/** Tickets are uniform draws in [0, 1); the lowest tickets of an epoch lead its counting instances. */
const Ticket = Type.Number({ minimum: 0, maximum: 1 });
/** Probe positions in log1p space: ln(1 + value), below 64 for any attribute limit. */
const LogValue = Type.Number({ minimum: 0, maximum: 64 });
const PROBES = SLICE_QUANTILES.length * PROBES_PER_QUANTILE;

/**
 * 'agg' and 'agg-rep': one push-pull averaging exchange. `avg` and `max` hold one number per
 * attribute (the attribute limits are applied by the receiver, see attributes.ts); `count` the
 * counting instances by ticket; `slice` the epoch's slicing instance: its ticket, the probe
 * positions its leader chose and the averaged indicators "value below probe".
 */
export const AggMsg = Type.Object(
  {
    n: Nonce,
    epoch: Type.Integer({ minimum: 0, maximum: 2 ** 40 }),
    /** How long ago the sender's epoch began, so that a peer catching up ends it when the others do. */
    ageMs: Type.Integer({ minimum: 0, maximum: MAX_EPOCH_AGE_MS }),
    avg: Type.Array(Type.Number({ minimum: 0 }), { minItems: ATTRIBUTE_NAMES.length, maxItems: ATTRIBUTE_NAMES.length }),
    max: Type.Array(Type.Number({ minimum: 0 }), { minItems: ATTRIBUTE_NAMES.length, maxItems: ATTRIBUTE_NAMES.length }),
    count: Type.Array(Type.Object({ t: Ticket, c: Fraction }, { additionalProperties: false }), { maxItems: COUNT_INSTANCES }),
    /**
     * The sender joined this epoch late (LATE_JOIN_MS): it copies the states it meets and is not
     * mixed into them, so its partner neither absorbs its request nor settles on its reply.
     */
    passive: Type.Optional(Type.Boolean()),
    slice: Type.Object(
      {
        t: Ticket,
        probes: Type.Array(LogValue, { minItems: PROBES, maxItems: PROBES }),
        below: Type.Array(Fraction, { minItems: PROBES, maxItems: PROBES }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AggMsg = Static<typeof AggMsg>;
