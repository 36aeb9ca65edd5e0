// The dropin bench's figures from two timelines on one clock (Unix ms): the clicks the visitors
// made, and the POSTs as the application saw them (start and end in PHP). Pure functions.
import type { AppPost } from './notes-app.js';
import type { Click } from './notes-visitor.js';
import { quantile, round } from './figures.js';

export interface Timeline {
  /**
   * The successful click of each saved edit, when the drop-in let it go (its grant reached the
   * page; the POST's start when that is unknown), and the start of its POST at the application.
   */
  sent: Array<{ clickMs: number; grantMs: number; sentMs: number }>;
  posts: AppPost[];
}

/** Pair each saved click with its POST's start at the application (by the edit's tag). */
export function timeline(clicks: Click[], posts: AppPost[]): Timeline {
  const startOf = new Map<string, number>();
  for (const p of posts) if (!startOf.has(p.tag)) startOf.set(p.tag, p.startMs);
  const sent: Timeline['sent'] = [];
  for (const c of clicks) {
    const s = c.outcome === 'saved' ? startOf.get(c.tag) : undefined;
    if (s !== undefined) sent.push({ clickMs: c.atMs, grantMs: Math.min(c.grantMs ?? s, s), sentMs: s });
  }
  return { sent, posts };
}

/** POSTs in flight at the application at time t. */
function inFlightAt(posts: AppPost[], t: number): number {
  let n = 0;
  for (const p of posts) if (p.startMs <= t && t < p.endMs) n++;
  return n;
}

/**
 * Click to sent (the POST starting at the application), for every saved click and for those made
 * while the application had a free slot: fewer POSTs in flight plus clicks already waiting than
 * the capacity. The latter is what the drop-in itself costs a visitor.
 */
export function clickToSent(t: Timeline, capacity: number): { all: number[]; free: number[] } {
  const all: number[] = [];
  const free: number[] = [];
  for (const s of t.sent) {
    const waitingAhead = t.sent.filter((o) => o.clickMs < s.clickMs && o.sentMs > s.clickMs).length;
    all.push(s.sentMs - s.clickMs);
    if (inFlightAt(t.posts, s.clickMs) + waitingAhead < capacity) free.push(s.sentMs - s.clickMs);
  }
  return { all, free };
}

/**
 * Of the time during which at least one submit waited for its slot (from the click until the
 * drop-in let it go), the share in which the application had no POST in flight: the slots the
 * coordination left idle while someone waited (a slot's turn through the browser included).
 */
export function appIdleShare(t: Timeline): number {
  // A sweep over +1/-1 events of both kinds; at equal times ends go first.
  const ev: Array<[number, 'wait' | 'post', 1 | -1]> = [];
  for (const s of t.sent) if (s.grantMs > s.clickMs) ev.push([s.clickMs, 'wait', 1], [s.grantMs, 'wait', -1]);
  for (const p of t.posts) ev.push([p.startMs, 'post', 1], [p.endMs, 'post', -1]);
  ev.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  let waiting = 0;
  let posting = 0;
  let waitMs = 0;
  let idleMs = 0;
  let last = ev[0]?.[0] ?? 0;
  for (const [at, kind, d] of ev) {
    if (waiting > 0) {
      waitMs += at - last;
      if (posting === 0) idleMs += at - last;
    }
    last = at;
    if (kind === 'wait') waiting += d;
    else posting += d;
  }
  return waitMs > 0 ? idleMs / waitMs : 0;
}

/**
 * For each POST that ended while a click waited: the time until the application saw the next POST
 * start. It is what one turn of a slot costs beyond the application's own work (the answer and
 * its redirect reaching the browser, the release, the hand-over, the next page's native submit).
 */
export function slotTurns(t: Timeline): number[] {
  const starts = t.posts.map((p) => p.startMs).sort((a, b) => a - b);
  const out: number[] = [];
  for (const p of t.posts) {
    if (!t.sent.some((s) => s.clickMs < p.endMs && s.sentMs > p.endMs)) continue;
    const next = starts.find((x) => x >= p.endMs);
    if (next !== undefined) out.push(next - p.endMs);
  }
  return out;
}

export interface TurnParts {
  send: number[];
  answer: number[];
  toBrowser: number[];
  redirect: number[];
  commit: number[];
  handover: number[];
  releaseToGrant: number[];
  grantToNav: number[];
}

/**
 * One turn of a slot in three parts, from the pages' navigation timing and the application's log:
 * `send`, the POST's navigation start (the drop-in let it go) to PHP starting it; `answer`, PHP
 * done to the edit page's unload (the answer and its redirect reached the browser, which gave the
 * slot back), itself split into the redirect reaching the browser (toBrowser), the application
 * answering the page it redirects to (redirect: from the redirect's end to that page's first
 * byte) and the browser replacing the page (commit: to the unload, where the drop-in releases);
 * `handover`, that release to the next waiting page's POST navigation starting (the release and
 * the grant through the gateway), itself split at the grant's arrival at the page
 * (releaseToGrant: two WebSocket hops and the gateway; grantToNav: the page's own work and the
 * browser starting the navigation). Only the handover is the coordination's own.
 */
export function turnParts(clicks: Click[], posts: AppPost[]): TurnParts {
  const byTag = new Map<string, AppPost>();
  for (const p of posts) if (!byTag.has(p.tag)) byTag.set(p.tag, p);
  const saved = clicks.filter((c) => c.outcome === 'saved' && c.navStartMs !== undefined);
  const send: number[] = [];
  const answer: number[] = [];
  const handover: number[] = [];
  const releaseToGrant: number[] = [];
  const grantToNav: number[] = [];
  const toBrowser: number[] = [];
  const redirect: number[] = [];
  const commit: number[] = [];
  for (const c of saved) {
    if (c.grantMs !== undefined) grantToNav.push(c.navStartMs! - c.grantMs);
    const p = byTag.get(c.tag);
    if (p) send.push(p.startMs - c.navStartMs!);
    if (p && c.releaseMs !== undefined) answer.push(c.releaseMs - p.endMs);
    if (p && c.redirectEndMs !== undefined && c.responseStartMs !== undefined && c.releaseMs !== undefined) {
      toBrowser.push(c.redirectEndMs - p.endMs);
      redirect.push(c.responseStartMs - c.redirectEndMs);
      commit.push(c.releaseMs - c.responseStartMs);
    }
    if (c.releaseMs === undefined) continue;
    const r = c.releaseMs;
    // Pages that had clicked and were still held when this slot came back.
    const next = saved.filter((o) => o !== c && o.atMs < r && o.navStartMs! >= r).sort((a, b) => a.navStartMs! - b.navStartMs!)[0];
    if (!next) continue;
    handover.push(next.navStartMs! - r);
    if (next.grantMs !== undefined) releaseToGrant.push(next.grantMs - r);
  }
  return { send, answer, toBrowser, redirect, commit, handover, releaseToGrant, grantToNav };
}

/** p50 and p95 of a sample, rounded; null when it is empty. */
export function p50p95(xs: number[]): { p50: number | null; p95: number | null } {
  return xs.length === 0 ? { p50: null, p95: null } : { p50: round(quantile(xs, 0.5)), p95: round(quantile(xs, 0.95)) };
}
