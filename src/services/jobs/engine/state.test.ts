// Proves the journal's state machine: a map+reduce job runs to its end through entries, a second commit and a stale attempt's late answer are refused, retries and speculative copies follow the attempt rules, and replaying the journal into a fresh state gives the same state.
import { describe, expect, it } from 'vitest';
import { check } from '../../../core/codec.js';
import type { PeerId } from '../../../core/id.js';
import { seededRng } from '../../../env/rng.js';
import { MAX_ATTEMPTS, MAX_INPUTS_PER_ENTRY } from './constants.js';
import { Entry } from './schemas.js';
import { JobState } from './state.js';
import { TaskStatus } from './tasks.js';

const W1 = '1'.repeat(40) as PeerId;
const W2 = '2'.repeat(40) as PeerId;
const created: Entry = { t: 'created', user: 'ann', job: { phases: [{ type: 'map', exec: 'wc -l' }, { type: 'reduce', exec: 'sort', count: 2 }] } };

/** A state fed entries, keeping the journal; an entry it refuses throws with the refusal. */
function journal(): { state: JobState; entries: Entry[]; add(e: Entry): void } {
  const state = new JobState();
  const entries: Entry[] = [];
  return {
    state,
    entries,
    add(e) {
      expect(check(Entry, e).ok, JSON.stringify(e)).toBe(true);
      const r = state.refusal(e);
      if (r !== null) throw new Error(`${e.t} refused: ${r}`);
      state.apply(e);
      entries.push(e);
    },
  };
}

const assigned = (phase: number, index: number, attempt: number, worker = W1, speculative = false): Entry => ({ t: 'assigned', phase, index, attempt, worker, speculative });
const committed = (phase: number, index: number, attempt: number): Entry => ({ t: 'committed', phase, index, attempt, bytes: 10 });
const failed = (phase: number, index: number, attempt: number, final: boolean, kind: 'exit' | 'timeout' = 'timeout'): Entry => ({ t: 'failed', phase, index, attempt, kind, final, exitCode: kind === 'exit' ? 1 : 124, message: kind, stderr: '' });

