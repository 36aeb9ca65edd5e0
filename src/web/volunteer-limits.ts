// The volunteer's limits, kept in this browser's localStorage: checked when read (the store is the
// user's to edit, so a bad or missing value falls back to its default), and the storage quota
// checked against what the browser says it can give this origin (navigator.storage.estimate()).
import type { LendingLimits } from '../host/lending.js';
import { MIN_DUTY_PCT } from '../host/lending.js';

const LIMITS_KEY = 'cumulus-limits';
/** What a tab lends by default: small, since a tab comes and goes and IndexedDB shares the disk with the browser. */
export const TAB_QUOTA_MB = 256;
export const MAX_TAB_QUOTA_MB = 16 * 1024;
/** Web Workers a tab runs at most, whatever it is asked. */
export const MAX_TAB_WORKERS = 64;
const MB = 1024 * 1024;

/** Every logical core but one (at least one): the default CPU a tab lends. */
export function defaultWorkers(): number {
  return Math.max(1, (navigator.hardwareConcurrency || 2) - 1);
}

function clampInt(v: unknown, min: number, max: number, dflt: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n >= min ? Math.min(max, Math.floor(n)) : dflt;
}

/** The defaults, with what the page's URL asks (`?quota-mb=N`, `?workers=N`: benches and tests set them). */
function defaults(): LendingLimits {
  const q = new URLSearchParams(location.search);
  return {
    quotaBytes: clampInt(q.get('quota-mb') ?? TAB_QUOTA_MB, 0, MAX_TAB_QUOTA_MB, TAB_QUOTA_MB) * MB,
    workers: clampInt(q.get('workers') ?? defaultWorkers(), 1, MAX_TAB_WORKERS, defaultWorkers()),
    dutyPct: 100, onlyWhenHidden: false, onlyWhenCharging: false, paused: false,
  };
}

/** The limits this browser keeps, each checked; the URL's when the page asks for them, else the defaults. */
export function loadLimits(): LendingLimits {
  const d = defaults();
  const q = new URLSearchParams(location.search);
  let kept: Record<string, unknown> = {};
  try {
    const raw = JSON.parse(localStorage.getItem(LIMITS_KEY) ?? '{}') as unknown;
    if (raw !== null && typeof raw === 'object') kept = raw as Record<string, unknown>;
  } catch {
    // A value the page did not write: the defaults stand.
  }
  return {
    quotaBytes: q.has('quota-mb') ? d.quotaBytes : clampInt(kept.quotaBytes ?? d.quotaBytes, 0, MAX_TAB_QUOTA_MB * MB, d.quotaBytes),
    workers: q.has('workers') ? d.workers : clampInt(kept.workers ?? d.workers, 1, MAX_TAB_WORKERS, d.workers),
    dutyPct: clampInt(kept.dutyPct ?? d.dutyPct, MIN_DUTY_PCT, 100, d.dutyPct),
    onlyWhenHidden: kept.onlyWhenHidden === true,
    onlyWhenCharging: kept.onlyWhenCharging === true,
    paused: kept.paused === true,
  };
}

export function saveLimits(l: LendingLimits): void {
  localStorage.setItem(LIMITS_KEY, JSON.stringify(l));
}

/**
 * Whether the browser can give this origin `bytes` more than it already uses: null when it fits
 * (or the browser does not say), else why not, in words for the volunteer.
 */
export async function checkQuota(bytes: number, heldBytes: number): Promise<string | null> {
  const est = await navigator.storage?.estimate?.().catch(() => undefined);
  if (!est || est.quota === undefined) return null;
  const room = est.quota - (est.usage ?? 0) + heldBytes;
  if (bytes <= room) return null;
  return `this browser lets this site keep about ${Math.floor(room / MB)} MB more; choose at most that`;
}
