// The ring as an outside observer sees it from the peers' own reports (PeerStatus): whether every
// successor and predecessor is the true one, and who truly owns a key. Benches and tests of real
// peers use it; the simulator reads ChordRing directly with the same checker.
import { idFromHex, inInterval, type Id, type PeerId } from '../core/id.js';
import { checkRing, type RingCheck } from '../overlay/checker.js';
import type { PeerStatus } from './peer.js';

/**
 * The ring checker over peers' reports. The checker itself looks only at peers in place; here a
 * peer that reports itself not joined is a problem too, since an observer asked about all of them.
 * `alsoOnRing` are peers known to stand on the ring whose reports we do not have (a volunteer
 * started by someone else, found in place by the server's peer): the others' successors and
 * predecessors must take them into account, and they are taken to be right themselves.
 */
export function checkStatuses(statuses: readonly PeerStatus[], alsoOnRing: readonly PeerId[] = []): RingCheck {
  const reported = new Set(statuses.map((s) => s.id));
  const others = [...new Set(alsoOnRing)].filter((p) => !reported.has(p));
  const ids = [...reported, ...others].sort();
  const at = (p: PeerId, step: number) => ids[(ids.indexOf(p) + step + ids.length) % ids.length]!;
  const check = checkRing([
    ...statuses.map((s) => ({
      self: s.id,
      isJoined: () => s.joined,
      successor: () => s.successor ?? s.id,
      predecessor: () => s.predecessor,
    })),
    ...others.map((p) => ({ self: p, isJoined: () => true, successor: () => at(p, 1), predecessor: () => at(p, -1) })),
  ]);
  for (const s of statuses) {
    if (s.joined) continue;
    check.ok = false;
    check.problems.push(`${s.id.slice(0, 8)}: not in place yet`);
  }
  return check;
}

export function ringConsistent(statuses: readonly PeerStatus[], alsoOnRing: readonly PeerId[] = []): boolean {
  return statuses.length > 0 && statuses.every((s) => s.joined) && checkStatuses(statuses, alsoOnRing).ok;
}

/** The successor of key among the given live peer ids. */
export function trueOwner(ids: readonly PeerId[], key: Id): PeerId {
  const sorted = [...ids].sort((a, b) => (idFromHex(a) < idFromHex(b) ? -1 : 1));
  for (let i = 0; i < sorted.length; i++) {
    const prev = sorted[(i - 1 + sorted.length) % sorted.length]!;
    if (sorted.length === 1 || inInterval(key, idFromHex(prev), idFromHex(sorted[i]!), false, true)) return sorted[i]!;
  }
  return sorted[0]!;
}
