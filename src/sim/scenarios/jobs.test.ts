// Proves the jobs scenario at a small size: with a third of the workers crashing and the keeper crashed twice, every task is done once, none is lost, and the same seed gives the same digest.
import { describe, expect, it } from 'vitest';
import { runJobs } from './jobs.js';

describe('sim jobs', () => {
  it('completes every task once through worker and keeper crashes, deterministically', async () => {
    const o = { seed: 3, nodes: 20, tasks: 300, reducers: 3, kill: 0.3, hours: 1 };
    const a = await runJobs(o);
    expect(a, JSON.stringify(a)).toMatchObject({ tasks: 303, tasksDone: 303, duplicatesCommitted: 0, lost: 0, jKeeperFailovers: 2 });
    const b = await runJobs(o);
    expect(b.digest).toBe(a.digest);
  });
});
