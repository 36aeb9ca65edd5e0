// Every constant of the slices service, with its unit and the reason for its value.

/** The service name slice messages carry in their envelope. */
export const SLICES_SVC = 'slices';
/** The ring key whose owner keeps the slice directory: one keeper for every slice of the cloud. */
export const DIRECTORY_KEY_NAME = 'cumulus/slices';

/** Slices a cloud holds: the directory lists them all in one answer. */
export const MAX_SLICES = 64;
/** Members of one slice: a record (40 hex characters a member) stays far inside a 64 KiB frame. */
export const MAX_SLICE_SIZE = 256;
/** Characters of a slice's name. */
export const MAX_NAME_CHARS = 63;

/** Period of the keeper's repair pass: probe every member, replace the lost, release the extra. */
export const REPAIR_PERIOD_MS = 5_000;
/** A probe or join not answered within this counts as failed. */
export const RPC_TIMEOUT_MS = 3_000;
/**
 * A member that hears nothing from the keeper for this long leaves its slice on its own, so a
 * member the keeper gave up on (unreachable, not dead) is free again before long: three repair
 * passes and their probes' timeouts.
 */
export const MEMBER_LEASE_MS = 3 * (REPAIR_PERIOD_MS + RPC_TIMEOUT_MS);
/**
 * Probes and asks a keeper has in flight at once, over all slices: a bound on its fan-out. A pass
 * over 20 slices of 100 members at 40 ms a round trip takes about 1.3 s of probing at this width.
 */
export const MAX_PROBES_IN_FLIGHT = 64;
/**
 * Candidates a keeper asks to join per slice and pass: twice what a slice lacks (divided by its
 * top fraction), at most this; asked in rounds of at most MAX_PROBES_IN_FLIGHT at once, so a pass
 * ends within 8 rounds of RPC_TIMEOUT_MS.
 */
export const MAX_JOIN_ASKS_PER_PASS = 256;
/** Peers of its sample a member or candidate names in each answer to the keeper. */
export const MAX_SHARED_PEERS = 8;
/** Candidates the keeper remembers from those answers, newest first. */
export const MAX_POOL_PEERS = 512;
/** Successors of the keeper that hold a copy of each record, to take over when it is gone. */
export const REPLICA_SUCCESSORS = 2;

/**
 * Period of a member's ring exchange (T-Man, ring.ts): one request and one answer per member and
 * period, 0.8 messages per member per second; a crashed neighbour is replaced within a few.
 */
export const RING_PERIOD_MS = 2_500;
/** Members a member's ring view keeps on each side: its nearest successors and predecessors. */
export const RING_SIDE = 3;
/**
 * Age (periods and hops) past which an entry of the ring view is dropped: a neighbour's entry is
 * renewed at age 1 every other period at least, and so stays at 3 or below.
 */
export const MAX_RING_AGE = 6;
/**
 * Members on each side of a member in the keeper's id-ordered list that the keeper hands it at
 * every probe: its ring neighbours as the keeper knows them, so the ring is right after one pass
 * however the slice grew, and the members' own exchanges only have to keep it right between passes.
 */
export const RING_NEIGHBOUR_SEEDS = 2;
/** Random other members the keeper hands a member as well, so a stale neighbour list still meets the slice. */
export const RING_RANDOM_SEEDS = 2;
/** Members one probe names in all (the wire cap of `seeds`). */
export const RING_SEEDS = 2 * RING_NEIGHBOUR_SEEDS + RING_RANDOM_SEEDS;
/** Wire cap on entries of a ring exchange; honest members send at most 2 × RING_SIDE + 1. */
export const MAX_RING_ENTRIES = 16;
