// Where a peer's scheduler places tasks on a real ring: a first-phase map task goes to the peer
// that holds the most of its input's bytes (storage's record lists each chunk's holders), a
// reducer to the owner of its partition's key (which holds a copy of every map output of the
// partition, see jobs-runner.ts), any other task to the least loaded worker. The keeper learns the holders when the inputs are added,
// before their tasks exist, so placing a task never waits on storage.
import type { Id, PeerId } from '../core/id.js';
import { pool } from '../core/pool.js';
import { JOBS_SVC } from '../services/jobs/engine/constants.js';
import type { RingPort } from '../overlay/port.js';
import type { StorageClient } from '../services/storage/client.js';
import type { Placement } from '../services/jobs/engine/scheduler.js';
import { partitionOf } from '../services/jobs/engine/paths.js';

/** Inputs whose holders one keeper remembers; the oldest are forgotten past it. */
const MAX_REMEMBERED_INPUTS = 100_000;
/** Inputs stat'ed at once while learning (each is a metadata request to its sKeeper). */
const LEARN_CONCURRENCY = 8;
/** How long a probe for a partition's home may take (the keeper waits for these before placing reducers). */
const HOME_PROBE_MS = 2_000;
/** Holders kept per input, best first. */
const MAX_PREFERRED = 3;

export class RingPlacement implements Placement {
  private readonly holders = new Map<string, PeerId[]>();

  constructor(
    private readonly ring: RingPort,
    private readonly storage: () => StorageClient | null,
  ) {}

  /** The input's holders this peer is linked to now (a crashed peer has lost its links). */
  preferred(input: string): readonly PeerId[] {
    return (this.holders.get(input) ?? []).filter((p) => this.live(p));
  }

  /**
   * This peer, its successors and every peer it is linked to (on a small ring, every peer), but
   * not a peer attached beside the ring. The scheduler also leaves out every peer that said it runs
   * no tasks (engine/no-tasks.ts: the server's peer on the ring, and this one when it is no worker).
   */
  workers(): readonly PeerId[] {
    return [...new Set([this.ring.self, ...this.ring.successors(), ...this.ring.links()])].filter((p) => this.live(p) && !this.ring.isAttachedPeer(p));
  }

  private live(p: PeerId): boolean {
    return p === this.ring.self || this.ring.isLinked(p);
  }

  /**
   * A reducer's home is the owner of its partition key, found by a probe routed to that key (the
   * owner answers it). It is preferred like an input's holder, while it is a linked worker.
   */
  async learnHomes(homes: ReadonlyArray<{ input: string; key: Id }>): Promise<void> {
    await pool(homes, LEARN_CONCURRENCY, async (h) => {
      const owner = await this.ring.request(h.key, JOBS_SVC, 'probe', {}, { timeoutMs: HOME_PROBE_MS }).then((env) => env.src, () => undefined);
      if (owner !== undefined && !this.ring.isAttachedPeer(owner)) this.remember(h.input, [owner]);
    });
  }

  async learn(inputs: readonly string[]): Promise<void> {
    const client = this.storage();
    if (client === null) return;
    await pool(inputs.filter((p) => !this.holders.has(p)), LEARN_CONCURRENCY, async (path) => {
      this.remember(path, await client.stat(path).then((st) => byBytesHeld(path, st), () => []));
    });
  }

  /** Keep an input's preferred peers; the oldest input is forgotten past MAX_REMEMBERED_INPUTS. */
  private remember(input: string, peers: PeerId[]): void {
    if (this.holders.size >= MAX_REMEMBERED_INPUTS) this.holders.delete(this.holders.keys().next().value!);
    this.holders.set(input, peers);
  }
}

/**
 * The holders of a file, most bytes held first (a large file's index is not read: no preference).
 * Holders of as many bytes (every copy of a one-chunk file) are ordered by a hash of the path and
 * the peer, so that each holder comes first for its share of the inputs: ordered by id, the same
 * peer came first for all of them and took every quick task while the other holders sat idle.
 */
function byBytesHeld(path: string, s: Awaited<ReturnType<StorageClient['stat']>>): PeerId[] {
  if (s.kind !== 'file') return [];
  const bytes = new Map<PeerId, number>();
  s.chunks.forEach((c, i) => {
    const size = Math.min(s.chunkBytes, s.size - i * s.chunkBytes);
    for (const h of c.holders) bytes.set(h, (bytes.get(h) ?? 0) + size);
  });
  const rank = (p: PeerId) => partitionOf(new TextEncoder().encode(`${path}\n${p}`), 0x1_0000_0000);
  return [...bytes].sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_PREFERRED).map(([p]) => p);
}