describe('job state', () => {
  it('runs a map and a reduce phase to the end, refusing what cannot follow', () => {
    const j = journal();
    expect(j.state.refusal(assigned(0, 0, 1))).toBe('not-created');
    j.add(created);
    j.add({ t: 'inputs', first: 0, paths: ['/ann/a', '/ann/b'] });
    expect(j.state.refusal({ t: 'inputs', first: 3, paths: ['/x'] })).toBe('inputs-gap');
    expect(j.state.nextPending()).toEqual({ phase: 0, index: 0 });
    j.add(assigned(0, 0, 1));
    expect(j.state.refusal(assigned(0, 0, 2))).toBe('bad-attempt');
    expect(j.state.nextPending()).toEqual({ phase: 0, index: 1 });
    j.add(assigned(0, 1, 1, W2));
    j.add(committed(0, 0, 1));
    expect(j.state.refusal(committed(0, 0, 1))).toBe('duplicate');
    expect(j.state.refusal(assigned(1, 0, 1))).toBe('no-such-task');
    j.add({ t: 'inputs-end' });
    expect(j.state.phaseToClose()).toBeUndefined();
    j.add(committed(0, 1, 1));
    expect(j.state.phaseToClose()).toBe(0);
    j.add({ t: 'phase-done', phase: 0 });
    expect(j.state.refusal({ t: 'job-done' })).toBe('not-settled');
    for (const i of [0, 1]) j.add(assigned(1, i, 1));
    for (const i of [0, 1]) j.add(committed(1, i, 1));
    j.add({ t: 'phase-done', phase: 1 });
    j.add({ t: 'job-done' });
    expect(j.state.refusal(committed(1, 0, 1))).toBe('ended');
    expect(j.state.phases.map((p) => p.counts)).toEqual([
      { pending: 0, running: 0, done: 2, failed: 0 },
      { pending: 0, running: 0, done: 2, failed: 0 },
    ]);
  });

  it('retries up to its attempts, ignores a stale attempt, and lets the first of two copies win', () => {
    const j = journal();
    j.add(created);
    j.add({ t: 'inputs', first: 0, paths: ['/ann/a'] });
    j.add(assigned(0, 0, 1));
    j.add(failed(0, 0, 1, false));
    expect(j.state.retries).toBe(1);
    expect(j.state.refusal(committed(0, 0, 1))).toBe('stale');
    expect(j.state.nextPending()).toEqual({ phase: 0, index: 0 });
    j.add(assigned(0, 0, 2));
    expect(j.state.refusal(assigned(0, 0, 3))).toBe('bad-attempt');
    j.add(assigned(0, 0, 3, W2, true));
    expect(j.state.running.get(0)).toEqual(new Map([[2, W1], [3, W2]]));
    j.add(committed(0, 0, 3));
    expect(j.state.refusal(committed(0, 0, 2))).toBe('duplicate');
    expect(j.state.phases[0]!.winnerOf(0)).toBe(3);
    expect(j.state.running.size).toBe(0);
  });

  it('puts a task that failed for good in the errors and still closes its phase', () => {
    const j = journal();
    j.add(created);
    j.add({ t: 'inputs', first: 0, paths: ['/ann/a'] });
    j.add({ t: 'inputs-end' });
    j.add(assigned(0, 0, 1));
    j.add(failed(0, 0, 1, true, 'exit'));
    expect(j.state.errors).toEqual([{ phase: 0, index: 0, kind: 'exit', exitCode: 1, message: 'exit', stderr: '' }]);
    expect(j.state.phases[0]!.statusOf(0)).toBe(TaskStatus.Failed);
    expect(j.state.phaseToClose()).toBe(0);
  });

  it('a cancelled job takes no assignment and may end at once', () => {
    const j = journal();
    j.add(created);
    j.add({ t: 'inputs', first: 0, paths: ['/ann/a'] });
    j.add({ t: 'cancelled' });
    expect(j.state.refusal(assigned(0, 0, 1))).toBe('cancelled');
    j.add({ t: 'job-done' });
  });

  it('replaying a journal of random steps gives the same state', () => {
    const rng = seededRng(7);
    const j = journal();
    j.add(created);
    for (let first = 0; first < 40; first += MAX_INPUTS_PER_ENTRY) {
      j.add({ t: 'inputs', first, paths: Array.from({ length: Math.min(MAX_INPUTS_PER_ENTRY, 40 - first) }, (_, i) => `/ann/in/${first + i}`) });
    }
    j.add({ t: 'inputs-end' });
    const workers = [W1, W2];
    for (let step = 0; step < 5000 && !j.state.ended; step++) {
      const close = j.state.phaseToClose();
      if (close !== undefined) j.add({ t: 'phase-done', phase: close });
      else if (j.state.phaseDone.every(Boolean)) j.add({ t: 'job-done' });
      const next = j.state.nextPending();
      const running = [...j.state.running];
      if (next && rng.next() < 0.5) j.add(assigned(next.phase, next.index, j.state.phases[next.phase]!.attemptsOf(next.index) + 1, workers[rng.int(2)]));
      else if (running.length > 0) {
        const [key, out] = running[rng.int(running.length)]!;
        const attempt = [...out.keys()][0]!;
        const phase = Math.floor(key / 4_000_000);
        const index = key % 4_000_000;
        const roll = rng.next();
        if (roll < 0.7) j.add(committed(phase, index, attempt));
        else j.add(failed(phase, index, attempt, attempt >= MAX_ATTEMPTS || roll > 0.95));
      }
    }
    expect(j.state.ended).toBe(true);
    const replay = new JobState();
    for (const e of j.entries) {
      expect(replay.refusal(e)).toBeNull();
      replay.apply(e);
    }
    const view = (s: JobState) => ({ seq: s.seq, counts: s.phases.map((p) => p.counts), errors: s.errors, retries: s.retries, winners: s.phases.map((p) => Array.from({ length: p.size }, (_, i) => p.winnerOf(i))) });
    expect(view(replay)).toEqual(view(j.state));
    const [map, reduce] = j.state.phases;
    expect(map!.counts.done + map!.counts.failed).toBe(40);
    expect(reduce!.counts.done + reduce!.counts.failed).toBe(2);
  });
});
