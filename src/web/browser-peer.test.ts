// Proves a real Chromium tab that opens the volunteer page joins the same ring as Node peers over
// WebRTC: the ring is consistent with the tab in it, a lookup from the tab reaches the true owner,
// and the page shows the tab's id and successor; a tab past its budget of peer connections leaves,
// reloads and comes back with the same identity.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createServer } from '../server/app.js';
import { startServerPeer } from '../server/own-peer.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { launchChromium } from '../bench/chromium.js';
import { checkStatuses, trueOwner } from '../peer/ring-view.js';
import type { PeerStatus } from '../peer/peer.js';
import { hashNameToId, idToHex, type PeerId } from '../core/id.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-browser-peer-'));
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
  shutdownNodeRtc();
});

type Api = { status(): PeerStatus; lookup(k: string): Promise<{ owner: PeerId }> };

describe('a browser tab as a peer', () => {
  it('joins the ring of Node peers and routes lookups', async () => {
    const server = await createServer({ port: 0 });
    const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server') });
    const node = await startNodePeer({ dataDir: join(dir, 'node'), serverUrl: server.url });
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/?join=auto`);
    await page.waitForFunction(() => 'cumulus' in globalThis || 'cumulusError' in globalThis, undefined, { timeout: 30_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { cumulusError?: string }).cumulusError ?? null)).toBeNull();
    const tab = () => page.evaluate(() => (globalThis as unknown as { cumulus: Api }).cumulus.status());

    await vi.waitFor(async () => {
      const all = [own.peer.status(), node.peer.status(), await tab()];
      // The checker looks only at peers in place, so first every peer (the tab too) must be.
      expect(all.filter((s) => !s.joined).map((s) => s.id)).toEqual([]);
      expect(checkStatuses(all).problems).toEqual([]);
    }, { timeout: 30_000, interval: 100 });

    const tabStatus = await tab();
    const ids = [own.id, node.identity.id, tabStatus.id];
    for (let i = 0; i < 10; i++) {
      const key = hashNameToId(`browser-${i}`);
      const r = await page.evaluate((k) => (globalThis as unknown as { cumulus: Api }).cumulus.lookup(k), idToHex(key));
      expect(r.owner).toBe(trueOwner(ids, key));
    }
    await vi.waitFor(async () => expect(await page.textContent('#successor')).toBe(tabStatus.successor), { timeout: 5000 });
    expect(await page.textContent('#id')).toBe(tabStatus.id);

    await page.context().close();
    await node.close();
    await own.close();
    await server.close();
  }, 90_000);

  it('reloads past its connection budget and comes back with the same identity', async () => {
    const server = await createServer({ port: 0 });
    const own = await startServerPeer(server, { lendStorage: true, dataDir: join(dir, 'server2') });
    const node = await startNodePeer({ dataDir: join(dir, 'node2'), serverUrl: server.url });
    browser ??= await launchChromium();
    const page = await (await browser.newContext()).newPage();
    // Two set-ups (its links to the server's peer and to the node) spend this budget.
    await page.goto(`${server.url}/?join=auto&setup-budget=2`);
    type Tab = { status(): PeerStatus; reloads(): number };
    // The page reloads under us: an evaluate that meets a navigation throws and is tried again.
    const read = () => page.evaluate(() => {
      const c = (globalThis as unknown as { cumulus?: Tab }).cumulus;
      return c ? { id: c.status().id, reloads: c.reloads() } : null;
    });
    let first: { id: string; reloads: number } | null = null;
    await vi.waitFor(async () => {
      first = await read();
      expect(first?.reloads).toBe(0);
    }, { timeout: 30_000, interval: 50 });
    await vi.waitFor(async () => {
      const now = await read();
      expect(now?.reloads).toBeGreaterThanOrEqual(1);
      expect(now?.id).toBe(first!.id);
    }, { timeout: 30_000, interval: 100 });
    await page.context().close();
    await node.close();
    await own.close();
    await server.close();
  }, 90_000);
});
