// The lab's links as the peers report them: each open link once, by how it connected, and the
// relayed ones that no symmetric NAT forced (both ends public or behind cone NATs, which ICE
// should have joined directly).
import type { BenchPeer, BenchStatus as Status } from '../bench-peers.js';
import type { NatKind } from './nat.js';

export type LabPeer = BenchPeer & { nat: NatKind | 'public' };

type Kind = 'host' | 'srflx' | 'relay' | 'unknown';
/** When the two ends disagree (one has not read its pair yet), the costlier kind is the link's. */
const RANK: Record<Kind, number> = { unknown: 0, host: 1, srflx: 2, relay: 3 };

export interface LabLinks {
  byKind: Record<Kind, number>;
  relayedWhereAvoidable: number;
  /** Each relayed link by the NATs of its ends in alphabetical order, e.g. "port-restricted~symmetric". */
  relayed: string[];
}

export function linkKindsOf(peers: readonly LabPeer[], statuses: readonly Status[]): LabLinks {
  const nat = new Map(peers.map((p) => [p.id as string, p.nat]));
  // A tab is named as such: its host candidates are mDNS names only other browsers resolve.
  const label = (id: string) => {
    const p = peers.find((q) => q.id === id);
    return p ? `${p.nat}${p.kind === 'browser' ? ' tab' : ''}` : '?';
  };
  const links = new Map<string, { a: string; b: string; kind: Kind }>();
  for (const s of statuses) {
    for (const [other, kind] of Object.entries(s.connections?.open ?? {})) {
      const [a, b] = s.id < other ? [s.id, other] : [other, s.id];
      const key = `${a}|${b}`;
      const seen = links.get(key);
      if (!seen || RANK[kind] > RANK[seen.kind]) links.set(key, { a, b, kind });
    }
  }
  const byKind: Record<Kind, number> = { host: 0, srflx: 0, relay: 0, unknown: 0 };
  let relayedWhereAvoidable = 0;
  const relayed: string[] = [];
  for (const l of links.values()) {
    byKind[l.kind]++;
    if (l.kind !== 'relay') continue;
    relayed.push([label(l.a), label(l.b)].sort().join('~'));
    if (nat.get(l.a) !== 'symmetric' && nat.get(l.b) !== 'symmetric') relayedWhereAvoidable++;
  }
  return { byKind, relayedWhereAvoidable, relayed: relayed.sort() };
}
