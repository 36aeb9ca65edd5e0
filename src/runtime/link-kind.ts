// How each link connected: directly between host addresses, through a NAT's mapping learned by
// STUN (server- or peer-reflexive), or through a TURN relay. Read from the ICE candidate pair the
// connection selected: node-datachannel tells it directly (selectedCandidatePair), a browser in
// getStats(). A relayed link costs the relay's bandwidth, so the overlay would rather evict it.
import type { PeerId } from '../core/id.js';
import type { LinkKind } from '../env/ports.js';
import type { PeerConnectionLike } from './rtc-types.js';

export type { LinkKind } from '../env/ports.js';

/** The surfaces that tell which candidate pair was selected; either may be missing. */
interface PairSource {
  selectedCandidatePair?(): { local?: { type?: string }; remote?: { type?: string } } | null;
  getStats?(): Promise<Iterable<[string, Record<string, unknown>]> | Map<string, Record<string, unknown>>>;
}

export type LinkKindCounts = Record<LinkKind | 'unknown', number>;

/** relay if either end is relayed, srflx if either end is a NAT mapping, else host. */
export function kindOfPair(local: string | undefined, remote: string | undefined): LinkKind | null {
  if (local === undefined || remote === undefined) return null;
  if (local === 'relay' || remote === 'relay') return 'relay';
  if (local === 'srflx' || local === 'prflx' || remote === 'srflx' || remote === 'prflx') return 'srflx';
  return 'host';
}

/** The kind of a connected RTCPeerConnection, or null when it cannot tell. */
export async function selectedKind(pc: PeerConnectionLike): Promise<LinkKind | null> {
  const src = pc as unknown as PairSource;
  if (typeof src.selectedCandidatePair === 'function') {
    const p = src.selectedCandidatePair();
    return kindOfPair(p?.local?.type, p?.remote?.type);
  }
  if (typeof src.getStats !== 'function') return null;
  const reports = new Map<string, Record<string, unknown>>();
  for (const [id, r] of await src.getStats()) reports.set(id, r);
  let pair: Record<string, unknown> | undefined;
  for (const r of reports.values()) {
    if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') pair = reports.get(r.selectedCandidatePairId);
  }
  pair ??= [...reports.values()].find((r) => r.type === 'candidate-pair' && (r.selected === true || (r.nominated === true && r.state === 'succeeded')));
  if (!pair) return null;
  const type = (id: unknown) => (typeof id === 'string' ? (reports.get(id)?.candidateType as string | undefined) : undefined);
  return kindOfPair(type(pair.localCandidateId), type(pair.remoteCandidateId));
}

/** Attempts to read a link's kind: the pair may be reported a moment after the channel opens. */
const KIND_READS = 3;
const KIND_RETRY_MS = 200;
/**
 * ICE opens the channel on the first pair that works and may move to a better one as later checks
 * succeed (a relayed pair often answers first, a direct one a moment later): the kind is read
 * again at these delays after the link came up, and the latest reading is the link's.
 */
const KIND_REREAD_MS = [2_000, 10_000] as const;
/**
 * After this long, a link's reported kind is its last reading: the rereads, then a direct-only
 * attempt to replace a relayed link (link-upgrade.ts; connect timeout 5 s) and its first reading.
 */
export const KIND_SETTLED_MS = Math.max(...KIND_REREAD_MS) + 8_000;

/** The kind of each open link, and how many links of each kind have come up. */
export class LinkKinds {
  /** Links by the kind they settled on (a link that moved from relay to direct counts as direct). */
  readonly counts: LinkKindCounts = { host: 0, srflx: 0, relay: 0, unknown: 0 };
  private readonly kinds = new Map<PeerId, LinkKind>();

  /** `onSettled` hears each link's kind after its last reading. */
  constructor(private readonly onSettled?: (peer: PeerId, kind: LinkKind | 'unknown') => void) {}

  /** Read the kind of a link that just came up; `stillOpen` says whether the link is the same one. */
  async learn(peer: PeerId, pc: PeerConnectionLike, stillOpen: () => boolean): Promise<void> {
    let kind: LinkKind | null = null;
    for (let i = 0; i < KIND_READS && kind === null && stillOpen(); i++) {
      if (i > 0) await sleep(KIND_RETRY_MS);
      kind = await selectedKind(pc).catch(() => null);
    }
    if (!stillOpen()) return;
    if (kind) this.kinds.set(peer, kind);
    let counted: LinkKind | 'unknown' = kind ?? 'unknown';
    this.counts[counted]++;
    let waitedMs = 0;
    for (const atMs of KIND_REREAD_MS) {
      await sleep(atMs - waitedMs);
      waitedMs = atMs;
      if (!stillOpen()) return;
      const now = await selectedKind(pc).catch(() => null);
      if (!now || now === counted) continue;
      this.kinds.set(peer, now);
      this.counts[counted]--;
      this.counts[now]++;
      counted = now;
    }
    this.onSettled?.(peer, counted);
  }

  kindOf(peer: PeerId): LinkKind | undefined {
    return this.kinds.get(peer);
  }

  /** The link to `peer` moved onto a new connection, which will be read and counted afresh. */
  moved(peer: PeerId): void {
    const kind = this.kinds.get(peer);
    if (kind) this.counts[kind]--;
    this.kinds.delete(peer);
  }

  forget(peer: PeerId): void {
    this.kinds.delete(peer);
  }

  /** Open links by kind right now. */
  open(): Record<LinkKind, number> {
    const out: Record<LinkKind, number> = { host: 0, srflx: 0, relay: 0 };
    for (const k of this.kinds.values()) out[k]++;
    return out;
  }
}

/** A wait that keeps no Node process alive on its own (browsers have no unref). */
function sleep(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms) as unknown as { unref?: () => void };
    t.unref?.();
  });
}
