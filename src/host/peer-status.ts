// What a running peer reports about itself, to a bench, `cumulus up` or the volunteer page: its
// place on the ring, how its links were signaled, what it stores. Platform-neutral (the browser
// bundle imports it), unlike control.ts, which reads and writes local files.
import type { RunningPeer } from './start-peer.js';

export function fullStatus(p: RunningPeer): Record<string, unknown> {
  const s = p.peer.storage;
  const storage = s ? { usedBytes: s.holder.store.used, quotaBytes: s.holder.store.quotaBytes, paused: s.holder.paused, ...s.holder.counters, ...s.counters } : null;
  return { ...p.peer.status(), signal: { ...p.signaler.stats }, serverUp: p.serverUp(), storage, connections: connectionStatus(p) };
}

/**
 * How this peer's links connected and what they cost: links by kind (host, srflx, relay) since
 * the start and open now, and RTCPeerConnections created, in all and per hour (a tab's budget).
 */
export function connectionStatus(p: RunningPeer): ConnectionStatus {
  const hours = Math.max(1 / 60, (Date.now() - p.startedMs) / 3_600_000);
  return {
    linksByKind: { ...p.net.kinds.counts },
    openByKind: p.net.kinds.open(),
    open: Object.fromEntries(p.net.links().map((peer) => [peer, p.net.linkKind(peer) ?? 'unknown'])),
    setups: p.net.stats.setups,
    setupsRefused: p.net.stats.setupsRefused,
    setupsPerHour: Math.round((p.net.stats.setups / hours) * 10) / 10,
    upgrades: { tries: p.net.stats.upgradeTries, failed: p.net.stats.upgradeFailures, moved: p.net.stats.linkUpgrades },
    uptimeMs: Date.now() - p.startedMs,
  };
}

export interface ConnectionStatus {
  linksByKind: Record<'host' | 'srflx' | 'relay' | 'unknown', number>;
  openByKind: Record<'host' | 'srflx' | 'relay', number>;
  /** Each open link's kind, by peer id. */
  open: Record<string, 'host' | 'srflx' | 'relay' | 'unknown'>;
  setups: number;
  setupsRefused: number;
  setupsPerHour: number;
  /** Relayed links tried again without TURN (tries and failures, as the lower id), and links moved to a direct connection. */
  upgrades: { tries: number; failed: number; moved: number };
  uptimeMs: number;
}
