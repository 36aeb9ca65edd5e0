// The job a developer submits, checked once when it is created: its JSON, every field against its
// limit, and every phase's exec through its executor's prepare, so a job that is created can run.
// A refusal is an InvalidArgumentError whose message names the field and what is wrong with it
// (`phases[2].count: must be an integer from 1 to 1024, got 0`); the gateway answers it with a 400.
// The checked job is a JobSpec (the wire's schema, schemas.ts) plus each phase's settings with
// defaults filled in and its prepared program.
import { InvalidArgumentError } from '../../../core/errors.js';
import type { ExecKind, Executor, TaskLimits } from '../executor.js';
import { MAX_EXEC_BYTES } from '../exec/limits.js';
import {
  DEFAULT_MEMORY_MB,
  DEFAULT_OUTPUT_BYTES,
  DEFAULT_TIMEOUT_S,
  MAX_ASSET_PATH_CHARS,
  MAX_ASSETS,
  MAX_JOB_JSON_BYTES,
  MAX_JOB_NAME_CHARS,
  MAX_MEMORY_MB,
  MAX_PHASES,
  MAX_REDUCERS,
  MAX_TIMEOUT_S,
  MIN_MEMORY_MB,
} from './constants.js';
import type { JobSpec, PhaseSpec } from './schemas.js';

export type PhaseType = 'map' | 'reduce';

/** One phase, checked, with its defaults filled in. */
export interface Phase {
  type: PhaseType;
  exec: string;
  kind: ExecKind;
  /** Reducers (1 for a map phase, where it means nothing). */
  count: number;
  limits: TaskLimits;
  assets: readonly string[];
  /** What the executor's prepare returned: it runs any number of tasks. */
  prepared: unknown;
}

export interface Job {
  spec: JobSpec;
  phases: Phase[];
}

/** The executors a peer can run, by kind. */
export type Executors = ReadonlyMap<ExecKind, Executor>;

const PHASE_KEYS = new Set(['type', 'kind', 'exec', 'count', 'timeout', 'memory', 'assets']);
const KINDS: readonly ExecKind[] = ['builtin', 'js', 'wasm'];
const JOB_KEYS = new Set(['name', 'phases']);

/** A job from its JSON text, or an InvalidArgumentError naming what is wrong. */
export function parseJobJson(text: string, executors: Executors): Job {
  if (text.length > MAX_JOB_JSON_BYTES) throw new InvalidArgumentError(`the job is ${text.length} characters long, at most ${MAX_JOB_JSON_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`the job is not valid JSON: ${(e as Error).message}`);
  }
  return checkJob(value, executors);
}

/** A job from a decoded value (a JSON body, a journal entry), or an InvalidArgumentError naming what is wrong. */
export function checkJob(value: unknown, executors: Executors): Job {
  if (!isRecord(value)) throw new InvalidArgumentError('the job must be a JSON object with "phases"');
  unknownKeys(value, JOB_KEYS, 'the job');
  const spec: JobSpec = { phases: [] };
  if (value.name !== undefined) {
    if (typeof value.name !== 'string' || value.name.length === 0 || value.name.length > MAX_JOB_NAME_CHARS) throw new InvalidArgumentError(`name: must be a string of 1 to ${MAX_JOB_NAME_CHARS} characters`);
    spec.name = value.name;
  }
  const phases = value.phases;
  if (!Array.isArray(phases) || phases.length === 0) throw new InvalidArgumentError('phases: must be a non-empty array');
  if (phases.length > MAX_PHASES) throw new InvalidArgumentError(`phases: at most ${MAX_PHASES} phases, got ${phases.length}`);
  const checked = phases.map((p: unknown, i) => checkPhase(p, `phases[${i}]`, executors));
  spec.phases = checked.map((c) => c.spec);
  return { spec, phases: checked.map((c) => c.phase) };
}

function checkPhase(value: unknown, at: string, executors: Executors): { spec: PhaseSpec; phase: Phase } {
  if (!isRecord(value)) throw new InvalidArgumentError(`${at}: must be an object with "exec"`);
  unknownKeys(value, PHASE_KEYS, at);
  const type = value.type ?? 'map';
  if (type !== 'map' && type !== 'reduce') throw new InvalidArgumentError(`${at}.type: must be "map" or "reduce", got ${JSON.stringify(type)}`);
  if (typeof value.exec !== 'string' || value.exec.length === 0) throw new InvalidArgumentError(`${at}.exec: must be a non-empty string`);
  const execBytes = new TextEncoder().encode(value.exec).length;
  if (execBytes > MAX_EXEC_BYTES) throw new InvalidArgumentError(`${at}.exec: ${execBytes} bytes long, at most ${MAX_EXEC_BYTES}`);
  if (value.count !== undefined && type === 'map') throw new InvalidArgumentError(`${at}.count: only a reduce phase has a count`);
  const count = integer(value.count, 1, 1, MAX_REDUCERS, `${at}.count`);
  const timeoutS = integer(value.timeout, DEFAULT_TIMEOUT_S, 1, MAX_TIMEOUT_S, `${at}.timeout (seconds)`);
  const memoryMb = integer(value.memory, DEFAULT_MEMORY_MB, MIN_MEMORY_MB, MAX_MEMORY_MB, `${at}.memory (MiB)`);
  const assets = checkAssets(value.assets, `${at}.assets`);
  const kind = (value.kind ?? 'builtin') as ExecKind;
  if (!KINDS.includes(kind)) throw new InvalidArgumentError(`${at}.kind: must be one of ${KINDS.join(', ')}, got ${JSON.stringify(value.kind)}`);
  const executor = executors.get(kind);
  if (executor === undefined) throw new InvalidArgumentError(`${at}.exec: no executor of kind ${kind} on this peer`);
  let prepared: unknown;
  try {
    prepared = executor.prepare({ kind, exec: value.exec, ...(assets.length > 0 && { assets }) });
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code === 'INVALID_ARGUMENT') throw new InvalidArgumentError(`${at}.exec: ${e.message}`);
    throw e;
  }
  const spec: PhaseSpec = { type, exec: value.exec };
  if (value.kind !== undefined) spec.kind = kind;
  if (value.count !== undefined) spec.count = count;
  if (value.timeout !== undefined) spec.timeout = timeoutS;
  if (value.memory !== undefined) spec.memory = memoryMb;
  if (value.assets !== undefined) spec.assets = assets;
  const limits: TaskLimits = { timeoutMs: timeoutS * 1000, memoryBytes: memoryMb * 1024 * 1024, outputBytes: DEFAULT_OUTPUT_BYTES };
  return { spec, phase: { type, exec: value.exec, kind, count, limits, assets, prepared } };
}

function integer(v: unknown, dflt: number, min: number, max: number, at: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(`${at}: must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function checkAssets(v: unknown, at: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new InvalidArgumentError(`${at}: must be an array of paths`);
  if (v.length > MAX_ASSETS) throw new InvalidArgumentError(`${at}: at most ${MAX_ASSETS} assets, got ${v.length}`);
  return v.map((a: unknown, i) => {
    if (typeof a !== 'string' || a.length === 0 || a.length > MAX_ASSET_PATH_CHARS) throw new InvalidArgumentError(`${at}[${i}]: must be a path of 1 to ${MAX_ASSET_PATH_CHARS} characters`);
    return a;
  });
}

function unknownKeys(v: Record<string, unknown>, known: ReadonlySet<string>, at: string): void {
  for (const k of Object.keys(v)) if (!known.has(k)) throw new InvalidArgumentError(`${at}: unknown field ${JSON.stringify(k)} (known: ${[...known].join(', ')})`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
