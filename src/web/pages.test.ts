// Proves the volunteer page and the dashboard in real Chromium: a tab joins in one click and shows live figures; a 10 MB storage limit makes its peer refuse beyond it and move its surplus to other peers (every file still reads back); pause stops its task and storage service; the dashboard shows peers appear and disappear and a job's progress; both pages at 1280x800 and 390x844 show their key elements without overflowing; axe-core finds no serious violation.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { launchChromium, TAB_JOIN_TIMEOUT_MS } from '../bench/chromium.js';
import { Cumulus } from '../sdk/index.js';
import type { LendingFigures } from '../host/lending.js';

const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'cumulus-pages-'));
/** Where the screenshots stay after a run, for a person to look at (git-ignored). */
const SHOTS = fileURLToPath(new URL('../../test-results/pages/', import.meta.url));
mkdirSync(SHOTS, { recursive: true });
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let browser: Browser | null = null;
let cloud: CloudServer | null = null;
const volunteers: RunningPeer[] = [];
afterAll(async () => {
  await browser?.close();
  for (const v of volunteers) await v.close();
  await cloud?.close();
  shutdownNodeRtc();
  rmSync(dir, { recursive: true, force: true });
});

type TabApi = { figures(): LendingFigures; status(): { storage: { refusedOverQuota: number; refusedPaused: number } } };
const figures = (p: Page) => p.evaluate(() => (globalThis as unknown as { cumulus: TabApi }).cumulus.figures());
const tabStorage = (p: Page) => p.evaluate(() => (globalThis as unknown as { cumulus: TabApi }).cumulus.status().storage);
const limitsKept = (p: Page) => p.evaluate(() => JSON.parse(localStorage.getItem('cumulus-limits') ?? '{}') as { onlyWhenCharging?: boolean });
const tabPaused = (p: Page) => p.evaluate(() => (globalThis as unknown as { cumulus: { paused(): { storage: boolean; worker: boolean } } }).cumulus.paused());
const text = async (p: Page, sel: string) => (await p.textContent(sel)) ?? '';

/** At both sizes: the key elements are visible and nothing is wider than the screen. */
async function checkLayouts(p: Page, name: string, keys: string[]): Promise<void> {
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    await p.setViewportSize({ width, height });
    await p.screenshot({ path: join(SHOTS, `${name}-${width}x${height}.png`), fullPage: true });
    for (const k of keys) expect(await p.locator(k).first().isVisible(), `${k} at ${width}x${height}`).toBe(true);
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
}

/** Serious and critical accessibility violations axe-core finds on the page, by rule. */
async function axeSerious(p: Page): Promise<string[]> {
  await p.addScriptTag({ path: AXE });
  const r = await p.evaluate(async () => (await (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } }).axe.run()).violations);
  return r.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
}

