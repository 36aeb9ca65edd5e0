// The registry of live nodes the gateway shows at GET /nodes/. The gateway only reads it; the peer
// that embeds the gateway (or a test) fills it. MemoryNodeRegistry is the simple implementation.

import type { NodeInfo } from '../../sdk/index.js';

/** What the gateway shows about one node: the SDK's NodeInfo, the contract both ends share. */
export type { NodeInfo };

export interface NodeRegistry {
  /** Nodes sorted by id, strictly after `marker`, at most `limit` of them. */
  list(opts: { limit: number; marker?: string }): Promise<NodeInfo[]>;
  count(): Promise<number>;
}

/** At most this many nodes are held; the oldest-seen one is dropped to make room. */
export const MAX_REGISTRY_NODES = 100_000;

export class MemoryNodeRegistry implements NodeRegistry {
  private readonly nodes = new Map<string, NodeInfo>();

  upsert(node: NodeInfo): void {
    if (!this.nodes.has(node.id) && this.nodes.size >= MAX_REGISTRY_NODES) {
      let oldest: NodeInfo | undefined;
      for (const n of this.nodes.values()) if (!oldest || n.lastSeenMs < oldest.lastSeenMs) oldest = n;
      if (oldest) this.nodes.delete(oldest.id);
    }
    this.nodes.set(node.id, node);
  }

  remove(id: string): void {
    this.nodes.delete(id);
  }

  async list(opts: { limit: number; marker?: string }): Promise<NodeInfo[]> {
    const ids = [...this.nodes.keys()].sort();
    const after = opts.marker === undefined ? ids : ids.filter((id) => id > (opts.marker as string));
    return after.slice(0, opts.limit).map((id) => this.nodes.get(id) as NodeInfo);
  }

  async count(): Promise<number> {
    return this.nodes.size;
  }
}
