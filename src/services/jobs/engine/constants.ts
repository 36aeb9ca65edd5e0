// Every fixed bound of the jobs engine, with its unit and the reason for its value. What an
// operator may tune is in settings.ts; what a job may choose per phase is checked in job.ts.

/** The service name jobs messages travel under. */
export const JOBS_SVC = 'jobs';

/** Longest job document accepted for parsing (the gateway's body limit is larger): a job is a few phases. */
export const MAX_JOB_JSON_BYTES = 1024 * 1024;
/** Most phases of one job: Manta's longest real pipelines had a handful; 100 is a mistake, not a job. */
export const MAX_PHASES = 32;
/** Reducers of one reduce phase (the 1–1024, as in Manta). */
export const MAX_REDUCERS = 1024;
/** Longest job name in characters. */
export const MAX_JOB_NAME_CHARS = 256;
/** Assets of one phase (modules, binaries it needs). */
export const MAX_ASSETS = 16;
/** Longest asset path in characters (storage paths are shorter still). */
export const MAX_ASSET_PATH_CHARS = 1024;

/** A phase's timeout when it names none (the 300 s). */
export const DEFAULT_TIMEOUT_S = 300;
/** Longest timeout a phase may ask for: a day. */
export const MAX_TIMEOUT_S = 24 * 3600;
/** A task's memory when the phase names none, in MiB (Manta's default was 1 GiB). */
export const DEFAULT_MEMORY_MB = 1024;
/** Most memory a phase may ask for, in MiB: what a volunteer's worker can give one task. */
export const MAX_MEMORY_MB = 8192;
/** Least memory a phase may ask for, in MiB: below it sort's buffer is uselessly small. */
export const MIN_MEMORY_MB = 16;
/** Bytes one task may write to its output object (the per-phase default of 1 GiB). */
export const DEFAULT_OUTPUT_BYTES = 1024 * 1024 * 1024;

/** Attempts of one task before it fails with its last error (the first run plus two retries). */
export const MAX_ATTEMPTS = 3;
/** Journal copies beyond the keeper's own: its next successors ack each entry before it acts. */
export const JOURNAL_REPLICAS = 2;
/** Entries in one run of a replication frame (the schema's bound; the frame budget binds first). */
export const MAX_ENTRIES_PER_RUN = 1024;
/** Runs (jobs, or stretches of one job) in one replication frame. */
export const MAX_RUNS_PER_FRAME = 64;
/**
 * Entries a journal holds past its last snapshot before it takes another (journal.ts): the keeper
 * and each replica keep about twice this many entries and one or two snapshots, not the job's
 * whole history; a replica that lacks the entries before the snapshot receives the snapshot.
 */
export const JOURNAL_COMPACT_ENTRIES = 65_536;
/** Largest encoded snapshot (a million tasks with short input paths take about 20 MB); a larger state keeps its entries. */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;
/** Snapshot bytes in one replication frame, well inside the 64 KiB frame. */
export const SNAPSHOT_CHUNK_BYTES = 48 * 1024;
/** Snapshots a replica receives at once (each held until its last chunk arrives). */
export const MAX_PARTIAL_SNAPSHOTS = 4;
/** Estimated encoded bytes a replication frame may carry, well inside the 64 KiB frame. */
export const JOURNAL_FRAME_BUDGET_BYTES = 40 * 1024;
/** Inputs in one inputs-added entry, so an entry stays small beside a frame (16 paths of 1 KiB at most). */
export const MAX_INPUTS_PER_ENTRY = 16;
/** Longest input path in characters. */
export const MAX_INPUT_PATH_CHARS = 1024;
/** Stderr bytes kept with an error (the executor keeps the same 4 KiB). */
export const ERROR_STDERR_BYTES = 4096;
/** Longest error message kept in the journal. */
export const MAX_ERROR_MESSAGE_CHARS = 1024;
/** A straggler gets a speculative copy once it runs this many times the phase's median task time. */
export const STRAGGLER_FACTOR = 3;
/** Tasks a phase needs done before its median counts (fewer say nothing about stragglers). */
export const MIN_TASKS_FOR_MEDIAN = 5;
/** Most tasks of one job (a million tiny maps is the scenario; more is a bulk job to split). */
export const MAX_TASKS_PER_JOB = 4_000_000;

/**
 * Peers a jobs engine remembers as running no tasks (they said so on their link, no-tasks.ts):
 * the rendezvous server's peer, a few such peers in any cloud; the oldest are forgotten past it.
 */
export const MAX_NO_TASK_PEERS = 1024;
