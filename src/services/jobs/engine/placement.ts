// Where a keeper may run a task (the Placement port a peer implements: its inputs' holders first),
// and what a worker is sent of a phase to run its tasks.
import type { Id, PeerId } from '../../../core/id.js';
import { DEFAULT_MEMORY_MB, DEFAULT_OUTPUT_BYTES, DEFAULT_TIMEOUT_S } from './constants.js';
import type { Journal } from './journal.js';
import type { RunPhase } from './messages.js';

/** Where a task may run: its input's holders first (most of its chunks first), then any peer. */
export interface Placement {
  /** Peers to prefer for this input, best first; empty when nothing is known. */
  preferred(input: string): readonly PeerId[];
  /**
   * Every peer that may run tasks, in a stable order. Return the same array while the set is
   * unchanged: the scheduler re-indexes its workers only when it gets a different one.
   */
  workers(): readonly PeerId[];
  /** Learn where these inputs are held, before their tasks are placed (a real peer stats them). */
  learn?(inputs: readonly string[]): Promise<void>;
  /**
   * Learn which peer owns each reducer's partition key (its home: every map output of the
   * partition has a copy there), so that the reducer runs where its input is.
   */
  learnHomes?(homes: ReadonlyArray<{ input: string; key: Id }>): Promise<void>;
}

/** What a worker needs of a phase, with the job's defaults filled in. */
export function runPhase(journal: Journal, phase: number): RunPhase {
  const phases = journal.state.spec!.phases;
  const p = phases[phase]!;
  const next = phases[phase + 1];
  const partitions = next?.type === 'reduce' ? (next.count ?? 1) : 1;
  return { phase, exec: p.exec, ...(next?.type === 'reduce' && { feedsReduce: true }), timeoutMs: (p.timeout ?? DEFAULT_TIMEOUT_S) * 1000, memoryBytes: (p.memory ?? DEFAULT_MEMORY_MB) * 1024 * 1024, outputBytes: DEFAULT_OUTPUT_BYTES, type: p.type, partitions, count: p.count ?? 1,
    ...(p.kind !== undefined && p.kind !== 'builtin' && { kind: p.kind }), ...(p.assets !== undefined && p.assets.length > 0 && { assets: p.assets }) };
}
