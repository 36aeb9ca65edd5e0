// Counters of the coordination service, for tests, scenarios and /metrics.

export interface CoordStats {
  grants: number;
  takeovers: number;
  handoffsIn: number;
  handoffsOut: number;
  replicatesSent: number;
  replicationFailures: number;
  conflicts: number;
  /** Replicate attempts a replica refused because its view does not make us the owner. */
  replicasRefused: number;
  /** Confirmations our predecessor refused or did not answer. */
  confirmRefused: number;
  /** Bodies that failed their schema check (answered with an error or dropped). */
  badBodies: number;
  /** Grants that arrived for a request the solicitor no longer waited for. */
  unwantedGrants: number;
  /** Batch frames (several CanIs and Releases to one owner) sent by our solicitor / received by our owner. */
  batchesOut: number;
  batchesIn: number;
}

export function emptyCoordStats(): CoordStats {
  return { grants: 0, takeovers: 0, handoffsIn: 0, handoffsOut: 0, replicatesSent: 0, replicationFailures: 0, conflicts: 0, replicasRefused: 0, confirmRefused: 0, badBodies: 0, unwantedGrants: 0, batchesOut: 0, batchesIn: 0 };
}
