// Counters a ring keeps about itself; the simulator sums them over peers.
export interface RingStats {
  sent: number;
  sendFailures: number;
  received: number;
  delivered: number;
  duplicates: number;
  ttlExpired: number;
  undeliverable: number;
  unknownOps: number;
  noService: number;
  serviceErrors: number;
  badBodies: number;
  successorFailures: number;
  predecessorFailures: number;
  /** Lookups of our own place (see relocate.ts). */
  relocations: number;
  /** Lookups tried a second time after a timeout or a missing route. */
  lookupRetries: number;
  /** Finger searches we answered by linking to the searcher (see fingers/answer.ts). */
  fingerOffers: number;
  /** Of those, answered over the new link (the rest were routed: the link did not come up in time). */
  fingerOffersLinked: number;
  /** Finger searches we had no room for, passed on to our successor because it said it had (see fingers/answer.ts). */
  fingerSearchesPassed: number;
}

export function emptyRingStats(): RingStats {
  return {
    sent: 0, sendFailures: 0, received: 0, delivered: 0, duplicates: 0, ttlExpired: 0, undeliverable: 0, unknownOps: 0,
    noService: 0, serviceErrors: 0, badBodies: 0, successorFailures: 0, predecessorFailures: 0, relocations: 0, lookupRetries: 0,
    fingerOffers: 0, fingerOffersLinked: 0, fingerSearchesPassed: 0,
  };
}
