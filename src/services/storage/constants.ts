// Storage constants. Each has a unit in its name and a reason beside it.
import { Type } from '@sinclair/typebox';
import type { IntegerOption } from '../../core/options.js';

/** The service name on the ring's service router. */
export const STORAGE_SVC = 'storage';

/** Default chunk size for real peers: small enough to spread a file, large enough to amortise lookups. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** Smallest chunk size accepted: below it the per-chunk metadata outweighs the data. */
export const MIN_CHUNK_BYTES = 1024;
/** Largest chunk size accepted: a chunk is reassembled in memory on both ends of a transfer. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * The replica count: copies of each chunk, each on its own peer. One setting with one name,
 * `replicas`, from the HTTP header and the SDK to the storage record. 3 by default (the research's
 * r = 3): a chunk outlives two of its holders lost between repair rounds. 1 is for data that can be
 * made again. 6 at most, because a file's record lists the holders of every chunk
 * (MAX_HOLDERS_PER_CHUNK) and must fit one frame. Every boundary checks it with this spec
 * (parseOption) or with ReplicasSchema, built from it.
 */
export const REPLICAS = {
  type: 'integer',
  default: 3,
  min: 1,
  max: 6,
  unit: 'copies',
  description: 'copies of each chunk, each on its own peer',
} as const satisfies IntegerOption;
/** The replica count as a typebox schema, for request schemas (the gateway's header, the control channel, records). */
export const ReplicasSchema = Type.Integer({
  minimum: REPLICAS.min,
  maximum: REPLICAS.max,
  description: `replica count: ${REPLICAS.description}, ${REPLICAS.min} to ${REPLICAS.max} (default ${REPLICAS.default})`,
});

/**
 * A file's metadata record travels in one frame, so the chunk list it carries inline is bounded.
 * With 20-byte chunk ids and a compact holder table this stays under MAX_META_BYTES for r = 6.
 * A file with more chunks lists them in index chunks instead (index-chunks.ts).
 */
export const MAX_INLINE_CHUNKS = 360;
/** Bytes a metadata record may take once encoded; leaves room for the envelope in a 64 KiB frame. */
export const MAX_META_BYTES = 56 * 1024;
/**
 * Largest file kept inline in its record (FileRecord.data) instead of in chunks: its bytes are
 * then replicated with the record (the sKeeper and its META_REPLICA_SUCCESSORS successors) and a
 * read is the stat alone. 4 KiB keeps such a record a small share of MAX_META_BYTES and of a sync
 * frame, and covers the one-line outputs of tiny job tasks; larger files gain little from it.
 */
export const INLINE_DATA_MAX_BYTES = 4 * 1024;
/**
 * Estimated bytes of the sync items sent in one frame (besides MAX_SYNC_RECORDS): records that
 * carry inline data or long chunk lists must not add up past a 64 KiB frame.
 */
export const SYNC_FRAME_BUDGET_BYTES = 40 * 1024;
/** Sync items waiting for one successor while a sync to it is out; past it the oldest are dropped (anti-entropy repairs them). */
export const MAX_SYNC_QUEUE = 4096;

/**
 * Largest file, in bytes: what docs/api.md promises, what the REST gateway accepts (413 beyond),
 * and what the index below is sized for. 1 GiB is 4,096 default chunks, or 1,048,576 of the
 * smallest (1 KiB) ones, which MAX_INDEX_CHUNKS x MAX_INDEX_FANOUT still covers.
 */
export const MAX_OBJECT_BYTES = 1024 * 1024 * 1024;
/**
 * Data chunk refs an index chunk lists by default and at most. 4,096 refs with r = 3 holders
 * encode to about 125 KiB; one index chunk covers a 1 GiB file of default 256 KiB chunks.
 */
export const DEFAULT_INDEX_FANOUT = 4096;
export const MAX_INDEX_FANOUT = 4096;
/** Smallest fanout a writer may ask for (tests use small ones to get many index chunks cheaply). */
export const MIN_INDEX_FANOUT = 2;
/** Index chunks a record lists (one level: the record, its index chunks, their data chunks). */
export const MAX_INDEX_CHUNKS = MAX_INLINE_CHUNKS;
/**
 * Bytes an encoded index chunk may take: MAX_INDEX_FANOUT refs whose MAX_HOLDERS_PER_CHUNK holders
 * are all distinct peers take 934,000, so repair can always rewrite one; below MAX_CHUNK_BYTES, so
 * an index chunk travels, is stored and is verified like any chunk.
 */
export const MAX_INDEX_BYTES = 1024 * 1024;
/** Index chunks a reader fetches ahead of the one its data chunks come from. */
export const INDEX_READ_AHEAD = 1;

