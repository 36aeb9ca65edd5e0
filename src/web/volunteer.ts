// The volunteer page's script (bundled for the browser by scripts/build-pages.mjs, or on demand by
// src/server/web.ts): a tab joins the ring in one click (at once when the volunteer joined before,
// or with `?join=auto`), shows what it gives, and applies the volunteer's limits to its peer as
// they change (host/lending.ts). Leaving hands what the tab holds to other peers first.
import { h, render } from 'preact';
import type { RunningPeer } from '../host/start-peer.js';
import { fullStatus } from '../host/peer-status.js';
import { Lending, type LendingLimits } from '../host/lending.js';
import { idFromHex } from '../core/id.js';
import { startTabSandboxes } from './tab-sandboxes.js';
import { cannotJoin, RELOADS_KEY, setupBudget, startTabPeer } from './volunteer-peer.js';
import { checkQuota, loadLimits, saveLimits } from './volunteer-limits.js';
import { watchCharging } from './volunteer-battery.js';
import { App, mb, uptime, type ViewState } from './volunteer-ui.js';

const REFRESH_MS = 1000;
/** Chunks are counted (a store scan) this often, not every refresh. */
const COUNT_CHUNKS_MS = 10_000;
/** Longest a leave waits for its surplus to move before it goes anyway (the ring's repair covers the rest). */
const LEAVE_HANDOVER_MS = 60_000;
/** Set while the volunteer has joined and not left: a later visit or a reload joins at once. */
const JOINED_KEY = 'cumulus-joined';

const root = document.getElementById('app')!;
const sandboxes = startTabSandboxes(loadLimits().workers);
const v: ViewState = { phase: 'ready', problem: null, figures: null, limits: loadLimits(), note: null, id: null, successor: null, predecessor: null, serverUp: false };
let running: RunningPeer | null = null;
let lending: Lending | null = null;
let timer: ReturnType<typeof setInterval> | null = null;
/** What the page shows, as last drawn: an idle tab whose figures did not change draws nothing. */
let shown = '';

function draw(): void {
  render(h(App, { v, a: { join, leave, setLimits } }), root);
}

function refresh(): void {
  if (!running || !lending) return;
  // A hidden tab reads and draws nothing (no one looks; the figures are read afresh when it shows
  // again), and a visible one draws only what changed as shown (the uptime moves by the minute):
  // an idle tab should cost next to no CPU.
  if (document.hidden) return;
  const s = running.peer.status();
  Object.assign(v, { figures: lending.figures(), id: s.id, successor: s.successor, predecessor: s.predecessor, serverUp: running.serverUp() });
  const now = JSON.stringify({ ...v, figures: v.figures && { ...v.figures, uptimeMs: uptime(v.figures.uptimeMs) } });
  if (now === shown) return;
  shown = now;
  draw();
}

async function join(): Promise<void> {
  v.phase = 'connecting';
  v.problem = null;
  draw();
  try {
    running = await startTabPeer(v.limits.quotaBytes, sandboxes);
  } catch (e) {
    v.phase = 'failed';
    v.problem = e instanceof Error ? e.message : String(e);
    (globalThis as unknown as { cumulusError: string }).cumulusError = v.problem;
    return draw();
  }
  localStorage.setItem(JOINED_KEY, '1');
  lending = new Lending(running, sandboxes, v.limits);
  lending.setHidden(document.hidden);
  if (v.charging !== undefined) lending.setCharging(v.charging);
  await lending.apply(v.limits);
  void lending.countChunks();
  v.phase = 'joined';
  exposeApi(running, lending);
  refresh();
  const budget = setupBudget();
  let ticks = 0;
  timer = setInterval(() => {
    if (running && running.net.stats.setups >= budget) return reloadForBudget();
    ++ticks;
    if (document.hidden) return;
    if (ticks % (COUNT_CHUNKS_MS / REFRESH_MS) === 0) void lending?.countChunks();
    refresh();
  }, REFRESH_MS);
}

