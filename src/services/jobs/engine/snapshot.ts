// A job's state as of one journal entry, encoded: what a journal keeps instead of the entries
// before it (journal.ts), and what a replica that lacks those entries receives in chunks
// (replicator.ts, replica.ts). A snapshot from a peer is untrusted: it is decoded within a size
// bound, checked against its schema, and its task tables and queues are checked for range before
// a JobState is built from it.
import { Type, type Static } from '@sinclair/typebox';
import { check, decodeValue, encodeValue } from '../../../core/codec.js';
import { PeerIdHex } from '../../../core/envelope.js';
import type { PeerId } from '../../../core/id.js';
import { MAX_INPUT_PATH_CHARS, MAX_PHASES, MAX_SNAPSHOT_BYTES, MAX_TASKS_PER_JOB } from './constants.js';
import { JobSpec, User, FAILURE_KINDS } from './schemas.js';
import { JobState, taskKey } from './state.js';
import { TaskTable } from './tasks.js';

const obj = <T extends Parameters<typeof Type.Object>[0]>(p: T) => Type.Object(p, { additionalProperties: false });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Bytes = (max: number) => Type.Uint8Array({ maxByteLength: max });

const TableSnapshot = obj({ status: Bytes(MAX_TASKS_PER_JOB), attempts: Bytes(MAX_TASKS_PER_JOB), live: Bytes(MAX_TASKS_PER_JOB), winner: Bytes(MAX_TASKS_PER_JOB) });
const ErrorSnapshot = obj({
  phase: Type.Integer({ minimum: 0, maximum: MAX_PHASES - 1 }),
  index: Type.Integer({ minimum: 0, maximum: MAX_TASKS_PER_JOB - 1 }),
  kind: Type.Union(FAILURE_KINDS.map((k) => Type.Literal(k))),
  exitCode: Type.Integer({ minimum: 0, maximum: 255 }),
  message: Type.String(),
  stderr: Type.String(),
});

export const StateSnapshot = obj({
  seq: Count,
  user: User,
  spec: JobSpec,
  /** The input paths, msgpack-encoded apart so that a journal encodes them once, not at every snapshot. */
  inputs: Bytes(MAX_SNAPSHOT_BYTES),
  inputsEnded: Type.Boolean(),
  phaseDone: Type.Array(Type.Boolean(), { maxItems: MAX_PHASES }),
  cancelled: Type.Boolean(),
  ended: Type.Boolean(),
  keepers: Count,
  retries: Count,
  speculative: Count,
  commits: Count,
  errors: Type.Array(ErrorSnapshot, { maxItems: MAX_TASKS_PER_JOB }),
  tables: Type.Array(TableSnapshot, { maxItems: MAX_PHASES }),
  /** Attempts out: task keys and attempts (four and one bytes each) and their workers. */
  runningKeys: Bytes(4 * MAX_TASKS_PER_JOB * 8),
  runningAttempts: Bytes(MAX_TASKS_PER_JOB * 8),
  runningWorkers: Type.Array(PeerIdHex, { maxItems: MAX_TASKS_PER_JOB * 8 }),
  /** Task keys waiting for a worker, in order, as runs of consecutive keys: first key and count, four bytes each. */
  ready: Bytes(8 * MAX_TASKS_PER_JOB),
});
export type StateSnapshot = Static<typeof StateSnapshot>;
const InputList = Type.Array(Type.String({ minLength: 1, maxLength: MAX_INPUT_PATH_CHARS }), { maxItems: MAX_TASKS_PER_JOB });

/** Encodes states of one job, keeping the encoded inputs while their number is unchanged. */
export class SnapshotEncoder {
  private inputs: { count: number; bytes: Uint8Array } | undefined;

