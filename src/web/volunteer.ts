// The volunteer page's script (bundled for the browser by src/server/web.ts): opening the page
// makes this tab a peer. The browser's own RTCPeerConnection and WebSocket, an IndexedDB store
// (browser-level through `level`) that keeps the tab's identity, and the same startPeer as a Node
// volunteer. Each open tab of one browser takes its own identity slot, held with a Web Lock, so
// two tabs never claim the same id; a reload finds its slot, hence its id, again. A tab nearing
// Chromium's budget of peer connections leaves gracefully and reloads with a fresh one.
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { startPeer, type RunningPeer } from '../host/start-peer.js';
import { fullStatus } from '../host/peer-status.js';
import { idFromHex } from '../core/id.js';
import type { PeerConnectionCtor } from '../runtime/webrtc-net.js';
import { startTabSandboxes } from './tab-sandboxes.js';

/** Identity slots per browser profile: at most this many tabs volunteer at once. */
const MAX_TABS = 8;
const REFRESH_MS = 1000;
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
const RELOADS_KEY = 'cumulus-reloads';

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
function setupBudget(): number {
  const asked = Number(new URLSearchParams(location.search).get('setup-budget') ?? TAB_SETUP_RELOAD_AT);
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, TAB_SETUP_RELOAD_AT) : TAB_SETUP_RELOAD_AT;
}

/** What a tab lends by default: small, since a tab comes and goes and IndexedDB shares the disk with the browser. */
const TAB_QUOTA_MB = 256;
const MAX_TAB_QUOTA_MB = 16 * 1024;

/** The storage this tab lends, in bytes: `?quota-mb=N` on the page's URL, else TAB_QUOTA_MB. */
function tabQuotaBytes(): number {
  const asked = Number(new URLSearchParams(location.search).get('quota-mb') ?? TAB_QUOTA_MB);
  const mb = Number.isFinite(asked) && asked >= 0 ? Math.min(asked, MAX_TAB_QUOTA_MB) : TAB_QUOTA_MB;
  return Math.floor(mb * 1024 * 1024);
}

function show(id: string, text: string): void {
  const el = document.getElementById(id);
  if (el) el.textContent = text;
}

async function main(): Promise<void> {
  show('state', 'joining…');
  const sandboxes = startTabSandboxes();
  const slot = await holdSlot();
  const store = await LevelStore.open(openLevel(`cumulus-peer-${slot}`));
  const running: RunningPeer = await startPeer({
    store,
    RTCPeerConnection: globalThis.RTCPeerConnection as unknown as PeerConnectionCtor,
    serverUrl: location.origin,
    storage: { quotaBytes: tabQuotaBytes() },
    sandboxes,
  });
  const api = {
    status: () => fullStatus(running),
    lookup: async (keyHex: string) => {
      const t0 = performance.now();
      const r = await running.peer.lookup(idFromHex(keyHex));
      return { owner: r.owner, hops: r.hops, ms: performance.now() - t0 };
    },
    leave: () => running.close(),
    /** Reloads of this tab for its connection budget. */
    reloads: () => Number(sessionStorage.getItem(RELOADS_KEY) ?? 0),
  };
  (globalThis as unknown as { cumulus: typeof api }).cumulus = api;
  const render = () => {
    const s = running.peer.status();
    show('state', s.joined ? 'on the ring' : 'joining…');
    show('id', s.id);
    show('successor', s.successor ?? '—');
    show('predecessor', s.predecessor ?? '—');
    show('links', String(s.links));
    show('server', running.serverUp() ? 'reachable' : 'down (the ring carries on)');
  };
  const budget = setupBudget();
  let reloading = false;
  const reloadIfSpent = () => {
    if (reloading || running.net.stats.setups < budget) return;
    reloading = true;
    show('state', 'reloading: this page has used its budget of peer connections');
    sessionStorage.setItem(RELOADS_KEY, String(api.reloads() + 1));
    void running.close().finally(() => location.reload());
  };
  render();
  setInterval(() => {
    if (reloading) return;
    render();
    reloadIfSpent();
  }, REFRESH_MS);
  addEventListener('pagehide', () => void running.close());
}

main().catch((e: unknown) => {
  show('state', `could not join: ${e instanceof Error ? e.message : String(e)}`);
  (globalThis as unknown as { cumulusError: string }).cumulusError = String(e);
});
