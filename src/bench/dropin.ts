// `cumulus bench dropin --clients C`: the coordination drop-in on the project's test application
// (the PHP notes app, test-app/notes) with a local cloud (`cumulus up --peers 2`, its own process).
// C Chromium visitors, each a browser of its own, make --posts edits each: open the edit page,
// type, attach a file, Save, land on the note's page, follow its Edit link. In throttle mode a
// refused visitor tries again. Then, unless --frozen-pages 0, the Cumulus server is frozen
// (SIGSTOP by pid) and some visitors load a page and save once more: the forms must go through
// unguarded, and the pages must load as fast as ever. Figures: edits saved and lost (read back
// from the application), the most POSTs the application had in flight, click to the POST's start
// at the application (all clicks, and clicks that found a free slot), the share of waiting time
// in which the application sat idle, and page load to the drop-in ready.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import type { OptionValues } from '../core/options.js';
import { launchChromium } from './chromium.js';
import { startUp, stopUp } from './up-process.js';
import { startNotesApp, type NotesApp } from './notes-app.js';
import { NotesVisitor } from './notes-visitor.js';
import { appIdleShare, clickToSent, p50p95, slotTurns, timeline, turnParts } from './dropin-figures.js';
import { quantile, round } from './figures.js';

export const DROPIN_BENCH_OPTIONS = {
  clients: { type: 'integer', default: 12, min: 1, max: 64, unit: 'pages', description: 'Chromium visitors, each a browser context of its own' },
  posts: { type: 'integer', default: 4, min: 1, description: 'edits each visitor saves' },
  capacity: { type: 'integer', default: 2, min: 1, description: 'POSTs at once per form action' },
  mode: { type: 'choice', choices: ['queue', 'throttle'], default: 'queue', description: 'queue: wait for a slot; throttle: refused when full (the visitor tries again)' },
  delayMs: { type: 'integer', default: 50, min: 0, unit: 'ms', description: 'how long the application takes per POST' },
  frozenPages: { type: 'integer', default: 4, min: 0, unit: 'pages', description: 'visitors that load a page and save with the Cumulus server frozen (0: skip)' },
  plain: { type: 'flag', description: 'pages without the drop-in (what the application sees unguarded)' },
} as const;

export type DropinBenchOptions = OptionValues<typeof DROPIN_BENCH_OPTIONS>;

/** A queued POST waits up to this long: longer than any queue of this bench should take. */
const QUEUE_WAIT_MS = 30_000;

async function editAll(visitors: NotesVisitor[], o: DropinBenchOptions): Promise<void> {
  await Promise.all(visitors.map(async (v, c) => {
    for (let e = 0; e < o.posts; e++) await v.edit(`c${c}-e${e}`, { retry: o.mode === 'throttle', waitMs: QUEUE_WAIT_MS, settle: !o.plain });
  }));
}

/** Freeze the Cumulus server; some visitors load a page and save once more; thaw it. */
async function frozenRun(up: ChildProcess, visitors: NotesVisitor[], app: NotesApp): Promise<Record<string, unknown>> {
  process.kill(up.pid!, 'SIGSTOP');
  const loads: number[] = [];
  const saves: number[] = [];
  let saved = 0;
  const bannersBefore = visitors.reduce((n, v) => n + v.banners.length, 0);
  try {
    await Promise.all(visitors.map(async (v, c) => {
      await v.page.goto(`${app.url}/edit?id=${v.note}`);
      loads.push(await v.page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart));
      const t = Date.now();
      if ((await v.edit(`frozen-c${c}`, { retry: false, waitMs: QUEUE_WAIT_MS, settle: false })) === 'saved') {
        saved++;
        saves.push(Date.now() - t);
      }
    }));
  } finally {
    process.kill(up.pid!, 'SIGCONT');
  }
  return {
    pages: visitors.length,
    saved,
    pageLoadP50Ms: round(quantile(loads, 0.5)),
    clickToSavedP50Ms: round(quantile(saves, 0.5)),
    /** Status lines the drop-in showed while the server was frozen (fail open should show none). */
    banners: visitors.reduce((n, v) => n + v.banners.length, 0) - bannersBefore,
  };
}

