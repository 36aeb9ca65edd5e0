// The volunteer page's script (bundled for the browser by src/server/web.ts): opening the page
// makes this tab a peer. The browser's own RTCPeerConnection and WebSocket, an IndexedDB store
// (browser-level through `level`) that keeps the tab's identity, and the same startPeer as a Node
// volunteer. Each open tab of one browser takes its own identity slot, held with a Web Lock, so
// two tabs never claim the same id; a reload finds its slot, hence its id, again.
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { startPeer, type RunningPeer } from '../host/start-peer.js';
import { fullStatus } from '../host/peer-status.js';
import { idFromHex } from '../core/id.js';
import type { PeerConnectionCtor } from '../runtime/webrtc-net.js';

/** Identity slots per browser profile: at most this many tabs volunteer at once. */
const MAX_TABS = 8;
const REFRESH_MS = 1000;

async function holdSlot(): Promise<number> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return 0;
  for (let slot = 0; slot < MAX_TABS; slot++) {
    const got = await new Promise<boolean>((resolve) => {
      void locks.request(`cumulus-peer-${slot}`, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        // Keep the lock for the life of the tab.
        return lock ? new Promise<void>(() => {}) : undefined;
      });
    });
    if (got) return slot;
  }
  throw new Error(`already ${MAX_TABS} tabs of this browser volunteer`);
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
  const slot = await holdSlot();
  const store = await LevelStore.open(openLevel(`cumulus-peer-${slot}`));
  const running: RunningPeer = await startPeer({
    store,
    RTCPeerConnection: globalThis.RTCPeerConnection as unknown as PeerConnectionCtor,
    serverUrl: location.origin,
    storage: { quotaBytes: tabQuotaBytes() },
  });
  const api = {
    status: () => fullStatus(running),
    lookup: async (keyHex: string) => {
      const t0 = performance.now();
      const r = await running.peer.lookup(idFromHex(keyHex));
      return { owner: r.owner, hops: r.hops, ms: performance.now() - t0 };
    },
    leave: () => running.close(),
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
  render();
  setInterval(render, REFRESH_MS);
  addEventListener('pagehide', () => void running.close());
}

main().catch((e: unknown) => {
  show('state', `could not join: ${e instanceof Error ? e.message : String(e)}`);
  (globalThis as unknown as { cumulusError: string }).cumulusError = String(e);
});