  /** The state encoded, or undefined when it passes MAX_SNAPSHOT_BYTES (the journal then keeps its entries). */
  encode(s: JobState): Uint8Array | undefined {
    if (this.inputs?.count !== s.inputs.length) {
      const r = encodeValue(s.inputs, MAX_SNAPSHOT_BYTES);
      if (!r.ok) return undefined;
      // A copy (a Buffer's slice is a view): the codec's bytes share a buffer that its next encoding overwrites.
      this.inputs = { count: s.inputs.length, bytes: new Uint8Array(r.value) };
    }
    const keys: number[] = [];
    const attempts: number[] = [];
    const workers: PeerId[] = [];
    for (const [key, out] of s.running) {
      for (const [attempt, worker] of out) {
        keys.push(key);
        attempts.push(attempt);
        workers.push(worker as PeerId);
      }
    }
    const snap: StateSnapshot = {
      seq: s.seq,
      user: s.user,
      spec: s.spec!,
      inputs: this.inputs.bytes,
      inputsEnded: s.inputsEnded,
      phaseDone: s.phaseDone,
      cancelled: s.cancelled,
      ended: s.ended,
      keepers: s.keepers,
      retries: s.retries,
      speculative: s.speculative,
      commits: s.commits,
      errors: s.errors,
      tables: s.phases.map((t) => t.toArrays()),
      runningKeys: u32Bytes(keys),
      runningAttempts: Uint8Array.from(attempts),
      runningWorkers: workers,
      ready: u32Bytes(s.readyRuns()),
    };
    const r = encodeValue(snap, MAX_SNAPSHOT_BYTES);
    return r.ok ? new Uint8Array(r.value) : undefined;
  }
}

/** The state a snapshot holds, or why it is no snapshot of a job's state. */
export function decodeSnapshot(bytes: Uint8Array): JobState | string {
  const v = decodeValue(bytes, MAX_SNAPSHOT_BYTES);
  if (!v.ok) return `snapshot: ${v.error.message}`;
  const c = check(StateSnapshot, v.value, 'jobs snapshot');
  if (!c.ok) return c.error.message;
  const snap = c.value;
  const inputs = decodeValue(snap.inputs, MAX_SNAPSHOT_BYTES);
  const list = inputs.ok ? check(InputList, inputs.value, 'jobs snapshot inputs') : inputs;
  if (!list.ok) return list.error.message;
  const n = snap.spec.phases.length;
  if (snap.tables.length !== n || snap.phaseDone.length !== n) return `snapshot: ${snap.tables.length} task tables for ${n} phases`;
  const s = new JobState();
  for (const t of snap.tables) {
    const table = TaskTable.fromArrays(t);
    if (typeof table === 'string') return `snapshot: ${table}`;
    s.phases.push(table);
  }
  const keyRange = taskKey(n, 0);
  const running = u32Numbers(snap.runningKeys);
  if (running.length !== snap.runningAttempts.length || running.length !== snap.runningWorkers.length) return 'snapshot: running attempts of different lengths';
  for (let i = 0; i < running.length; i++) {
    const key = running[i]!;
    if (key >= keyRange) return `snapshot: running task key ${key} out of range`;
    let out = s.running.get(key);
    if (out === undefined) s.running.set(key, (out = new Map()));
    out.set(snap.runningAttempts[i]!, snap.runningWorkers[i]!);
  }
  const runs = u32Numbers(snap.ready);
  const ready: number[] = [];
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const [first, n] = [runs[i]!, runs[i + 1]!];
    if (first + n > keyRange || ready.length + n > MAX_TASKS_PER_JOB * MAX_PHASES) return 'snapshot: waiting task keys out of range';
    for (let k = first; k < first + n; k++) ready.push(k);
  }
  s.setReadyKeys(ready);
  Object.assign(s, {
    seq: snap.seq,
    user: snap.user,
    spec: snap.spec,
    inputs: list.value,
    inputsEnded: snap.inputsEnded,
    phaseDone: snap.phaseDone,
    cancelled: snap.cancelled,
    ended: snap.ended,
    keepers: snap.keepers,
    retries: snap.retries,
    speculative: snap.speculative,
    commits: snap.commits,
    errors: snap.errors,
  });
  return s;
}

/** Unsigned 32-bit numbers as little-endian bytes (task keys stay below 2^32: 32 phases × 4,000,000). */
function u32Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v, true));
  return out;
}

/** The numbers u32Bytes wrote; a trailing partial number is ignored (the callers check lengths against each other). */
function u32Numbers(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => view.getUint32(4 * i, true));
}
