// Counters of the jobs engine, for tests, scenarios and /metrics.

export interface JobsStats {
  /** Journal frames sent to replicas, and rounds that did not reach every replica. */
  journalFrames: number;
  journalFailures: number;
  /** Runs a replica refused (not where the keeper thinks, or it keeps the job itself). */
  journalRefused: number;
  journalRefusedBy: Record<string, number>;
  /** Journals a replica cut back to where the present keeper's diverged (a dead keeper's unreplicated tail). */
  journalTruncations: number;
  /** Snapshots sent to replicas that lacked the entries before them (counted when the last chunk is sent), and received whole. */
  snapshotsSent: number;
  snapshotsReceived: number;
  /** Jobs this peer took over from a keeper that is gone. */
  takeovers: number;
  /** Late answers recognised and ignored: from an attempt no longer out, or for a task already committed. */
  staleAnswers: number;
  duplicateAnswers: number;
  /** Attempts the keeper ended itself: timed out, or not taken by their worker. */
  keeperFailures: number;
  /** Outputs this worker's runner removed because their answer was refused for good (another attempt won). */
  discardedOutputs: number;
  /** Outputs of lost attempts this keeper removed when their job ended. */
  sweptOutputs: number;
  /** Job reports that could not be archived in storage when their job ended. */
  archiveFailures: number;
  /** Bodies that failed their schema check. */
  badBodies: number;
}

export function emptyJobsStats(): JobsStats {
  return { journalFrames: 0, journalFailures: 0, journalRefused: 0, journalRefusedBy: {}, journalTruncations: 0, snapshotsSent: 0, snapshotsReceived: 0, takeovers: 0, staleAnswers: 0, duplicateAnswers: 0, keeperFailures: 0, discardedOutputs: 0, sweptOutputs: 0, archiveFailures: 0, badBodies: 0 };
}
