// Every tunable of the coordination service, with its unit and the reason for its default.

/** The service name coordination messages travel under. */
export const COORD_SVC = 'coord';
/** Successors that hold a copy of an owner's structure; a grant waits for all of them to ack. */
export const REPL_SUCCESSORS = 2;
/** Most replicas a configuration may ask for; it bounds the replica list in a replicate frame. */
export const MAX_REPL_SUCCESSORS = 8;
/** How long a grant lasts unless renewed: long enough for a form POST, short enough to fail over. */
export const LEASE_MS = 3000;
/** Holders renew when this fraction of the lease has run, leaving a round trip of headroom. */
export const RENEW_AT_FRACTION = 0.5;
/**
 * Relative clock-rate difference we tolerate between two peers. Leases are durations, so clock
 * offsets do not matter, but a fast clock would end a duration early; both sides shave this off.
 */
export const CLOCK_DRIFT_FRACTION = 0.001;
/**
 * How long a predecessor's confirmation lasts. Owners refresh it at half time while they work; a
 * successor that takes over waits this plus a lease, so shorter is faster failover, longer is fewer
 * messages (one request per owner per second at this value).
 */
export const CONFIRM_MS = 2000;
/** Successors a predecessor remembers having confirmed; normally one, a few during churn. */
export const MAX_CONFIRM_PROMISES = 16;
/** Extra wait on takeover beyond one lease, for drift and for the old owner's last replication. */
export const TAKEOVER_MARGIN_MS = 500;
/** Waiters queued per resource; more are refused at once (a queue that grows is an outage). */
export const MAX_QUEUE = 1000;
/** Waiters copied into one replica frame; the rest are refused on failover, not lost silently. */
export const MAX_REPLICATED_WAITERS = 200;
/** Resources one owner coordinates at once; idle resources are forgotten first. */
export const MAX_RESOURCES_PER_OWNER = 10_000;
/** Replicas of other owners' resources one peer keeps; the oldest are dropped first. */
export const MAX_REPLICAS = 20_000;
/** Longest wait a solicitor may ask for: the original's 10 s queue made users give up. */
export const MAX_WAIT_MS = 60_000;
/** Bounds for duration fields on the wire (a day), so senders clamp before encoding. */
export const MAX_DURATION_MS = 24 * 3600 * 1000;
/** Largest capacity of a resource; it bounds the leases in a replica frame. */
export const MAX_CAPACITY = 256;
/** Longest resource name in characters. */
export const MAX_NAME_CHARS = 256;
/** Fencing tokens jump by this much on takeover, above anything the old owner could have issued. */
export const TOKEN_STEP = 1_000_000;
/**
 * Time a request to the owner or a replica may take before it is retried or given up: a few round
 * trips on a loaded ring, and short beside a lease, so a failed owner costs a small part of one.
 */
export const RPC_TIMEOUT_MS = 1000;
/** Pause between attempts of a solicitor whose owner is unreachable or busy taking over. */
export const RETRY_BACKOFF_MS = 250;
/** Attempts of a Release before the holder lets the lease expire on its own. */
export const RELEASE_ATTEMPTS = 3;
/** Resources whose highest granted token a solicitor remembers (to hint owners that start blank). */
export const MAX_SEEN_TOKENS = 10_000;
/** Requests a solicitor may have in flight; an application that asks for more is refused. */
export const MAX_PENDING_ACQUIRES = 10_000;
/** CanIs and Releases in one batch frame (about 120 bytes each, well inside a 64 KiB frame). */
export const MAX_BATCH_ITEMS = 64;
/** Batch frames a solicitor keeps in flight to one owner; what arrives meanwhile waits for the next. */
export const MAX_BATCHES_IN_FLIGHT = 2;
/** Owners a solicitor remembers per resource (where to send batches); the oldest entries go first. */
export const MAX_OWNER_HINTS = 10_000;
/** Resource snapshots in one replication frame (more go in further frames of the same round). */
export const MAX_SNAPS_PER_FRAME = 16;

