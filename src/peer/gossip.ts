// The gossip layer of a peer: peer sampling and aggregation over the base ring, fed with what the
// peer really offers (the cores its host reports, the storage quota it lends and what it holds,
// how long it has been up, the tasks its jobs worker runs now), and the slices service drawing
// its candidates from the sample.
import type { Clock, Rng } from '../env/ports.js';
import type { RingPort } from '../overlay/port.js';
import { SLICE_ATTRIBUTE, type AttributeName, type Attributes } from '../gossip/attributes.js';
import { GossipService } from '../gossip/service.js';
import type { StorageService } from '../services/storage/service.js';
import { SliceService } from '../services/slices/service.js';

export interface PeerGossipOptions {
  /** CPU cores this peer offers (its host knows: os.availableParallelism, navigator.hardwareConcurrency). */
  cores: number;
  /** The attribute deciles and `--top` selections rank peers by (uptime when absent). */
  sliceBy?: AttributeName;
}

/** What the peer's other services report to gossip, read at the start of every epoch. */
export interface GossipSources {
  storage: () => StorageService | null;
  /** Tasks the peer's jobs worker runs now (0 on a peer that is no worker). */
  tasksRunning: () => number;
}

export function startGossip(
  ring: RingPort, clock: Clock, rng: Rng, opts: PeerGossipOptions, sources: GossipSources,
): { gossip: GossipService; slices: SliceService } {
  const startedMs = clock.now();
  const attributes = (): Attributes => {
    const holder = sources.storage()?.holder.store;
    return {
      cores: opts.cores,
      storageOfferedBytes: holder?.quotaBytes ?? 0,
      storageUsedBytes: holder?.used ?? 0,
      tasksRunning: sources.tasksRunning(),
      uptimeS: (clock.now() - startedMs) / 1000,
    };
  };
  const sliceBy = opts.sliceBy ?? SLICE_ATTRIBUTE;
  const gossip = new GossipService({ ring, clock, rng: rng.fork('gossip'), attributes, sliceBy });
  const slices = new SliceService({ ring, clock, rng: rng.fork('slices'), gossip, sliceBy });
  return { gossip, slices };
}
