// The ring's configuration, with units in every name; defaults come from constants.ts. The link
// budget is not here: the mux's (MuxOptions.maxLinks) is shared by the rings of a peer.
import * as C from './constants.js';

export interface RingConfig {
  /** The base pause between stabilize rounds, and the pace of every other upkeep. */
  stabilizeIntervalMs: number;
  /** The longest pause a settled peer backs off to (see STABILIZE_MAX_INTERVAL_MS); at most 64 base periods. */
  stabilizeMaxIntervalMs: number;
  fixFingersIntervalMs: number;
  checkPredecessorIntervalMs: number;
  successorListSize: number;
  requestTimeoutMs: number;
  maxPendingRequests: number;
  defaultTtl: number;
  seenCacheEntries: number;
  refusedBackoffMs: number;
  /** Join attempts through the bootstrap before join() fails. */
  joinAttempts: number;
}

export const DEFAULT_RING_CONFIG: RingConfig = {
  stabilizeIntervalMs: C.STABILIZE_INTERVAL_MS,
  stabilizeMaxIntervalMs: C.STABILIZE_MAX_INTERVAL_MS,
  fixFingersIntervalMs: C.FIX_FINGERS_INTERVAL_MS,
  checkPredecessorIntervalMs: C.CHECK_PREDECESSOR_INTERVAL_MS,
  successorListSize: C.SUCCESSOR_LIST_SIZE,
  requestTimeoutMs: C.REQUEST_TIMEOUT_MS,
  maxPendingRequests: C.MAX_PENDING_REQUESTS,
  defaultTtl: C.DEFAULT_TTL,
  seenCacheEntries: C.SEEN_CACHE_ENTRIES,
  refusedBackoffMs: C.REFUSED_BACKOFF_MS,
  joinAttempts: C.JOIN_ATTEMPTS,
};
