// A visitor of the notes test application in Chromium, as a person uses it: open a note's edit
// page, type, attach a file, press Save (the button whose name and value say "save"), land on the
// note's page (post/redirect/get), follow its Edit link, and again. Each visitor is a browser
// context of its own (its own cookies, session and cache, as separate people have). It records
// what the test and the bench check: how each click ended, the banners the drop-in showed, the
// page script's state after each submit, uncaught page errors, and each page's load and drop-in
// ready times.
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface Click {
  tag: string;
  /** Unix ms of the click: the page's submit event (else just before the driver clicked); the application logs Unix ms too. */
  atMs: number;
  outcome: 'saved' | 'refused';
  /** The drop-in's reason for the last refusal or unguarded send ('' when there was none). */
  reason: string;
  /**
   * A saved click's navigation, from the note page's navigation timing (Unix ms): when the POST's
   * navigation started (the drop-in let the submit go), and when the edit page was unloaded (its
   * pagehide, where the drop-in gives its slot back). Absent when the browser did not say.
   */
  navStartMs?: number;
  releaseMs?: number;
  /** When the drop-in's grant reached the page (Unix ms). */
  grantMs?: number;
  /**
   * The answer's way back (Unix ms, from the note page's navigation timing): the POST's answer, a
   * redirect, fully received by the browser, and the first byte of the page it redirected to.
   */
  redirectEndMs?: number;
  responseStartMs?: number;
}

type DropinGlobal = { state: string; readyAtMs: number | null; stats: { lastReason: string } };

/** Longest one click may take to end in a page or a refusal: the queue's wait and then some. */
const CLICK_BOUND_EXTRA_MS = 20_000;
/** Pause before a refused visitor tries again, as a person would after "try again in a moment". */
const RETRY_PAUSE_MS = 200;
/** Most tries of one edit (throttle mode refuses when full). */
const MAX_TRIES = 200;
/** How long a page waits for the drop-in to say ready or unreachable before it is recorded as neither. */
const SETTLE_BOUND_MS = 5_000;

