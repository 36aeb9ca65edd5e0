// The tab's peer: the browser's own RTCPeerConnection and WebSocket, an IndexedDB store
// (browser-level through `level`) that keeps the tab's identity, and the same startPeer as a Node
// volunteer. Each open tab of one browser takes its own identity slot, held with a Web Lock, so
// two tabs never claim the same id; a reload finds its slot, hence its id, again. A tab nearing
// Chromium's budget of peer connections leaves gracefully and reloads with a fresh one.
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { startPeer, type RunningPeer } from '../host/start-peer.js';
import type { PeerConnectionCtor } from '../runtime/webrtc-net.js';
import type { SandboxPool } from '../services/jobs/sandbox/pool.js';

/** Identity slots per browser profile: at most this many tabs volunteer at once. */
const MAX_TABS = 8;
/**
 * Chromium lets a page create about 500 RTCPeerConnections in its life (js-libp2p issue 2591);
 * past that the constructor throws. After this many set-ups the tab leaves the ring gracefully
 * and reloads: the new page takes the same slot, so the same identity and stored data, with a
 * fresh budget. `?setup-budget=N` on the page's URL sets it lower.
 */
const TAB_SETUP_RELOAD_AT = 400;
/** How long a reloaded page waits for its old slot's lock, released as the old page unloads. */
const SLOT_WAIT_MS = 5000;
const SLOT_KEY = 'cumulus-slot';
export const RELOADS_KEY = 'cumulus-reloads';

/** Why this browser cannot be a peer (null when it can): peers link to each other over WebRTC. */
export function cannotJoin(): string | null {
  if (typeof globalThis.RTCPeerConnection !== 'function') {
    return 'This browser cannot join: it has no WebRTC (RTCPeerConnection), which peers use to link to each other. Try a current Firefox, Chrome or Safari, with WebRTC allowed.';
  }
  if (typeof indexedDB === 'undefined') return 'This browser cannot join: it keeps no IndexedDB for this site (a private window may refuse it), where a peer keeps its identity and what it stores.';
  return null;
}

/** Hold identity slot `slot`; wait up to waitMs for it (0: only if free now). */
function requestSlot(locks: LockManager, slot: number, waitMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const opts: LockOptions = waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    locks.request(`cumulus-peer-${slot}`, opts, (lock) => {
      resolve(lock !== null);
      // Keep the lock for the life of the tab.
      return lock ? new Promise<void>(() => {}) : undefined;
    }).catch(() => resolve(false));
  });
}

async function holdSlot(): Promise<number> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return 0;
  // A reload of this tab takes back its own slot (sessionStorage is per tab).
  const mine = Number(sessionStorage.getItem(SLOT_KEY) ?? -1);
  if (Number.isInteger(mine) && mine >= 0 && mine < MAX_TABS && (await requestSlot(locks, mine, SLOT_WAIT_MS))) return mine;
  for (let slot = 0; slot < MAX_TABS; slot++) {
    if (await requestSlot(locks, slot, 0)) {
      sessionStorage.setItem(SLOT_KEY, String(slot));
      return slot;
    }
  }
  throw new Error(`already ${MAX_TABS} tabs of this browser volunteer`);
}

/** Set-ups after which this tab reloads: `?setup-budget=N`, else TAB_SETUP_RELOAD_AT. */
export function setupBudget(): number {
  const asked = Number(new URLSearchParams(location.search).get('setup-budget') ?? TAB_SETUP_RELOAD_AT);
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, TAB_SETUP_RELOAD_AT) : TAB_SETUP_RELOAD_AT;
}

/** Start this tab's peer, lending `quotaBytes` of storage and running tasks in `sandboxes`. */
export async function startTabPeer(quotaBytes: number, sandboxes: SandboxPool): Promise<RunningPeer> {
  const slot = await holdSlot();
  const store = await LevelStore.open(openLevel(`cumulus-peer-${slot}`));
  return startPeer({
    store,
    RTCPeerConnection: globalThis.RTCPeerConnection as unknown as PeerConnectionCtor,
    serverUrl: location.origin,
    storage: { quotaBytes },
    sandboxes,
  });
}