/** This page has spent its budget of peer connections: leave and reload (the same slot, the same id). */
function reloadForBudget(): void {
  if (timer !== null) clearInterval(timer);
  timer = null;
  v.note = 'Reloading: this page has used its budget of peer connections.';
  draw();
  sessionStorage.setItem(RELOADS_KEY, String(Number(sessionStorage.getItem(RELOADS_KEY) ?? 0) + 1));
  void running?.close().finally(() => location.reload());
}

async function leave(): Promise<void> {
  if (!running || !lending) return;
  v.phase = 'leaving';
  draw();
  if (timer !== null) clearInterval(timer);
  timer = null;
  localStorage.removeItem(JOINED_KEY);
  // Hand the chunks over first: a quota of zero moves every one to another peer.
  const handover = lending.apply({ ...v.limits, quotaBytes: 0 });
  await Promise.race([handover.catch(() => null), new Promise((r) => setTimeout(r, LEAVE_HANDOVER_MS))]);
  lending.close();
  await running.close();
  running = null;
  lending = null;
  v.phase = 'left';
  draw();
}

async function setLimits(change: Partial<LendingLimits>): Promise<void> {
  const next = { ...v.limits, ...change };
  if (change.quotaBytes !== undefined && change.quotaBytes > v.limits.quotaBytes) {
    const why = await checkQuota(change.quotaBytes, v.figures?.storedBytes ?? 0);
    if (why !== null) {
      v.note = why;
      return draw();
    }
  }
  v.limits = next;
  v.note = null;
  saveLimits(next);
  draw();
  const r = await lending?.apply(next);
  if (r && r.movedChunks + r.keptChunks > 0) {
    v.note = `Moved ${r.movedChunks} chunk${r.movedChunks === 1 ? '' : 's'} (${mb(r.movedBytes)}) to other peers${r.keptChunks > 0 ? `; ${r.keptChunks} found no other peer yet and stay for now` : ''}.`;
  }
  refresh();
  draw();
}

/** What tests and benches drive and read: the page's state, and the same actions as its buttons. */
function exposeApi(p: RunningPeer, l: Lending): void {
  const api = {
    status: () => fullStatus(p),
    figures: () => l.figures(),
    limits: () => l.current,
    /** Whether the peer's holder and worker lend right now (limits, pause, battery). */
    paused: () => ({ storage: p.peer.storage?.holder.paused ?? true, worker: p.peer.jobs?.worker?.isPaused ?? true }),
    setLimits: (change: Partial<LendingLimits>) => setLimits(change),
    lookup: async (keyHex: string) => {
      const t0 = performance.now();
      const r = await p.peer.lookup(idFromHex(keyHex));
      return { owner: r.owner, hops: r.hops, ms: performance.now() - t0 };
    },
    leave: () => leave(),
    /** Reloads of this tab for its connection budget. */
    reloads: () => Number(sessionStorage.getItem(RELOADS_KEY) ?? 0),
  };
  (globalThis as unknown as { cumulus: typeof api }).cumulus = api;
}

document.addEventListener('visibilitychange', () => {
  lending?.setHidden(document.hidden);
  if (document.hidden) return;
  void lending?.countChunks().then(() => refresh());
  refresh();
});
addEventListener('pagehide', () => void running?.close());
void watchCharging((charging) => {
  v.charging = charging;
  lending?.setCharging(charging);
  if (lending) refresh();
  else draw();
});

const problem = cannotJoin();
if (problem !== null) {
  v.phase = 'unsupported';
  v.problem = problem;
  (globalThis as unknown as { cumulusError: string }).cumulusError = problem;
  draw();
} else {
  draw();
  const auto = new URLSearchParams(location.search).get('join') === 'auto' || localStorage.getItem(JOINED_KEY) === '1';
  if (auto) void join();
}