export async function runDropinBench(o: DropinBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-dropin-'));
  let up: ChildProcess | null = null;
  let app: NotesApp | null = null;
  let browser: Browser | null = null;
  const visitors: NotesVisitor[] = [];
  try {
    const started = await startUp(['--peers', '2', '--data', dir]);
    up = started.up;
    app = await startNotesApp({ cumulusUrl: o.plain ? null : started.ready.url, capacity: o.capacity, mode: o.mode, waitMs: QUEUE_WAIT_MS, fail: 'open', delayMs: o.delayMs });
    browser = await launchChromium();
    for (let c = 0; c < o.clients; c++) visitors.push(await NotesVisitor.open(browser, app.url, `note-${c}`));
    await editAll(visitors, o);
    const notes = await app.notes();
    const saved = visitors.reduce((n, v, c) => n + Array.from({ length: o.posts }, (_, e) => `c${c}-e${e}`).filter((tag) => notes[v.note]?.edits.some((x) => x.tag === tag)).length, 0);
    const stats = await app.stats();
    const clicks = visitors.flatMap((v) => v.clicks);
    const t = timeline(clicks, await app.posts());
    const cts = clickToSent(t, o.capacity);
    const parts = turnParts(clicks, await app.posts());
    const free = p50p95(cts.free);
    const all = p50p95(cts.all);
    const ready = visitors.flatMap((v) => v.readyMs);
    const joins = ready.filter((x): x is number => x !== null);
    const gateway = o.plain ? null : (await (await fetch(`${started.ready.url}/dropin/stats`)).json()) as Record<string, unknown>;
    const frozen = o.plain || o.frozenPages === 0 ? null : await frozenRun(up, visitors.slice(0, o.frozenPages), app);
    return {
      clients: o.clients, postsPerClient: o.posts, capacity: o.capacity, mode: o.mode, appDelayMs: o.delayMs, dropin: !o.plain,
      saved,
      lost: o.clients * o.posts - saved,
      maxInFlight: Math.max(0, ...Object.values(stats.maxInFlight)),
      clickToSentP50Ms: free.p50,
      clickToSentP95Ms: free.p95,
      freeSlotClicks: cts.free.length,
      clickToSentAllP50Ms: all.p50,
      clickToSentAllP95Ms: all.p95,
      appIdleShare: round(appIdleShare(t)),
      slotTurnP50Ms: p50p95(slotTurns(t)).p50,
      turnP50Ms: {
        answer: p50p95(parts.answer).p50, toBrowser: p50p95(parts.toBrowser).p50, redirect: p50p95(parts.redirect).p50, commit: p50p95(parts.commit).p50,
        handover: p50p95(parts.handover).p50, releaseToGrant: p50p95(parts.releaseToGrant).p50, grantToNav: p50p95(parts.grantToNav).p50,
        send: p50p95(parts.send).p50,
      },
      joinP50Ms: joins.length > 0 ? round(quantile(joins, 0.5)) : null,
      joinP95Ms: joins.length > 0 ? round(quantile(joins, 0.95)) : null,
      notJoined: ready.length - joins.length,
      pageLoadP50Ms: round(quantile(visitors.flatMap((v) => v.loadsMs), 0.5)),
      refused: clicks.filter((k) => k.outcome === 'refused').length,
      pageErrors: visitors.reduce((n, v) => n + v.pageErrors.length, 0),
      scriptFailures: visitors.reduce((n, v) => n + v.scriptFailures, 0),
      ...(gateway ? { gateway: { granted: gateway.granted, handovers: gateway.handovers, refused: gateway.refused, released: gateway.released, unguarded: gateway.unguarded } } : {}),
      ...(frozen ? { frozen } : {}),
      wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    for (const v of visitors) await v.close().catch(() => undefined);
    await browser?.close();
    await app?.stop();
    if (up) await stopUp(up);
    rmSync(dir, { recursive: true, force: true });
  }
}
