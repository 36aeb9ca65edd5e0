// The peers a bench drives, whatever they are: the server's own peer in this process, a volunteer
// process (through its control channel), or a Chromium tab on the volunteer page (through the
// page's `cumulus` object). Each answers its status and lookups and stops when told.
import type { Browser, Page } from 'playwright-core';
import { idFromHex, type PeerId } from '../core/id.js';
import type { PeerStatus } from '../peer/peer.js';
import type { ServerPeer } from '../server/own-peer.js';
import { fullStatus, type ConnectionStatus } from '../host/peer-status.js';
import type { VolunteerProcess } from '../host/volunteer-process.js';
import { TAB_JOIN_TIMEOUT_MS } from './chromium.js';

export type BenchStatus = PeerStatus & { signal: { linksViaServer: number; linksViaOverlay: number }; connections?: ConnectionStatus };
export interface LookupAnswer { owner: PeerId; hops: number; ms: number }

/** Page log lines kept per tab (a tab whose server is down logs a failed WebSocket every few seconds). */
const MAX_LOG_LINES = 20;

export interface BenchPeer {
  id: PeerId;
  kind: 'server' | 'node' | 'browser';
  status(): Promise<BenchStatus>;
  lookup(keyHex: string): Promise<LookupAnswer>;
  stop(): Promise<void>;
}

export function serverPeer(p: ServerPeer): BenchPeer {
  return {
    id: p.id,
    kind: 'server',
    status: async () => fullStatus(p) as unknown as BenchStatus,
    lookup: async (key) => {
      const t = performance.now();
      const r = await p.peer.lookup(idFromHex(key));
      return { owner: r.owner, hops: r.hops, ms: performance.now() - t };
    },
    stop: () => p.close(),
  };
}

export function nodePeer(v: VolunteerProcess): BenchPeer {
  return {
    id: v.id,
    kind: 'node',
    status: async () => (await v.request('status')) as BenchStatus,
    lookup: async (key) => (await v.request('lookup', key)) as LookupAnswer,
    stop: () => v.stop(),
  };
}

/** A tab on the volunteer page, joined; `page` for a test that reads its figures, `stop()` closes it as a volunteer closing the tab. */
export async function browserPeer(browser: Browser, url: string): Promise<BenchPeer & { page: Page }> {
  // A context per tab: its own IndexedDB, so its own identity, as a separate visitor would have.
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  // The last few lines the page logged, to explain a failure.
  const logs: string[] = [];
  const log = (line: string) => {
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.shift();
  };
  page.on('console', (m) => log(m.text()));
  page.on('pageerror', (e) => log(String(e)));
  // A bench's tab joins at once, as a volunteer who pressed Join before would.
  const target = new URL(url);
  target.searchParams.set('join', 'auto');
  await page.goto(target.toString());
  try {
    await page.waitForFunction(() => 'cumulus' in globalThis || 'cumulusError' in globalThis, undefined, { timeout: TAB_JOIN_TIMEOUT_MS });
  } catch (e) {
    throw new Error(`browser peer did not join: page says "${await page.textContent('#state')}"; console: ${logs.slice(-5).join(' | ')}`, { cause: e });
  }
  const err = await page.evaluate(() => (globalThis as unknown as { cumulusError?: string }).cumulusError);
  if (err) throw new Error(`browser peer could not join: ${err}`);
  type Api = { status(): BenchStatus; lookup(k: string): Promise<LookupAnswer> };
  const status = () => page.evaluate(() => (globalThis as unknown as { cumulus: Api }).cumulus.status());
  const id = (await status()).id;
  return {
    id,
    kind: 'browser',
    status,
    lookup: (key) => page.evaluate((k) => (globalThis as unknown as { cumulus: Api }).cumulus.lookup(k), key),
    stop: () => context.close(),
    page,
  };
}
