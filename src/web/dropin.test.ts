// Proves the coordination drop-in on a real server-rendered application (the PHP notes app, whose
// Save button carries the action in its name and value, with post/redirect/get, a file upload and
// a page script that breaks if run twice): in queue and throttle mode every edit is saved and read
// back, the application never has more than 2 POSTs in flight, and the page script works after
// each submit; with the Cumulus server frozen (SIGSTOP) and then stopped, forms go through
// unguarded and quietly, or, with data-fail="closed", are refused saying Cumulus is unreachable;
// after a freeze the page's connection is retried and forms are guarded again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../bench/chromium.js';
import { startUp, stopUp } from '../bench/up-process.js';
import { startNotesApp, type NotesApp } from '../bench/notes-app.js';
import { NotesVisitor } from '../bench/notes-visitor.js';
import type { DropinStats } from '../server/dropin-gateway.js';

const VISITORS = 6;
const EDITS = 2;
const CAPACITY = 2;
const WAIT_MS = 30_000;

const dir = mkdtempSync(join(tmpdir(), 'cumulus-dropin-'));
let up: ChildProcess;
let cumulusUrl: string;
let app: NotesApp;
let browser: Browser;
const visitors: NotesVisitor[] = [];

beforeAll(async () => {
  const started = await startUp(['--peers', '2', '--data', dir]);
  up = started.up;
  cumulusUrl = started.ready.url;
  app = await startNotesApp({ cumulusUrl, capacity: CAPACITY, mode: 'queue', waitMs: WAIT_MS, fail: 'open', delayMs: 150 });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  for (const v of visitors) await v.close();
  await browser?.close();
  await app?.stop();
  if (up) await stopUp(up);
  rmSync(dir, { recursive: true, force: true });
});

async function visitor(note: string): Promise<NotesVisitor> {
  const v = await NotesVisitor.open(browser, app.url, note);
  visitors.push(v);
  return v;
}

const gatewayStats = async () => (await (await fetch(`${cumulusUrl}/dropin/stats`)).json()) as DropinStats;

describe('the coordination drop-in on a PHP application, in Chromium', () => {
  for (const mode of ['queue', 'throttle'] as const) {
    it(`${mode}: every edit is saved, at most ${CAPACITY} POSTs in flight, the page script works after each`, async () => {
      app.configure({ mode });
      const before = await gatewayStats();
      const vs = await Promise.all(Array.from({ length: VISITORS }, (_, c) => visitor(`${mode}-${c}`)));
      // Visitors click as soon as their page has loaded, drop-in connected or not.
      await Promise.all(vs.map(async (v, c) => {
        for (let e = 0; e < EDITS; e++) expect(await v.edit(`${mode}-c${c}-e${e}`, { retry: mode === 'throttle', waitMs: WAIT_MS, settle: false })).toBe('saved');
      }));
      const notes = await app.notes();
      for (const [c, v] of vs.entries()) {
        const edits = notes[`${mode}-${c}`]?.edits ?? [];
        expect(edits.map((e) => e.tag)).toEqual(Array.from({ length: EDITS }, (_, e) => `${mode}-c${c}-e${e}`));
        expect(edits.every((e) => e.body.includes('second line') && e.attachment?.name === `${e.tag}.txt`)).toBe(true);
        expect(v.pageErrors).toEqual([]);
        expect(v.scriptFailures).toBe(0);
      }
      expect(Math.max(...Object.values((await app.stats()).maxInFlight))).toBeLessThanOrEqual(CAPACITY);
      const after = await gatewayStats();
      // Every edit went through the gateway (none unguarded), and slots were freed by the answers.
      // A failure names why pages went unguarded (the drop-in's console line gives the reason).
      const unguarded = vs.flatMap((v) => v.consoleInfo.filter((t) => t.includes('without a slot'))).join('; ');
      expect(after.granted - before.granted, unguarded).toBeGreaterThanOrEqual(VISITORS * EDITS);
      expect(after.unguarded, unguarded).toBe(0);
      expect(after.released.pagehide + after.released['next-page']).toBeGreaterThan(before.released.pagehide + before.released['next-page']);
      const clicks = vs.flatMap((v) => v.clicks);
      if (mode === 'queue') expect(clicks.every((k) => k.outcome === 'saved')).toBe(true);
      else expect(after.refused.full).toBe(before.refused.full + clicks.filter((k) => k.outcome === 'refused').length);
      for (const k of clicks.filter((k) => k.outcome === 'refused')) expect(k.reason).toBe('full');
    });
  }

  it('with Cumulus frozen: forms go through quietly, or are refused as unreachable with data-fail="closed"; then guarded again', async () => {
    // Visitors who are on the site already: their browsers hold the drop-in, their pages are open.
    const open = await visitor('frozen-open');
    const loaded = await visitor('frozen-loaded');
    const closed = await visitor('frozen-closed');
    app.configure({ mode: 'queue', fail: 'open' });
    for (const v of [open, loaded]) await v.toEditPage(true);
    app.configure({ fail: 'closed' });
    await closed.toEditPage(true);
    app.configure({ fail: 'open' });
    process.kill(up.pid!, 'SIGSTOP');
    try {
      // A page loaded before the freeze holds a connection that stopped answering; a page loaded
      // during it finds the server accepting connections and never answering.
      expect(await loaded.edit('loaded-open', { retry: false, waitMs: WAIT_MS, settle: false })).toBe('saved');
      await open.page.reload();
      expect(await open.edit('frozen-open', { retry: false, waitMs: WAIT_MS, settle: false })).toBe('saved');
      for (const v of [open, loaded]) {
        expect(v.banners).toEqual([]);
        expect(v.consoleInfo.some((t) => t.includes('sent without a slot (unreachable)'))).toBe(true);
      }
      expect(await closed.edit('frozen-closed', { retry: false, waitMs: WAIT_MS, settle: false })).toBe('refused');
      expect(closed.banners.at(-1)).toMatch(/not sent: Cumulus.* is unreachable/);
      expect(await closed.typedBody()).toContain('frozen-closed');
    } finally {
      process.kill(up.pid!, 'SIGCONT');
    }
    // The page tries its connection again; once back, the same page's form is guarded and saved.
    await closed.page.waitForFunction(() => (globalThis as unknown as { cumulusDropin: { state: string } }).cumulusDropin.state === 'ready', undefined, { timeout: 60_000 });
    await closed.page.click('button[name=action][value=save]');
    await closed.page.waitForSelector('#note[data-tag="frozen-closed"]');
    expect((await gatewayStats()).refused.unreachable).toBeGreaterThanOrEqual(1);
  });

  it('with Cumulus stopped: forms go through quietly, or are refused as unreachable with data-fail="closed"', async () => {
    const open = await visitor('stopped-open');
    const closed = await visitor('stopped-closed');
    app.configure({ fail: 'open' });
    await open.toEditPage(true);
    app.configure({ fail: 'closed' });
    await closed.toEditPage(true);
    app.configure({ fail: 'open' });
    await stopUp(up);
    await open.page.reload();
    expect(await open.edit('stopped-open', { retry: false, waitMs: WAIT_MS, settle: false })).toBe('saved');
    expect(open.banners).toEqual([]);
    expect(open.pageErrors).toEqual([]);
    expect(await closed.edit('stopped-closed', { retry: false, waitMs: WAIT_MS, settle: false })).toBe('refused');
    expect(closed.banners.at(-1)).toMatch(/not sent: Cumulus.* is unreachable/);
    expect(await closed.typedBody()).toContain('stopped-closed');
  });
});
