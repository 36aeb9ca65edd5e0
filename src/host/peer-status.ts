// What a running peer reports about itself, to a bench, `cumulus up` or the volunteer page: its
// place on the ring, how its links were signaled, what it stores. Platform-neutral (the browser
// bundle imports it), unlike control.ts, which reads and writes local files.
import type { RunningPeer } from './start-peer.js';

export function fullStatus(p: RunningPeer): Record<string, unknown> {
  const s = p.peer.storage;
  const storage = s ? { usedBytes: s.holder.store.used, quotaBytes: s.holder.store.quotaBytes, ...s.holder.counters, ...s.counters } : null;
  return { ...p.peer.status(), signal: { ...p.signaler.stats }, serverUp: p.serverUp(), storage };
}
