// Counters of a gossip service, read by the simulator and, later, by a peer's status.
export interface GossipCounters {
  /** Gossip messages this peer sent (requests and replies of every gossip protocol). */
  sent: number;
  /** Messages refused at the schema check or from a peer in a different state. */
  refused: number;
}

export function emptyCounters(): GossipCounters {
  return { sent: 0, refused: 0 };
}
