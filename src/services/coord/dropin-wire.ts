// The drop-in's wire: what a web page (the light client, src/web/dropin.ts) and the Cumulus
// server's drop-in gateway (src/server/dropin-gateway.ts) say over the WebSocket /dropin. JSON
// text frames. The page never joins the ring: it asks the gateway, whose own peer is an ordinary
// solicitor of the coordination service, and is told granted (with a ticket) or refused (with the
// reason). Types and limits only (no imports), so the page's bundle stays small; the gateway
// checks every message against schemas built from these limits.

/** Path of the WebSocket on the Cumulus server. */
export const DROPIN_WS_PATH = '/dropin';
export const DROPIN_PROTOCOL_VERSION = 1;

/** Largest message either side sends (an acquire with a long action path is under 3 KiB). */
export const DROPIN_MAX_MESSAGE_BYTES = 4096;
/** Longest form action path a page may name. */
export const DROPIN_MAX_PATH_CHARS = 2048;
/** Requests one page may have open at once: a page rarely has more than a form or two. */
export const DROPIN_MAX_REQUESTS_PER_PAGE = 4;
/** Tickets one release message may carry (a page keeps at most this many). */
export const DROPIN_MAX_TICKETS = 8;
/** Shortest and longest a granted POST may keep its slot when no answer is seen. */
export const DROPIN_MIN_HOLD_MS = 1000;
export const DROPIN_MAX_HOLD_MS = 60_000;
/** A report's counters are capped, so a page cannot inflate the operator's figures much. */
export const DROPIN_MAX_REPORT_COUNT = 100;

/**
 * Why a POST was not guarded, in the page's plain words (dropin-ui.ts):
 * - full: a throttle found every slot taken; wait-expired: a queued POST waited its whole wait;
 * - capacity-mismatch: pages of the site disagree on data-capacity (the operator must fix the tags);
 * - unavailable: the ring could not decide now (an owner moving or taking over, no replicas yet);
 * - timeout: the ring did not answer in time; not-joined: the server's peer is not on a ring;
 * - server-busy: the gateway is at one of its limits; bad-request: the page sent something invalid;
 * - unreachable: the page could not reach the Cumulus server (counted by the page, reported later);
 * - cancelled: the visitor gave up the wait.
 */
export const DROPIN_REASONS = ['full', 'wait-expired', 'capacity-mismatch', 'unavailable', 'timeout', 'not-joined', 'server-busy', 'bad-request', 'unreachable', 'cancelled'] as const;
export type DropinReason = (typeof DROPIN_REASONS)[number];

/** Refusals that are the guard doing its job: shown to the visitor whatever data-fail says. */
export const BUSY_REASONS: ReadonlySet<DropinReason> = new Set(['full', 'wait-expired', 'cancelled']);

/** Where a release came from, counted for the operator. */
export const RELEASE_SOURCES = ['pagehide', 'next-page', 'cancel'] as const;
export type ReleaseSource = (typeof RELEASE_SOURCES)[number];

export type PageMessage =
  | { type: 'acquire'; id: number; path: string; capacity: number; waitMs: number; holdMs: number }
  | { type: 'cancel'; id: number }
  | { type: 'release'; tickets: string[]; from: ReleaseSource }
  | { type: 'ping' }
  /** Counters of what the page did without the gateway (it could not reach it), sent once it can. */
  | { type: 'report'; unreachable: number; unguarded: number };

export type GatewayMessage =
  | { type: 'ready'; v: number }
  /** The acquire arrived: the gateway is alive and working on it. */
  | { type: 'received'; id: number }
  | { type: 'granted'; id: number; ticket: string; holdMs: number }
  | { type: 'refused'; id: number; reason: DropinReason }
  | { type: 'pong' };

