// Waiting for a local cloud (the server's peer and volunteer processes on one machine, as
// `cumulus up` and the benches start them) to agree on its ring before it is used: while a
// joining volunteer still moves keys, a first write could land at one owner and the next read
// look at another.
import type { PeerId } from '../core/id.js';
import type { PeerStatus } from '../peer/peer.js';
import { ringConsistent } from '../peer/ring-view.js';
import { fullStatus } from './peer-status.js';
import type { RunningPeer } from './start-peer.js';
import type { VolunteerProcess } from './volunteer-process.js';

/**
 * Longest wait for a local cloud of up to a few dozen processes to form a consistent ring: joins
 * settle in seconds on an idle machine, and a loaded two-core machine takes many times that.
 */
export const LOCAL_RING_CONVERGE_MS = 60_000;
/** How often the peers are asked for their status while waiting. */
const POLL_MS = 200;

/**
 * Ask for every peer's status until their successors and predecessors are the true ones (true),
 * or timeoutMs has passed (false). A status request that fails counts as not yet. `alsoOnRing`
 * names peers known to be on the ring whose status we cannot ask (see checkStatuses).
 */
export async function waitForConsistentRing(statuses: () => Promise<PeerStatus[]>, timeoutMs = LOCAL_RING_CONVERGE_MS, pollMs = POLL_MS, alsoOnRing: () => PeerId[] = () => []): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await statuses().then((s) => ringConsistent(s, alsoOnRing()), () => false)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * The statuses of a peer in this process (the server's) and of volunteer processes, as ring-view
 * reads them. A server peer attached beside the ring (overlay/attach.ts) is not on it: it is
 * left out, and the statuses count as not yet (a rejection) until it is linked to the owner of its
 * own id, where every route toward it ends.
 */
export function localStatuses(own: RunningPeer | null, volunteers: readonly VolunteerProcess[]): () => Promise<PeerStatus[]> {
  return async () => {
    const vols = await Promise.all(volunteers.map(async (v) => (await v.request('status')) as PeerStatus));
    if (own === null) return vols;
    if (!own.peer.base.isAttached()) return [fullStatus(own) as unknown as PeerStatus, ...vols];
    if (!attachedInPlace(own, vols)) throw new Error('the server\'s peer is not attached to the owner of its id yet');
    return vols;
  };
}

/** Is own, attached beside the ring, linked to the owner of its id among these peers? */
function attachedInPlace(own: RunningPeer, statuses: readonly PeerStatus[]): boolean {
  const ids = statuses.map((s) => s.id).sort();
  if (ids.length === 0) return false;
  const self = own.peer.id;
  const owner = ids.find((id) => id > self) ?? ids[0]!;
  const succ = own.peer.base.successors()[0];
  return succ === owner && own.peer.base.isLinked(owner);
}

/** p, or a rejection naming what did not happen within ms. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