/**
 * Data bytes carried per transfer frame: a chunk is split into pieces that fit a 64 KiB frame with
 * the envelope (under 400 bytes). 56 KiB cuts a 256 KiB chunk into 5 frames (48 KiB took 6).
 */
export const PIECE_BYTES = 56 * 1024;

/**
 * Candidate placement keys per chunk are hash(i ‖ chunkId) for i = 0 .. MAX_CANDIDATES-1. Replica i
 * goes to the first r distinct, willing owners; a full or dead owner makes placement move on.
 */
export const MAX_CANDIDATES = 16;
/** Holders kept per chunk in a record: live ones plus a few dead ones that may come back. */
export const MAX_HOLDERS_PER_CHUNK = REPLICAS.max + 3;

/** Number of successors that keep a copy of an sKeeper's metadata (the research's 2). */
export const META_REPLICA_SUCCESSORS = 2;

/** Longest path in bytes, and longest name of one path component. */
export const MAX_PATH_BYTES = 1024;
export const MAX_NAME_BYTES = 255;
/** Largest page a list may return; keeps a listing reply within one frame. */
export const MAX_LIST_LIMIT = 500;
export const DEFAULT_LIST_LIMIT = 100;

/**
 * How long one request (a piece, a probe, a metadata operation) may take before it is retried
 * elsewhere: a live peer answers in milliseconds, a loaded one within a second or two.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Attempts at a metadata operation (the owner may be changing under churn). */
export const META_ATTEMPTS = 4;
/**
 * How long the first attempt at a metadata read (stat, list) may take before it is sent again at
 * once: an sKeeper answers a read in milliseconds, and a request lost with a crashed next hop
 * would otherwise cost the whole request timeout plus a back-off.
 */
export const META_READ_FIRST_TIMEOUT_MS = 1_500;
/** Back-off between metadata attempts, to let the ring stabilize. */
export const META_RETRY_DELAY_MS = 2_000;

/** Half-assembled incoming chunks a holder keeps at once; more are refused, not queued. */
export const MAX_ASSEMBLIES = 64;
/** An assembly that received no piece for this long is dropped (the writer gave up or died). */
export const ASSEMBLY_IDLE_MS = 60_000;
/**
 * An assembly idle this long may be dropped when the table is full and a new chunk comes in: twice
 * the request timeout, so its writer has given up every piece it sent (it then tells the holder,
 * see `abandon`, but that message can be lost with the link).
 */
export const ASSEMBLY_STALE_MS = 10_000;

/** Period of an sKeeper's repair round: probe holders, re-replicate, push metadata to successors. */
export const DEFAULT_REPAIR_PERIOD_MS = 60_000;
/** Files an sKeeper checks per repair round; the rest wait for the next round (cursor resumes). */
export const MAX_REPAIR_FILES_PER_ROUND = 200;
/** Probe and repair requests an sKeeper keeps in flight at once. */
export const MAX_REPAIR_IN_FLIGHT = 8;
/** Chunk ids in one `has` probe; keeps the probe within one frame. */
export const MAX_PROBE_CHUNKS = 256;
/**
 * How long a peer that just took keys over (it joined) answers NOT_OWNER for a key it has no
 * record of, unless its successor's hand-over arrives first: that push comes SYNC_DEBOUNCE_MS
 * after the ring event, plus a round trip, and a reader told "not found" meanwhile would give up.
 */
export const HANDOFF_MS = 5_000;
/** Records pushed in one metadata-sync frame. */
export const MAX_SYNC_RECORDS = 16;
/** Delay after a ring event before metadata is pushed, so a burst of events costs one push. */
export const SYNC_DEBOUNCE_MS = 1_000;

/**
 * Pieces of one chunk in flight at once after the first (which finds the holder). A 256 KiB chunk
 * is 6 pieces, so the whole chunk is in flight: one round trip per chunk instead of one per piece.
 * The window is the transfer's backpressure: at most this many pieces wait in any link's queue.
 */
export const PIECE_WINDOW = 6;
/**
 * How long a writer waits before sending a piece again that its own link refused (send queue full,
 * 8 MiB: about a second of a loopback WebRTC link's throughput; see transfer.ts, callPatiently).
 */
export const BACKPRESSURE_RETRY_MS = 50;
/**
 * A reader that found no replica of a chunk asks the sKeeper for the current record (repair may
 * have moved the replicas since): at most once in this long, however many of its chunks failed.
 */