export class NotesVisitor {
  readonly clicks: Click[] = [];
  readonly banners: string[] = [];
  readonly pageErrors: string[] = [];
  readonly consoleInfo: string[] = [];
  /** Per page load: navigation to the load event, and to the drop-in's ready (null: it never was). */
  readonly loadsMs: number[] = [];
  readonly readyMs: Array<number | null> = [];
  /** Saves after which the page script was not working (its toolbar not set up, or its global missing). */
  scriptFailures = 0;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly appUrl: string,
    readonly note: string,
  ) {}

  static async open(browser: Browser, appUrl: string, note: string): Promise<NotesVisitor> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const v = new NotesVisitor(context, page, appUrl, note);
    page.on('pageerror', (e) => v.pageErrors.push(String(e).slice(0, 300)));
    page.on('console', (m) => {
      if (m.type() === 'info') v.consoleInfo.push(m.text());
    });
    // Every banner the drop-in shows, on every page, whatever happens to the page afterwards.
    await page.exposeFunction('cumulusBannerShown', (text: string) => void v.banners.push(text));
    await page.addInitScript(() => {
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLElement && n.classList.contains('cumulus-status')) (window as unknown as { cumulusBannerShown(t: string): void }).cumulusBannerShown(n.textContent ?? '');
      }).observe(document, { childList: true, subtree: true });
      // The visitor's submit (Unix ms), seen before the drop-in's own listener (this one captures).
      addEventListener('submit', () => sessionStorage.setItem('bench-submit-ms', String(performance.timeOrigin + performance.now())), true);
      // When the gateway's grant reaches this tab (Unix ms), kept in the tab's session storage for
      // the page the grant leads to: it splits a hand-over into the gateway's part and the page's.
      const Native = WebSocket;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          this.addEventListener('message', (ev) => {
            if (typeof ev.data === 'string' && ev.data.includes('"granted"')) sessionStorage.setItem('bench-granted-ms', String(performance.timeOrigin + performance.now()));
          });
        }
      };
    });
    return v;
  }

  close(): Promise<void> {
    return this.context.close();
  }

  /** Open the note's edit page: by its Edit link when on the note's page, else by address. */
  async toEditPage(settle: boolean): Promise<void> {
    const link = this.page.locator('#edit');
    if (this.page.url().includes('/view') && (await link.count()) > 0) await link.click();
    else await this.page.goto(`${this.appUrl}/edit?id=${this.note}`);
    await this.page.waitForLoadState('load');
    this.loadsMs.push(await this.page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return nav ? nav.loadEventStart : performance.now();
    }));
    if (!settle) return;
    const settled = await this.page.waitForFunction(() => {
      const d = (globalThis as unknown as { cumulusDropin?: DropinGlobal }).cumulusDropin;
      return d && d.state !== 'connecting' ? d.readyAtMs ?? -1 : false;
    }, undefined, { timeout: SETTLE_BOUND_MS, polling: 20 }).then((h) => h.jsonValue() as Promise<number>, () => -1);
    this.readyMs.push(settled >= 0 ? settled : null);
  }

  /**
   * One edit: type, attach, Save, until the note's page shows it (or, without retries, until the
   * drop-in refuses). Refusals are retried after a pause when `retry` says so. From the note's
   * page it follows the Edit link first; on the edit page already, it edits there.
   */
  async edit(tag: string, o: { retry: boolean; waitMs: number; settle: boolean }): Promise<Click['outcome']> {
    if (!this.page.url().includes(`/edit?id=${this.note}`)) await this.toEditPage(o.settle);
    const body = `Edit ${tag}\nsecond line of ${tag}`;
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      await this.page.fill('textarea[name=body]', body);
      await this.page.evaluate((t) => {
        document.querySelector<HTMLInputElement>('input[name=tag]')!.value = t;
        sessionStorage.removeItem('bench-submit-ms');
      }, tag);
      await this.page.setInputFiles('input[name=attachment]', { name: `${tag}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`attachment of ${tag}\n`) });
      const clickedMs = Date.now();
      await this.page.click('button[name=action][value=save]');
      const h = await this.page.waitForSelector(`#note[data-tag="${tag}"], form[data-cumulus="refused"]`, { timeout: o.waitMs + CLICK_BOUND_EXTRA_MS });
      const saved = (await h.getAttribute('id')) === 'note';
      const reason = saved ? '' : await this.page.evaluate(() => (globalThis as unknown as { cumulusDropin?: DropinGlobal }).cumulusDropin?.stats.lastReason ?? '');
      // The click as the page saw it (its submit event), not when the driver began to click.
      const atMs = Number(await this.page.evaluate(() => sessionStorage.getItem('bench-submit-ms'))) || clickedMs;
      this.clicks.push({ tag, atMs, outcome: saved ? 'saved' : 'refused', reason, ...(saved ? await this.navigationOf() : {}) });
      if (saved) {
        const ok = await this.page.evaluate(() => document.getElementById('toolbar')?.dataset.ready === 'yes' && 'notesApp' in window);
        if (!ok) this.scriptFailures++;
        return 'saved';
      }
      if (!o.retry) return 'refused';
      await this.page.waitForTimeout(RETRY_PAUSE_MS);
    }
    return 'refused';
  }

  /** The current page's navigation start, its redirect, and its predecessor's unload, in Unix ms (same-origin pages expose them). */
  private async navigationOf(): Promise<Pick<Click, 'navStartMs' | 'releaseMs' | 'grantMs' | 'redirectEndMs' | 'responseStartMs'>> {
    const n = await this.page.evaluate(() => {
      const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const granted = Number(sessionStorage.getItem('bench-granted-ms'));
      sessionStorage.removeItem('bench-granted-ms');
      return e ? { origin: performance.timeOrigin, unloadMs: e.unloadEventStart, redirectEndMs: e.redirectEnd, responseStartMs: e.responseStart, granted } : null;
    });
    if (!n) return {};
    const at = (ms: number) => (ms > 0 ? n.origin + ms : undefined);
    const fields = { navStartMs: n.origin, releaseMs: at(n.unloadMs), grantMs: n.granted > 0 ? n.granted : undefined, redirectEndMs: at(n.redirectEndMs), responseStartMs: at(n.responseStartMs) };
    return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  }

  /** What the refused form still holds (a refused visitor keeps what they typed). */
  async typedBody(): Promise<string> {
    return this.page.inputValue('textarea[name=body]');
  }
}
