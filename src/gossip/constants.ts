// Every constant of the gossip layer, with its unit and the reason for its value. The budget the
// protocols share is about 2 messages per peer per second (issue 23): a shuffle every
// SHUFFLE_PERIOD_MS costs 2 messages per period, an aggregation exchange every EXCHANGE_PERIOD_MS
// costs 2 more.

/** The service name gossip messages carry in their envelope. */
export const GOSSIP_SVC = 'gossip';

/** Entries a peer's sample (Cyclon view) holds: enough for random partners, small enough to shuffle. */
export const VIEW_SIZE = 20;
/** Entries exchanged in one shuffle (Cyclon's l): a third of the view, so a view renews in a few periods. */
export const SHUFFLE_LENGTH = 8;
/** Period of a peer's shuffles: 0.2 messages per peer per second, and a view renewed every minute or so. */
export const SHUFFLE_PERIOD_MS = 10_000;
/**
 * A peer's first WARMUP_SHUFFLES shuffles come every WARMUP_SHUFFLE_PERIOD_MS: a view starts from
 * the ring's neighbours, and averaging over such local views mixes slowly (peers started together
 * showed a first size estimate 16% off at the median peer at 3,000 peers, 57% at 10,000). Twelve
 * seconds of faster shuffles make the views random before the first counting epoch ends.
 */
export const WARMUP_SHUFFLES = 6;
export const WARMUP_SHUFFLE_PERIOD_MS = 2_000;
/** Wire cap on entries in a shuffle message; honest peers send SHUFFLE_LENGTH. */
export const MAX_WIRE_ENTRIES = 32;
/** Ages above this are clamped on receipt: an entry that old is dead anyway, and ages stay small integers. */
export const MAX_AGE = 1_000;
/** Shuffles a peer may have in flight: one per period, so an unanswered one is forgotten at the next. */
export const MAX_PENDING_SHUFFLES = 2;

/**
 * Period of a peer's aggregation exchanges (push-pull averaging): 2 messages per exchange, 1.33
 * messages per peer per second, leaving room for the shuffles under the budget of 2.
 */
export const EXCHANGE_PERIOD_MS = 1_500;
/**
 * Exchanges per epoch. Push-pull averaging cuts the variance by about 1/(2 sqrt e) = 0.30 per
 * round; counting starts from variance N (one peer holds all the mass), so 100,000 peers need 17
 * rounds to reach 1%; 20 leave room for the leaders' tickets to spread first.
 */
export const EXCHANGES_PER_EPOCH = 20;
/** An epoch: the estimates every peer shows are those of the last epoch it finished. */
export const EPOCH_MS = EXCHANGE_PERIOD_MS * EXCHANGES_PER_EPOCH;
/**
 * A peer that joins an epoch later than this after it began (a newcomer, or one that fell behind)
 * is passive in it: it copies the states it meets and nobody averages with it. A peer entering
 * with no mass late in an epoch would otherwise halve the counting mass of each peer it meets
 * after the others stopped mixing, and those peers would show twice the size.
 */
export const LATE_JOIN_MS = EPOCH_MS / 4;
/** Wire cap on an epoch's age: an epoch is over after EPOCH_MS; twice that allows for late timers. */
export const MAX_EPOCH_AGE_MS = 2 * EPOCH_MS;
/**
 * Exchanges a peer must have made in an epoch before it shows that epoch's results: a peer that
 * joined the cloud (or the epoch) late has not mixed enough to know the totals.
 */
export const MIN_EXCHANGES_TO_SHOW = EXCHANGES_PER_EPOCH / 2;
/**
 * Counting instances a peer carries: the lowest tickets of an epoch each start one. The size is
 * the median of their estimates, so one leader crashing early (its mass gone) does not skew it.
 */
export const COUNT_INSTANCES = 3;
/** Exchanges a peer may have in flight: one per period; a reply later than the next is dropped. */
export const MAX_PENDING_EXCHANGES = 2;

/** Decile thresholds ordered slicing locates (0.1 … 0.9). */
export const SLICE_QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;
/**
 * Probes per quantile per epoch: each epoch narrows a quantile's bracket to one of PROBES+1
 * parts, so a bracket over the whole log range (about 21 units) is below 0.001 in 5 epochs.
 */
export const PROBES_PER_QUANTILE = 7;