export const RECORD_REFRESH_MS = 2_000;
/** Chunks a reader fetches ahead of the one it yields: hides the round trips, bounds memory to a few chunks. */
export const READ_AHEAD_CHUNKS = 12;
/** Chunks a writer places at once; each holds its r replicas sequentially, so this bounds memory too. */
export const PUT_CHUNKS_IN_FLIGHT = 8;
/** Chunks an sHolder keeps in memory after reading them, so serving a chunk's pieces costs one store read. */
export const READ_CACHE_CHUNKS = 16;
/**
 * Candidate keys whose owner already took a replica of the chunk, after which placement stops
 * walking candidates: the ring is small, and our neighbours are the quicker way to r peers.
 */
export const MAX_DUPLICATE_CANDIDATES = 2;
/**
 * How long a reader without a clock to race holders (the repair loop) waits for the first piece of
 * a chunk from one holder before trying the next. A live holder answers in milliseconds (150 ms at
 * worst on a loaded machine); a crashed one never does, and waiting the full request timeout
 * stalled a whole read-ahead window once per dead holder.
 */
export const READ_FIRST_PIECE_TIMEOUT_MS = 1_500;
/**
 * How long a holder may stay silent (no piece of any chunk reaching us) while a reader waits for
 * its first piece of a chunk, before the reader asks the next holder too (the first still counts
 * if it answers first). A crashed holder may keep its link up for many seconds, and waiting a
 * request timeout for each such holder stalls the read-ahead; a live holder that is busy streaming
 * other chunks to us is not silent, so a deep queue under load does not set off a race.
 */
export const READ_HEDGE_MS = 500;
/**
 * How long a writer or the repair loop waits for a candidate owner to answer a chunk's first piece
 * before it sends the chunk to the next candidate too (the first still counts if it answers). A
 * live owner answers in a few hundred milliseconds at most; a crashed one whose links still look up
 * (up to 5 s on real links) swallows the piece, and waiting the 5 s request timeout for each such
 * owner stalled every repair lane after a departure (the simulator at --killed-link-s 6).
 */
export const PLACE_HEDGE_MS = 1_000;


// Repair that reacts to a departure (departures.ts, reactive.ts).

/** Successors that keep a holder's summary: the first one notices the departure, the second covers for it. */
export const SUMMARY_SUCCESSORS = 2;
/**
 * sKeeper keys a holder keeps in its summary: a 1 GiB volunteer holds at most 4,096 default
 * chunks, so at most as many files. Beyond it the oldest key is dropped (the periodic pass covers it).
 */
export const MAX_SUMMARY_KEYS = 4096;
/** Keys in one summary frame: 1,000 hex keys take about 42 KiB, within a 64 KiB frame. */
export const MAX_SUMMARY_FRAME_KEYS = 1000;
/** Other peers' summaries a peer keeps: normally its two predecessors', the rest is slack for churn. */
export const MAX_HELD_SUMMARIES = 8;
/** Periods of the repair loop after which a summary its holder stopped refreshing is dropped. */
export const SUMMARY_TTL_PERIODS = 5;
/** Delay before a holder pushes keys it just learned, so a burst of puts costs one push. */
export const SUMMARY_DEBOUNCE_MS = 1_000;
/**
 * Delay between hearing that a neighbour is gone and acting on it: a peer that leaves gracefully
 * closes its links a moment after its leave message, and a neighbour that only closed a link on
 * us is linked again by then.
 */
export const DEPARTURE_CHECK_MS = 1_000;
/**
 * How long a peer that said it leaves, or that our range grew over, is watched while its link
 * still looks up (a leaver closes its links a moment later); a live peer keeps its link, and is let
 * go after this. A peer the ring says failed is not watched: its sKeepers hear of it at once.
 */
export const DEPARTURE_WATCH_MS = 60_000;
/** sKeeper keys in one departure notice; the notice goes to the first key's owner. */
export const MAX_GONE_KEYS = 64;
/** Departure notices in flight at once from one peer. */
export const GONE_NOTICES_IN_FLIGHT = 4;
/** Attempts at one departure notice: its key's owner may be changing (NOT_OWNER until the hand-over, HANDOFF_MS). */
export const GONE_NOTICE_ATTEMPTS = 4;
/** Pause between two attempts at a notice: with 4 attempts they span more than HANDOFF_MS. */
export const GONE_NOTICE_RETRY_MS = 2_000;
/** Files an sKeeper has been told to check and has not checked yet; more wait for the periodic pass. */
export const MAX_PENDING_CHECKS = 4096;
/** Delay between the first notice and the repair it starts, so notices of one burst share one probe. */
export const REACT_DELAY_MS = 1_000;
/** How long a peer a departure notice named is probed with a short timeout (it may come back, and then answers at once). */
export const GONE_MEMORY_MS = 10 * 60_000;
/** Peers remembered as said gone, oldest forgotten first. */
export const MAX_GONE_REMEMBERED = 1024;
