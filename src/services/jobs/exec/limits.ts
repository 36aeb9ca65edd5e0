// The bounds that keep an untrusted exec from exhausting a worker. Every input a task reads and
// every program it runs is untrusted, so each of these is enforced where the work happens, and
// going past one fails the task with a clear message and a non-zero status instead of hanging
// or crashing the worker's process. docs/jobs.md lists them with their reasons.

/** The longest exec string: an awk program of a few hundred lines fits; a 1 MB exec is refused. */
export const MAX_EXEC_BYTES = 16 * 1024;

/** The most stages in one pipeline; real pipelines have a handful. */
export const MAX_PIPELINE_STAGES = 16;

/** The most words one stage may have (its command name included). */
export const MAX_STAGE_WORDS = 256;

/**
 * Limits a running builtin pipeline works within. The engine may lower them per task (tests do);
 * DEFAULT_EXEC_LIMITS holds the values a task gets when the engine says nothing.
 */
export interface ExecLimits {
  /** The longest line a line-oriented tool accepts (grep, sort, awk…): longer lines fail the task. */
  lineBytes: number;
  /** The most fields one record may have (awk NF, cut -f): past it the task fails. */
  fields: number;
  /** The longest string an awk value or a sed pattern space may grow to. */
  stringBytes: number;
  /** Matching steps (NFA states visited) one regular-expression search may take on one string. */
  regexSteps: number;
  /** Instructions one compiled regular expression may have (intervals like a{1000} expand). */
  regexInstructions: number;
  /** Elements all of one awk program's arrays may hold together. */
  awkArrayElements: number;
  /** Statements and loop iterations one awk program may run over the whole task. */
  awkSteps: number;
  /** The widest field a printf conversion may pad to, and the largest precision it may ask for. */
  printfWidth: number;
  /** The bytes sort holds in memory before it sorts them into a run and spills the run to the Store. */
  sortBufferBytes: number;
  /** How many runs sort merges at once; more runs are merged in passes. */
  sortMergeFan: number;
  /** The lines tail -n N and head -n -N may hold (their bytes count against the memory budget too). */
  heldLines: number;
  /** Work units (about one per byte or step) between two yields to the host's event loop. */
  sliceWork: number;
}

export const DEFAULT_EXEC_LIMITS: Readonly<ExecLimits> = Object.freeze({
  lineBytes: 1024 * 1024,
  fields: 131_072,
  stringBytes: 16 * 1024 * 1024,
  regexSteps: 50_000_000,
  regexInstructions: 20_000,
  awkArrayElements: 4_000_000,
  awkSteps: 10_000_000_000,
  printfWidth: 65_536,
  sortBufferBytes: 32 * 1024 * 1024,
  sortMergeFan: 64,
  heldLines: 10_000_000,
  sliceWork: 4 * 1024 * 1024,
});

/** The bytes of standard error a task keeps (the rest is counted, not kept). */
export const STDERR_KEEP_BYTES = 4096;

/** The size of the chunks a tool writes to its stdout: big enough to amortise the per-chunk cost. */
export const OUTPUT_CHUNK_BYTES = 64 * 1024;

/** The bytes a pipe between two stages holds before the writer waits for the reader. */
export const PIPE_BUFFER_BYTES = 256 * 1024;

/** What one held line costs beyond its bytes (a JS string's header and the array slot), for memory accounting. */
export const LINE_OVERHEAD_BYTES = 48;
