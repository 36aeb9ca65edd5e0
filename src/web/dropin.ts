// The coordination drop-in (served as /coord-dropin.js, bundled by src/server/web.ts): a web
// application adds one async script tag to its pages, and no more than data-capacity POSTs to one
// form action are sent at once over all its visitors. The page is a light client: it never joins
// the ring, it asks the Cumulus server's drop-in gateway over one WebSocket (dropin-link.ts),
// whose own peer holds the lease on its behalf. A held submission is sent, once granted, the
// browser's own way (dropin-form.ts); the slot is released when the answer has arrived: when this
// page is replaced (pagehide), or by the tab's next page from session storage, or by the gateway
// after data-hold-ms. When Cumulus cannot decide (unreachable, frozen, the ring reorganising) the
// form goes through unguarded by default (data-fail="open"), or is refused with the reason
// (data-fail="closed"). See docs/coord.md, "The drop-in for web applications".
import { BUSY_REASONS, DROPIN_MAX_TICKETS, DROPIN_WS_PATH, type DropinReason } from '../services/coord/dropin-wire.js';
import { parseSettings, type DropinSettings } from './dropin-settings.js';
import { FormStatus, refusalMessage, waitingMessage } from './dropin-ui.js';
import { GatewayLink } from './dropin-link.js';
import { HiddenForm, pathOf, snapshotOf, type Snapshot } from './dropin-form.js';

/** A queued form shows its waiting line only when the wait lasts: a quick grant shows nothing. */
const WAIT_BANNER_MS = 300;
const STORE_KEY = 'cumulus-dropin';

/** What a tab keeps across its pages: tickets to release, and what to report once Cumulus is back. */
interface Stored {
  tickets: string[];
  unreachable: number;
  unguarded: number;
}

function load(): Stored {
  try {
    const v = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null') as Partial<Stored> | null;
    const n = (x: unknown) => (typeof x === 'number' && x >= 0 ? Math.floor(x) : 0);
    const tickets = Array.isArray(v?.tickets) ? v.tickets.filter((t): t is string => typeof t === 'string' && /^[0-9a-f]{32}$/.test(t)) : [];
    return { tickets: tickets.slice(-DROPIN_MAX_TICKETS), unreachable: n(v?.unreachable), unguarded: n(v?.unguarded) };
  } catch {
    return { tickets: [], unreachable: 0, unguarded: 0 };
  }
}

function save(s: Stored): void {
  try {
    sessionStorage.setItem(STORE_KEY, JSON.stringify({ ...s, tickets: s.tickets.slice(-DROPIN_MAX_TICKETS) }));
  } catch {
    // Storage refused (private mode, quota): the pagehide release and the gateway's bound remain.
  }
}

class Dropin {
  readonly stats = { granted: 0, refused: 0, unguarded: 0, lastReason: '' as DropinReason | '' };
  private readonly link: GatewayLink;
  private readonly holding = new WeakSet<HTMLFormElement>();
  /** Tickets granted to this page, released when it is replaced. */
  private readonly mine: string[] = [];
  private leaving = false;
  private firstReady = true;

  constructor(
    readonly settings: DropinSettings,
    private readonly nativeSubmit: (this: HTMLFormElement) => void,
  ) {
    this.link = new GatewayLink(settings.serverUrl.replace(/^http/, 'ws') + DROPIN_WS_PATH);
    this.link.onReady = () => this.onReady();
  }

  start(): void {
    this.link.connect();
    addEventListener('submit', (ev) => {
      if (ev.defaultPrevented || !(ev.target instanceof HTMLFormElement)) return;
      if (this.holding.has(ev.target)) return ev.preventDefault();
      const snap = snapshotOf(ev.target, ev.submitter);
      if (!snap) return;
      ev.preventDefault();
      void this.hold(ev.target, snap);
    });
    // The answer has arrived (this page is being replaced by it), or the visitor is leaving.
    addEventListener('pagehide', () => {
      this.leaving = true;
      this.link.release(this.mine.splice(0), 'pagehide');
      this.link.close();
    });
    addEventListener('pageshow', (ev) => {
      if (!ev.persisted) return;
      // Restored from the back/forward cache: a fresh connection, and forms as the visitor left them.
      this.leaving = false;
      for (const f of document.querySelectorAll('form')) if (f.dataset.cumulus) new FormStatus(f).show('idle');
      this.link.connect();
    });
  }