/** A page of a site using the coordination drop-in, speaking its wire protocol over a WebSocket. */
function dropinPage(url: string): { ws: WebSocket; ready: Promise<void>; next(type: string): Promise<{ type: string }> } {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/dropin`, { headers: { origin: 'http://notes.example' } });
  const seen: Array<{ type: string }> = [];
  const wanted: Array<{ type: string; resolve(m: { type: string }): void }> = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string };
    const w = wanted.findIndex((x) => x.type === m.type);
    if (w >= 0) wanted.splice(w, 1)[0]!.resolve(m);
    else seen.push(m);
  });
  const next = (type: string) => new Promise<{ type: string }>((resolve) => {
    const i = seen.findIndex((m) => m.type === type);
    if (i >= 0) resolve(seen.splice(i, 1)[0]!);
    else wanted.push({ type, resolve });
  });
  return { ws, ready: next('ready').then(() => undefined), next };
}

async function readAll(sdk: Cumulus, files: Map<string, string>): Promise<void> {
  for (const [path, sha] of files) {
    const got = await sdk.get(path);
    const bytes = new Uint8Array(await new Response(got.body).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex'), path).toBe(sha);
  }
}

describe('the volunteer page and the dashboard', () => {
  it('joins in one click, keeps its limits, pauses, leaves; the dashboard follows', async () => {
    cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'server') });
    const url = cloud.server.url;
    for (let i = 0; i < 3; i++) volunteers.push(await startNodePeer({ dataDir: join(dir, `v${i}`), serverUrl: url, storage: { quotaBytes: 256 * MB } }));
    await cloud.peerReady();
    const sdk = new Cumulus({ url, token: await cloud.users.add('ann', Date.now()) });
    browser = await launchChromium();

    const dash = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await dash.goto(`${url}/dashboard`);
    await vi.waitFor(async () => expect(await text(dash, '#count-nodes')).toBe('3'), { timeout: 30_000, interval: 200 });

    // One click joins, and the figures come alive.
    const tab = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await tab.goto(url);
    await checkLayouts(tab, 'volunteer-ready', ['#state', '#join', '#quota-mb', '#workers']);
    expect(await axeSerious(tab)).toEqual([]);
    await tab.click('#join');
    await vi.waitFor(async () => expect(await text(tab, '#state')).toMatch(/^Joined, linked to [1-9]\d* peers?/), { timeout: TAB_JOIN_TIMEOUT_MS, interval: 200 });
    await vi.waitFor(async () => expect(await text(tab, '#stored')).toMatch(/of 256 MB$/), { timeout: 5000, interval: 200 });
    expect(await text(tab, '#uptime')).toMatch(/^(under a minute|\d+ min)$/);
    await checkLayouts(tab, 'volunteer-joined', ['#state', '#stored', '#served', '#tasks', '#pause', '#leave', '#quota-mb']);
    expect(await axeSerious(tab)).toEqual([]);
    await vi.waitFor(async () => expect(await text(dash, '#count-browsers')).toBe('1'), { timeout: 10_000, interval: 200 });

    // Files enough that the tab holds more than 10 MB; then a 10 MB limit moves the surplus away.
    const files = new Map<string, string>();
    const put = async (name: string, bytes: number) => {
      const data = randomBytes(bytes);
      await sdk.put(`~/${name}`, data);
      files.set(`~/${name}`, createHash('sha256').update(data).digest('hex'));
    };
    // How much lands on the tab depends on where its id fell on the ring: write until it holds enough.
    let n = 0;
    while ((await figures(tab)).storedBytes <= 12 * MB && n < 60) await put(`f${n++}`, 2 * MB);
    expect((await figures(tab)).storedBytes).toBeGreaterThan(12 * MB);
    await tab.fill('#quota-mb', '10');
    await tab.press('#quota-mb', 'Tab');
    await vi.waitFor(async () => {
      const f = await figures(tab);
      expect(f.quotaBytes).toBe(10 * MB);
      expect(f.storedBytes).toBeLessThanOrEqual(10 * MB);
    }, { timeout: 120_000, interval: 500 });
    expect((await figures(tab)).movedChunks).toBeGreaterThan(0);
    expect(await text(tab, '#note')).toMatch(/^Moved \d+ chunks?/);
    for (let i = 0; i < 4; i++) await put(`g${i}`, 2 * MB);
    expect((await figures(tab)).storedBytes).toBeLessThanOrEqual(10 * MB);
    expect((await tabStorage(tab)).refusedOverQuota).toBeGreaterThan(0);
    await readAll(sdk, files);

    // Paused: the tab takes and serves no chunk, and runs no task of a job that runs meanwhile.
    await tab.click('#pause');
    await vi.waitFor(async () => expect(await text(tab, '#state')).toMatch(/Paused: lending nothing/), { timeout: 5000, interval: 100 });
    const before = await figures(tab);
    await put('while-paused', 2 * MB);
    const job = await sdk.createJob({ name: 'count lines', phases: [{ exec: 'wc -c' }] });
    await sdk.addInputs(job, [...files.keys()]);
    await sdk.endInputs(job);
    await vi.waitFor(async () => expect((await sdk.status(job)).state).toBe('done'), { timeout: 120_000, interval: 500 });
    const after = await figures(tab);
    expect(after.storedBytes).toBe(before.storedBytes);
    expect(after.tasksRun).toBe(before.tasksRun);
    expect((await tabStorage(tab)).refusedPaused).toBeGreaterThan(0);
    await readAll(sdk, files);
    await tab.click('#pause');
    await vi.waitFor(async () => expect(await text(tab, '#pause')).toBe('Pause'), { timeout: 5000, interval: 100 });

    // Coordination: through the drop-in gateway one page holds the only slot of a form's resource and
    // another queues for it; the dashboard (from its feed) shows the resource with both.
    const pages = [dropinPage(url), dropinPage(url)];
    const said = await Promise.all(pages.map(async (p, i) => {
      await p.ready;
      p.ws.send(JSON.stringify({ type: 'acquire', id: 1, path: '/save', capacity: 1, waitMs: 60_000, holdMs: 60_000 }));
      return i === 0 ? p.next('granted') : p.next('received');
    }));
    expect(said.map((m) => m.type)).toEqual(['granted', 'received']);
    await vi.waitFor(async () => {
      expect(await text(dash, '#coord tbody tr td.held')).toBe('1 of 1');
      expect(await text(dash, '#coord tbody tr td.queued')).toMatch(/^1\b/);
    }, { timeout: 10_000, interval: 200 });
    await checkLayouts(dash, 'dashboard-coord', ['#coord']);
    // The queued page goes; the holder gives its slot back, which the gateway returns to the owner.
    // (Closed first: a slot given back while it still queued would be handed to it.)
    await new Promise((resolve) => {
      pages[1]!.ws.once('close', resolve);
      pages[1]!.ws.close();
    });
    pages[0]!.ws.send(JSON.stringify({ type: 'release', tickets: [(said[0] as { ticket?: string }).ticket], from: 'pagehide' }));
    pages[0]!.ws.close();
    await vi.waitFor(async () => expect(await dash.locator('#no-coord').isVisible()).toBe(true), { timeout: 30_000, interval: 250 });

    // The dashboard shows the job done, and peers leaving.
    await vi.waitFor(async () => {
      expect(await dash.locator(`#jobs li[data-job="${job}"]`).textContent()).toMatch(/: done, (\d+) of \1 tasks$/);
    }, { timeout: 15_000, interval: 250 });
    await checkLayouts(dash, 'dashboard', ['#ring', '#count-peers', '#count-onring', '#jobs', '#charts .uplot']);
    expect(await dash.locator('#charts .uplot').count()).toBe(4);
    expect(await axeSerious(dash)).toEqual([]);
    const leavesBefore = Number(await text(dash, '#count-leaves'));
    await volunteers.pop()!.close();
    await vi.waitFor(async () => expect(await text(dash, '#count-nodes')).toBe('2'), { timeout: 30_000, interval: 200 });
    expect(Number(await text(dash, '#count-leaves'))).toBeGreaterThan(leavesBefore);

    // Leave hands over what the tab holds, then the dashboard sees the browser go.
    await tab.click('#leave');
    await vi.waitFor(async () => expect(await text(tab, '#state')).toMatch(/^Left the cloud/), { timeout: 90_000, interval: 250 });
    await vi.waitFor(async () => expect(await text(dash, '#count-browsers')).toBe('0'), { timeout: 30_000, interval: 200 });
    await readAll(sdk, files);
  }, 600_000);

  it('lends only while charging where the browser tells, and says so where it does not', async () => {
    const url = cloud!.server.url;
    // A battery the test plugs and unplugs: navigator.getBattery as Chromium has it, driven from here.
    const ctx = await browser!.newContext({ viewport: { width: 390, height: 844 } });
    await ctx.addInitScript(() => {
      const battery = Object.assign(new EventTarget(), { charging: true, level: 0.5, chargingTime: 0, dischargingTime: Infinity });
      const g = globalThis as unknown as { plug(on: boolean): void };
      g.plug = (on) => {
        battery.charging = on;
        battery.dispatchEvent(new Event('chargingchange'));
      };
      Object.defineProperty(Navigator.prototype, 'getBattery', { value: () => Promise.resolve(battery), configurable: true });
    });
    const tab = await ctx.newPage();
    await tab.goto(`${url}/?join=auto`);
    await vi.waitFor(async () => expect(await text(tab, '#state')).toMatch(/^Joined/), { timeout: TAB_JOIN_TIMEOUT_MS, interval: 200 });
    expect(await tab.isEnabled('#only-charging')).toBe(true);
    await tab.check('#only-charging');
    await vi.waitFor(async () => expect((await limitsKept(tab)).onlyWhenCharging).toBe(true), { timeout: 5000, interval: 100 });
    expect((await figures(tab)).why).toBe(null);

    const plug = (on: boolean) => tab.evaluate((v) => (globalThis as unknown as { plug(on: boolean): void }).plug(v), on);
    await plug(false);
    await vi.waitFor(async () => expect(await text(tab, '#state')).toMatch(/On battery: lending nothing/), { timeout: 5000, interval: 100 });
    expect(await figures(tab)).toMatchObject({ why: 'discharging', takingTasks: false, charging: false });
    expect(await tabPaused(tab)).toEqual({ storage: true, worker: true });
    await plug(true);
    await vi.waitFor(async () => expect(await figures(tab)).toMatchObject({ why: null, takingTasks: true, charging: true }), { timeout: 5000, interval: 100 });
    expect(await tabPaused(tab)).toEqual({ storage: false, worker: false });
    await ctx.close();

    // A browser without Battery Status: the limit is shown disabled, with why.
    const bare = await browser!.newContext({ viewport: { width: 390, height: 844 } });
    await bare.addInitScript(() => {
      delete (Navigator.prototype as unknown as { getBattery?: unknown }).getBattery;
    });
    const page = await bare.newPage();
    await page.goto(url);
    await vi.waitFor(async () => expect(await text(page, '#only-charging-hint')).toMatch(/does not tell whether the device is charging/), { timeout: 5000, interval: 100 });
    expect(await page.isEnabled('#only-charging')).toBe(false);
    await bare.close();
  }, 120_000);
});
