// What the live dashboard's feed sends (src/server/dashboard-feed.ts) and its page reads
// (src/web/dashboard.ts): one JSON snapshot per server-sent event.

export interface JobProgress {
  id: string;
  user: string;
  name?: string;
  state: string;
  /** Tasks done and in all, over every phase; and the tasks running now. */
  done: number;
  tasks: number;
  running: number;
}

export type PeerKind = 'browser' | 'node' | 'server';

export interface RingPoint {
  id: string;
  kind: PeerKind;
  onRing: boolean;
}

export interface DashboardSnapshot {
  tMs: number;
  peers: { connected: number; onRing: number; browsers: number; nodes: number };
  /** Peers that came and went on the hub since the server started. */
  joins: number;
  leaves: number;
  ring: RingPoint[];
  /** Whether `ring` is a sample (more peers than MAX_RING_POINTS). */
  sampled: boolean;
  /** The server's own peer: its id, and its links by role (it stands beside the ring when attached). */
  server: { id: string; attached: boolean; successors: string[]; fingers: string[]; links: string[] } | null;
  /** The server's peer's gossip estimates of the whole cloud (null until its first epoch ends). */
  cloud: { peers: number; storageOfferedBytes: number; storageUsedBytes: number; cores: number; tasksRunning: number } | null;
  jobs: JobProgress[];
  /**
   * Coordination through this server's drop-in gateway: its counters, and its busiest resources
   * (at most MAX_COORD_RESOURCES) with the leases held and the pages queued for each.
   */
  coord: { held: number; requests: number; granted: number; refused: number; resources: CoordResource[] } | null;
}

/** One coordination resource as the drop-in gateway sees it. */
export interface CoordResource {
  name: string;
  capacity: number;
  /** Leases pages hold, and leases kept spare for the next submit. */
  held: number;
  spare: number;
  /** Pages queued at the gateway, and requests out to the resource's owner. */
  waiting: number;
  asking: number;
}

/** Resources a snapshot lists at most: the busiest first. */
export const MAX_COORD_RESOURCES = 16;

