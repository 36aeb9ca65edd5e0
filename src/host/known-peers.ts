// The peers a peer last stood on the ring with, kept in its Store. After a restart it looks for
// them before anything else, so that it finds the ring it left instead of creating one of its own:
// the server's peer uses it (server/own-peer.ts), since it is the one peer that otherwise might
// start a ring while the volunteers' ring goes on without it. What is kept is the peers linked at
// the time (successors, predecessor, fingers and the peers that use us): live peers only, so after
// a graceful shutdown of a whole local cloud (the volunteers leave first) nothing is kept and the
// next start creates a ring at once.
import { bytesToHex, hexToBytes, type PeerId } from '../core/id.js';
import type { Clock, Store, TimerHandle } from '../env/ports.js';

export const KNOWN_PEERS_STORE_KEY = new TextEncoder().encode('cumulus/ring/known-peers');
/** Peers kept: a peer links to about 2 log2 N others; any one of them alive leads back to the ring. */
export const MAX_KNOWN_PEERS = 32;
/**
 * How often the linked peers are compared with what is kept, and written when they changed: a
 * peer killed without warning remembers the ring as it stood at most this long before.
 */
export const KNOWN_PEERS_SAVE_MS = 10_000;
const ID_BYTES = 20;

/** Decode what the store keeps: whole 20-byte ids, at most MAX_KNOWN_PEERS; anything else is ignored. */
export function decodeKnownPeers(bytes: Uint8Array | undefined): PeerId[] {
  if (bytes === undefined || bytes.length % ID_BYTES !== 0 || bytes.length > MAX_KNOWN_PEERS * ID_BYTES) return [];
  const out: PeerId[] = [];
  for (let i = 0; i < bytes.length; i += ID_BYTES) out.push(bytesToHex(bytes.subarray(i, i + ID_BYTES)) as PeerId);
  return [...new Set(out)];
}

export function encodeKnownPeers(peers: readonly PeerId[]): Uint8Array {
  const kept = [...new Set(peers)].slice(0, MAX_KNOWN_PEERS);
  const out = new Uint8Array(kept.length * ID_BYTES);
  kept.forEach((p, i) => out.set(hexToBytes(p), i * ID_BYTES));
  return out;
}

export async function loadKnownPeers(store: Store): Promise<PeerId[]> {
  return decodeKnownPeers(await store.get(KNOWN_PEERS_STORE_KEY));
}

/** Keeps the linked peers in the store while the peer runs: every KNOWN_PEERS_SAVE_MS, and at close. */
export class KnownPeersRecorder {
  private timer: TimerHandle | null = null;
  /** What was last written (null: nothing yet, so the first save always writes). */
  private kept: string | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The peers to keep now, nearest to the ring's upkeep first (successors, predecessor, fingers, other links). */
    private readonly current: () => PeerId[],
  ) {}

  start(): void {
    const tick = () => {
      this.timer = this.clock.setTimer(KNOWN_PEERS_SAVE_MS, tick);
      void this.save().catch(() => undefined);
    };
    this.timer = this.clock.setTimer(KNOWN_PEERS_SAVE_MS, tick);
  }

  /** Write the peers linked now (if they changed), and stop; before the peer leaves the ring. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) this.clock.cancel(this.timer);
    await this.save(true);
  }

  private async save(final = false): Promise<void> {
    if (this.stopped && !final) return;
    const peers = this.current().slice(0, MAX_KNOWN_PEERS);
    const key = peers.join(',');
    if (key === this.kept) return;
    this.kept = key;
    await this.store.put(KNOWN_PEERS_STORE_KEY, encodeKnownPeers(peers));
  }
}