  /** form.submit() fires no submit event: the patched method comes here. */
  submitCalled(form: HTMLFormElement): void {
    if (this.holding.has(form)) return;
    const snap = snapshotOf(form, null);
    if (!snap) return this.nativeSubmit.call(form);
    void this.hold(form, snap);
  }

  get state(): string {
    return this.link.state;
  }

  get readyAtMs(): number | null {
    return this.link.readyAtMs;
  }

  private onReady(): void {
    const stored = load();
    // The previous page of this tab sent a form and was replaced by its answer: its slots are free.
    // Only a top-level page may say so (a frame loads while its parent page still waits).
    if (this.firstReady && window.top === window) {
      this.link.release(stored.tickets, 'next-page');
      stored.tickets = [];
    }
    this.firstReady = false;
    if (stored.unreachable > 0 || stored.unguarded > 0) this.link.send({ type: 'report', unreachable: stored.unreachable, unguarded: stored.unguarded });
    save({ ...stored, unreachable: 0, unguarded: 0 });
  }

  private async hold(form: HTMLFormElement, snap: Snapshot): Promise<void> {
    this.holding.add(form);
    const ui = new FormStatus(form);
    const hidden = new HiddenForm(snap);
    try {
      ui.show('connecting');
      if (!(await this.link.whenSettled())) {
        this.link.connect();
        return this.notGuarded(ui, hidden, 'unreachable');
      }
      const s = this.settings;
      let bannerTimer: ReturnType<typeof setTimeout> | undefined;
      const { id, verdict } = this.link.acquire({ path: pathOf(snap), capacity: s.capacity, waitMs: s.waitMs, holdMs: s.holdMs }, () => {
        if (s.mode === 'queue') bannerTimer = setTimeout(() => ui.show('waiting', waitingMessage(s.waitMs), () => this.link.cancel(id)), WAIT_BANNER_MS);
      });
      const v = await verdict;
      clearTimeout(bannerTimer);
      if (this.leaving) return hidden.discard();
      if (v.granted) {
        // The navigation first: the slot is idle at the application until this POST reaches it.
        hidden.submit(this.nativeSubmit);
        this.stats.granted++;
        this.mine.push(v.ticket);
        const stored = load();
        save({ ...stored, tickets: [...stored.tickets, v.ticket] });
        return ui.show('sent');
      }
      this.stats.refused++;
      this.stats.lastReason = v.reason;
      if (BUSY_REASONS.has(v.reason)) {
        hidden.discard();
        return ui.show('refused', refusalMessage(v.reason, s.waitMs));
      }
      this.notGuarded(ui, hidden, v.reason);
    } finally {
      this.holding.delete(form);
    }
  }

  /** Cumulus could not decide: send unguarded (fail open) or refuse with the reason (fail closed). */
  private notGuarded(ui: FormStatus, hidden: HiddenForm, reason: DropinReason): void {
    if (this.leaving) return hidden.discard();
    this.stats.lastReason = reason;
    const stored = load();
    if (reason === 'unreachable') stored.unreachable++;
    if (this.settings.fail === 'closed') {
      save(stored);
      hidden.discard();
      return ui.show('refused', refusalMessage(reason, this.settings.waitMs));
    }
    this.stats.unguarded++;
    stored.unguarded++;
    save(stored);
    console.info(`cumulus drop-in: sent without a slot (${reason})`);
    ui.show('unguarded');
    hidden.submit(this.nativeSubmit);
  }
}

function install(): void {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script) throw new Error('coord-dropin.js must be loaded with a classic <script src> tag (async is fine)');
  const g = globalThis as unknown as { cumulusDropin?: unknown };
  if (g.cumulusDropin) throw new Error('coord-dropin.js is on this page twice; the first tag is used');
  const nativeSubmit = HTMLFormElement.prototype.submit;
  const d = new Dropin(parseSettings({ ...script.dataset }, script.src), nativeSubmit);
  HTMLFormElement.prototype.submit = function (this: HTMLFormElement) {
    d.submitCalled(this);
  };
  d.start();
  g.cumulusDropin = d;
}

try {
  install();
} catch (e) {
  // A misconfigured tag must not break the page: its forms then submit as they always did.
  console.error(`cumulus drop-in disabled: ${e instanceof Error ? e.message : String(e)}`);
}
