// Proves the volunteer page and the dashboard in real Chromium: a tab joins in one click and shows live figures; a 10 MB storage limit makes its peer refuse beyond it and move its surplus to other peers (every file still reads back); pause stops its task and storage service; the dashboard shows peers appear and disappear and a job's progress; both pages at 1280x800 and 390x844 show their key elements without overflowing; axe-core finds no serious violation.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { launchChromium, TAB_JOIN_TIMEOUT_MS } from '../bench/chromium.js';
import { Cumulus } from '../sdk/index.js';
import type { LendingFigures } from '../host/lending.js';

const MB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'cumulus-pages-'));
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
const text = async (p: Page, sel: string) => (await p.textContent(sel)) ?? '';

/** At both sizes: the key elements are visible and nothing is wider than the screen. */
async function checkLayouts(p: Page, name: string, keys: string[]): Promise<void> {
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    await p.setViewportSize({ width, height });
    await p.screenshot({ path: join(dir, `${name}-${width}x${height}.png`), fullPage: true });
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
    expect(await text(tab, '#uptime')).toMatch(/\d+ s/);
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
});
