// The coordination drop-in (served as /coord-dropin.js, bundled by src/server/web.ts): a web
// application adds one script tag to its pages and each visitor's page becomes a peer of the
// cloud. Every form POST is held until the peer holds a lease on the form's resource (a hash of
// its action), then sent with fetch; the lease is released once the response has loaded, and the
// response replaces the page as a normal submission would. So the application's server never
// sees more POSTs to one action at once than data-capacity, over all visitors. See docs/coord.md.
import { MemoryStore } from '../env/memory-store.js';
import { startPeer, type RunningPeer } from '../host/start-peer.js';
import { CoordRefusedError } from '../services/coord/solicitor.js';
import type { PeerConnectionCtor } from '../runtime/webrtc-net.js';
import { parseSettings, resourceOf, type DropinSettings } from './dropin-settings.js';
import { FormStatus, MESSAGES } from './dropin-ui.js';

interface Shared {
  serverUrl: string;
  peer: Promise<RunningPeer>;
  stats: { granted: number; refused: number; failed: number; sent: number; lastRefusal: string };
  /** The listeners of the latest install (a rewritten page installs again, with its own settings). */
  onSubmit?: (ev: SubmitEvent) => void;
  onPageHide?: (ev: PageTransitionEvent) => void;
  nativeSubmit?: () => void;
  settings?: DropinSettings;
}

/** Kept on the window: a response written over the page (document.write) runs this script again
 * in the same window, and must find the peer that is already on the ring instead of joining anew. */
const KEY = '__cumulusDropin';
type Win = typeof globalThis & { [KEY]?: Shared };

function shared(serverUrl: string): Shared {
  const w = globalThis as Win;
  const have = w[KEY];
  if (have && have.serverUrl === serverUrl) return have;
  // A visitor's page is a short-lived peer: an in-memory store, so a fresh identity per tab and
  // nothing left behind in the application's origin storage.
  const peer = startPeer({ store: new MemoryStore(), RTCPeerConnection: globalThis.RTCPeerConnection as unknown as PeerConnectionCtor, serverUrl });
  const s: Shared = { serverUrl, peer, stats: { granted: 0, refused: 0, failed: 0, sent: 0, lastRefusal: '' } };
  w[KEY] = s;
  // A failed join is forgotten so the next submission tries again.
  peer.catch(() => {
    if (w[KEY] === s) delete w[KEY];
  });
  return s;
}

/** The body as the browser would send it for the form's enctype, read now. */
function bodyOf(form: HTMLFormElement, submitter: HTMLElement | null): { body: BodyInit; type?: string } {
  let fd: FormData;
  try {
    fd = new FormData(form, submitter);
  } catch {
    fd = new FormData(form);
  }
  if (form.enctype === 'multipart/form-data') return { body: fd };
  if (form.enctype === 'text/plain') {
    let text = '';
    for (const [k, v] of fd) text += `${k}=${typeof v === 'string' ? v : v.name}\r\n`;
    return { body: text, type: 'text/plain' };
  }
  const params = new URLSearchParams();
  for (const [k, v] of fd) params.append(k, typeof v === 'string' ? v : v.name);
  return { body: params, type: 'application/x-www-form-urlencoded' };
}

/** Show the response as a normal submission would have: it replaces the page. */
function render(url: string, html: string): void {
  if (url && url !== location.href) history.pushState(null, '', url);
  document.open();
  document.write(html);
  document.close();
}

const holding = new WeakSet<HTMLFormElement>();

