// Proves the coordination drop-in keeps a slow application's concurrent POSTs per resource at or
// below its capacity, in queue and throttle mode: 16 Chromium pages, each a peer of a real ring
// (the server's peer and two Node peers), post the application's forms in a loop, and a refused
// visitor keeps what they typed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createServer, type CumulusServer } from '../server/app.js';
import { startServerPeer } from '../server/own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { launchChromium } from '../bench/chromium.js';
import type { RunningPeer } from '../host/start-peer.js';
import { checkStatuses } from '../peer/ring-view.js';
import { startSlowApp, type SlowApp } from '../bench/slow-app.js';

const CLIENTS = 16;
const POSTS_PER_CLIENT = 4;
const CAPACITY = 2;
const RESOURCES = ['a', 'b'];
const ARRIVING_TOGETHER = 4;

const dir = mkdtempSync(join(tmpdir(), 'cumulus-dropin-'));
let server: CumulusServer;
const peers: RunningPeer[] = [];
let browser: Browser;

beforeAll(async () => {
  server = await createServer({ port: 0 });
  peers.push(await startServerPeer(server, { dataDir: join(dir, 'server') }));
  for (let i = 0; i < 2; i++) peers.push(await startNodePeer({ dataDir: join(dir, `n${i}`), serverUrl: server.url }));
  await vi.waitFor(() => expect(checkStatuses(peers.map((p) => p.peer.status())).problems).toEqual([]), { timeout: 20_000, interval: 50 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const p of peers.reverse()) await p.close();
  await server?.close();
  shutdownNodeRtc();
  rmSync(dir, { recursive: true, force: true });
});

type Outcome = 'posted' | 'refused' | 'error';
type Dropin = { status(): Promise<{ joined: boolean }> };

/** Fill, submit, and wait for the response page (posted) or the drop-in's refusal. */
async function post(page: Page, msg: string): Promise<Outcome> {
  await page.fill('input[name=msg]', msg);
  await page.click('button[type=submit]');
  const h = await page.waitForFunction((m) => {
    if (document.querySelector(`#posted[data-msg="${m}"]`)) return 'posted';
    const st = document.querySelector('form')?.dataset.cumulus;
    return st === 'refused' || st === 'error' ? st : false;
  }, msg, { timeout: 40_000, polling: 50 });
  return (await h.jsonValue()) as Outcome;
}

/** Show the form page of mode in the page as the drop-in shows a response: the same window, so the same peer. */
async function switchMode(page: Page, appUrl: string, r: string, mode: string): Promise<void> {
  const html = await (await fetch(`${appUrl}/form/${r}?mode=${mode}`)).text();
  await page.evaluate((h) => {
    document.open();
    document.write(h);
    document.close();
  }, html);
  await page.waitForFunction((m) => (globalThis as unknown as { cumulusDropin?: { settings: { mode: string } } }).cumulusDropin?.settings.mode === m, mode);
}

describe('the coordination drop-in in Chromium', () => {
  let app: SlowApp;
  const pages: Page[] = [];
  /** Pages that had to be reloaded because their peer did not get in place within 30 s. */
  let reloads = 0;
  beforeAll(async () => {
    app = await startSlowApp({ cumulusUrl: server.url, delayMs: 150, capacity: CAPACITY, waitMs: 30_000 });
    const context = await browser.newContext();
    // Visitors arrive a few at a time, each group's peers on the ring before the next comes (all 16
    // at once overwhelmed two cores: some joins did not finish within a minute).
    for (let c = 0; c < CLIENTS; c += ARRIVING_TOGETHER) {
      pages.push(...(await Promise.all(Array.from({ length: Math.min(ARRIVING_TOGETHER, CLIENTS - c) }, async (_, k) => {
        const page = await context.newPage();
        await page.goto(`${app.url}/form/${RESOURCES[(c + k) % RESOURCES.length]}?mode=queue`);
        const inPlace = (timeout: number) => page.waitForFunction(() => (globalThis as unknown as { cumulusDropin: Dropin }).cumulusDropin.status().then((s) => s.joined), undefined, { timeout, polling: 100 });
        // A page whose peer is not in place within 30 s is reloaded once, as a visitor would, and
        // counted; what its peer looked like is printed. (The gap this guarded against, joins that
        // waited out their attempts on contacts joining themselves, is closed: docs/coord.md.)
        try {
          await inPlace(30_000);
        } catch (err) {
          const seen = await page.evaluate(() => Promise.race([
            (globalThis as unknown as { cumulusDropin: Dropin }).cumulusDropin.status().then((st) => JSON.stringify(st)),
            new Promise<string>((resolve) => setTimeout(() => resolve('its peer has not started (still joining)'), 1000)),
          ])).catch((e: unknown) => `status failed: ${String(e)}`);
          console.warn(`reloading a page not in place: ${String(err).slice(0, 120)}; ${seen}`);
          reloads++;
          await page.reload();
          await inPlace(60_000);
        }
        return page;
      }))));
    }
  }, 240_000);
  afterAll(async () => {
    await pages[0]?.context().close();
    await app?.close();
  });

  for (const mode of ['queue', 'throttle'] as const) {
    it(`${mode}: the application never sees more than ${CAPACITY} POSTs at once per resource`, async () => {
      // A reload now and then is tolerated (see above); most visitors must get in place at once.
      expect(reloads).toBeLessThanOrEqual(CLIENTS / 4);
      if (mode !== 'queue') await Promise.all(pages.map((p, c) => switchMode(p, app.url, RESOURCES[c % RESOURCES.length]!, mode)));
      const before = app.stats.posts;
      for (const r of RESOURCES) app.stats.maxInFlight[r] = 0;
      const outcomes: Record<Outcome, number> = { posted: 0, refused: 0, error: 0 };
      const keptInput: boolean[] = [];
      await Promise.all(pages.map(async (page, c) => {
        for (let i = 0; i < POSTS_PER_CLIENT; i++) {
          const msg = `${mode}-c${c}-${i}`;
          const o = await post(page, msg);
          outcomes[o]++;
          if (o !== 'posted') keptInput.push((await page.inputValue('input[name=msg]')) === msg);
        }
      }));
      const status = await pages[0]!.evaluate(() => document.querySelector('.cumulus-status')?.textContent ?? null);
      for (const r of RESOURCES) expect(app.stats.maxInFlight[r] ?? 0, `resource ${r}`).toBeLessThanOrEqual(CAPACITY);
      expect(outcomes.error, `last status: ${status}`).toBe(0);
      expect(outcomes.posted + outcomes.refused).toBe(CLIENTS * POSTS_PER_CLIENT);
      expect(app.stats.posts - before).toBe(outcomes.posted);
      expect(keptInput.every(Boolean)).toBe(true);
      if (mode === 'queue') {
        // Every POST waits its turn (the wait is long enough for all of them).
        expect(outcomes.posted).toBe(CLIENTS * POSTS_PER_CLIENT);
      } else {
        // Eight clients per resource against two slots: some are turned away, some get through.
        expect(outcomes.posted).toBeGreaterThan(0);
        expect(outcomes.refused).toBeGreaterThan(0);
      }
    }, 60_000);
  }
});
