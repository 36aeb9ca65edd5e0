// What GET /nodes/ (and `cumulus nodes`) shows: the peers of the ring as the server knows them.
// That is the server's own peer, the peers it links to (their path kind and the last frame heard
// from each), the successors and fingers it routes by, and the peers connected to the hub for
// signaling (since their hello). A peer the server has never met is not listed: the server is a
// first contact, not a directory of the ring.
import type { PeerId } from '../core/id.js';
import type { RunningPeer } from '../host/start-peer.js';
import type { NodeInfo, NodeRegistry } from './api/nodes.js';
import type { SignalHub } from './hub.js';
import type { RingMembers } from './ring-members.js';

/** Hub peers remembered at most (the hub's own limit is lower). */
const MAX_HUB_PEERS = 100_000;

export class RingNodeRegistry implements NodeRegistry {
  /** Hub peers and when each said hello. */
  private readonly hello = new Map<PeerId, number>();
  private peer: RunningPeer | null = null;

  constructor(hub: SignalHub, private readonly members: RingMembers, private readonly nowMs: () => number = () => Date.now()) {
    hub.watch((id, present) => {
      if (!present) this.hello.delete(id);
      else if (this.hello.size < MAX_HUB_PEERS) this.hello.set(id, this.nowMs());
    });
  }

  attachPeer(peer: RunningPeer): void {
    this.peer = peer;
  }

  /** The server's own peer, once attached (the dashboard's feed reads it). */
  get ownPeer(): RunningPeer | null {
    return this.peer;
  }

  private snapshot(): Map<string, NodeInfo> {
    const out = new Map<string, NodeInfo>();
    const verified = new Set(this.members.verified());
    const add = (id: PeerId, fields: Partial<NodeInfo> & { meta: NodeInfo['meta'] }) => {
      const had = out.get(id);
      out.set(id, {
        id, rings: ['base'], joinedMs: fields.joinedMs ?? had?.joinedMs ?? 0, lastSeenMs: Math.max(fields.lastSeenMs ?? 0, had?.lastSeenMs ?? 0),
        meta: { ...had?.meta, ...fields.meta },
      });
    };
    for (const [id, helloMs] of this.hello) {
      add(id, { joinedMs: helloMs, lastSeenMs: helloMs, meta: { kind: 'peer', signaling: 'connected', onRing: verified.has(id) } });
    }
    const p = this.peer;
    if (!p) return out;
    const status = p.peer.status();
    // Attached beside the ring (overlay/attach.ts), the server's peer is in no one's successor list.
    const attached = p.peer.base.isAttached();
    add(p.identity.id, { joinedMs: p.startedMs, lastSeenMs: this.nowMs(), meta: { kind: 'server', onRing: status.joined && !attached, ...(attached ? { attached: status.joined } : {}) } });
    for (const id of new Set([...status.successors, ...status.fingers, ...(status.predecessor ? [status.predecessor] : [])])) {
      if (id !== p.identity.id) add(id, { meta: { kind: 'peer', onRing: true, routing: status.successors.includes(id) ? 'successor' : status.predecessor === id ? 'predecessor' : 'finger' } });
    }
    for (const id of p.net.links()) {
      const heard = p.net.lastReceivedMs(id);
      add(id, { ...(heard !== undefined ? { lastSeenMs: Math.round(heard) } : {}), meta: { kind: 'peer', link: p.net.linkKind(id) ?? 'unknown' } });
    }
    return out;
  }

  async list(opts: { limit: number; marker?: string }): Promise<NodeInfo[]> {
    const nodes = this.snapshot();
    const ids = [...nodes.keys()].sort().filter((id) => opts.marker === undefined || id > opts.marker);
    return ids.slice(0, opts.limit).map((id) => nodes.get(id)!);
  }

  async count(): Promise<number> {
    return this.snapshot().size;
  }
}