async function submitHeld(form: HTMLFormElement, submitter: HTMLElement | null, settings: DropinSettings, s: Shared): Promise<void> {
  const ui = new FormStatus(form);
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    ui.show('refused', MESSAGES.cancelled);
  };
  ui.show('connecting', MESSAGES.connecting, cancel);
  let running: RunningPeer;
  try {
    running = await s.peer;
  } catch (e) {
    s.stats.failed++;
    return ui.show('error', MESSAGES.unreachable(e instanceof Error ? e.message : String(e)));
  }
  if (cancelled) return;
  if (settings.mode === 'queue') ui.show('waiting', MESSAGES.waiting(settings.waitMs), cancel);
  let lease;
  try {
    lease = await running.peer.semaphore(resourceOf(form.action), { capacity: settings.capacity }).acquire({ waitMs: settings.waitMs });
  } catch (e) {
    s.stats.refused++;
    s.stats.lastRefusal = e instanceof CoordRefusedError ? e.reason : e instanceof Error ? e.message : String(e);
    if (cancelled) return;
    if (e instanceof CoordRefusedError && (e.reason === 'full' || e.reason === 'wait-expired')) return ui.show('refused', e.reason === 'full' ? MESSAGES.full : MESSAGES.waited(settings.waitMs));
    return ui.show('refused', settings.mode === 'throttle' ? MESSAGES.full : MESSAGES.waited(settings.waitMs));
  }
  s.stats.granted++;
  if (cancelled) return void lease.release();
  ui.show('sending', MESSAGES.sending);
  try {
    const { body, type } = bodyOf(form, submitter);
    const res = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin', ...(type ? { headers: { 'content-type': type } } : {}) });
    // The response has loaded only once its body has: the server may still be working until then.
    const html = await res.text();
    await lease.release();
    s.stats.sent++;
    render(res.url, html);
  } catch (e) {
    await lease.release();
    s.stats.failed++;
    ui.show('error', MESSAGES.failed(e instanceof Error ? e.message : String(e)));
  }
}

/** The application's own handlers run first; a submission one of them took over is left alone. */
function capture(form: HTMLFormElement, submitter: HTMLElement | null, settings: DropinSettings, s: Shared): boolean {
  if (form.method !== 'post') return false;
  // fetch could not read a cross-origin response without CORS, so such forms go through as they are.
  if (new URL(form.action).origin !== location.origin) return false;
  if (holding.has(form)) return true;
  holding.add(form);
  void submitHeld(form, submitter, settings, s).finally(() => holding.delete(form));
  return true;
}

function install(): void {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script) throw new Error('coord-dropin.js must be loaded with a classic <script src> tag');
  const settings = parseSettings({ ...script.dataset }, script.src);
  const s = shared(settings.serverUrl);
  s.settings = settings;
  // document.open() erases the window's listeners but not this script's state: listeners are
  // added on every install (after removing any older ones that survived), the state is kept.
  if (s.onSubmit) removeEventListener('submit', s.onSubmit);
  if (s.onPageHide) removeEventListener('pagehide', s.onPageHide);
  s.onSubmit = (ev) => {
    if (ev.defaultPrevented || !(ev.target instanceof HTMLFormElement)) return;
    if (capture(ev.target, ev.submitter, s.settings!, s)) ev.preventDefault();
  };
  // Leaving the site: hand our keys over rather than vanish.
  s.onPageHide = (ev) => {
    if (!ev.persisted) void s.peer.then((p) => p.close());
  };
  addEventListener('submit', s.onSubmit);
  addEventListener('pagehide', s.onPageHide);
  // form.submit() fires no submit event: route it through the same gate (patched once per window).
  if (!s.nativeSubmit) {
    const nativeSubmit = HTMLFormElement.prototype.submit;
    s.nativeSubmit = nativeSubmit;
    HTMLFormElement.prototype.submit = function (this: HTMLFormElement) {
      if (!s.settings || !capture(this, null, s.settings, s)) nativeSubmit.call(this);
    };
  }
  (globalThis as unknown as { cumulusDropin: unknown }).cumulusDropin = {
    settings,
    stats: s.stats,
    status: async () => (await s.peer).peer.status(),
  };
}

try {
  install();
} catch (e) {
  // A misconfigured tag must not break the page: its forms then submit as they always did.
  console.error(`cumulus drop-in disabled: ${e instanceof Error ? e.message : String(e)}`);
}
