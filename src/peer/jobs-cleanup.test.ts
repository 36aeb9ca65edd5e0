// Proves the keeper's sweep names exactly the objects of the attempts that lost (a timed-out attempt, a speculative copy's loser, a failed task's attempts, each partition of them) and never a committed attempt's, and that removal counts only what it removed.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { Journal } from '../services/jobs/engine/journal.js';
import type { Entry } from '../services/jobs/engine/schemas.js';
import type { StorageClient } from '../services/storage/client.js';
import { lostAttemptObjects, removeObjects } from './jobs-cleanup.js';

const W = 'ab'.repeat(20) as PeerId;

function journalOf(entries: Entry[]): Journal {
  const j = new Journal('j1');
  for (const e of entries) expect(j.append(e), JSON.stringify(e)).toBeNull();
  return j;
}

const assigned = (phase: number, index: number, attempt: number, speculative = false): Entry => ({ t: 'assigned', phase, index, attempt, worker: W, speculative });
const committed = (phase: number, index: number, attempt: number): Entry => ({ t: 'committed', phase, index, attempt, bytes: 3 });

describe('the sweep of lost attempts', () => {
  it('names every partition of each losing attempt and nothing of a winner', () => {
    const j = journalOf([
      { t: 'created', user: 'ann', job: { phases: [{ type: 'map', exec: 'cat' }, { type: 'reduce', exec: 'wc -l', count: 2 }] } },
      { t: 'inputs', first: 0, paths: ['/ann/a', '/ann/b', '/ann/c', '/ann/d'] },
      { t: 'inputs-end' },
      // Task 0 wins at once; task 1 times out once; task 2's speculative copy wins; task 3 fails for good.
      assigned(0, 0, 1), committed(0, 0, 1),
      assigned(0, 1, 1), { t: 'failed', phase: 0, index: 1, attempt: 1, kind: 'timeout', final: false, exitCode: 124, message: 'late', stderr: '' }, assigned(0, 1, 2), committed(0, 1, 2),
      assigned(0, 2, 1), assigned(0, 2, 2, true), committed(0, 2, 2),
      assigned(0, 3, 1), { t: 'failed', phase: 0, index: 3, attempt: 1, kind: 'exit', final: true, exitCode: 1, message: 'exit 1', stderr: '' },
    ]);
    const dir = '/ann/jobs/j1/stor/p0';
    expect(lostAttemptObjects(j).sort()).toEqual([`${dir}/t1.1.r0`, `${dir}/t1.1.r1`, `${dir}/t2.1.r0`, `${dir}/t2.1.r1`, `${dir}/t3.1.r0`, `${dir}/t3.1.r1`]);
  });

  it('counts only the objects it removed; an absent one is no error', async () => {
    const present = new Set(['/ann/x', '/ann/y']);
    const client = { rm: async (p: string) => { if (!present.delete(p)) throw Object.assign(new Error(`${p} not found`), { code: 'NOT_FOUND' }); } } as unknown as StorageClient;
    expect(await removeObjects(client, ['/ann/x', '/ann/gone', '/ann/y'])).toBe(2);
    expect(present.size).toBe(0);
  });
});
