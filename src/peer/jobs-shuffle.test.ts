// Proves the shuffle runs where its data is, on simulated peers with real storage and the builtin executor: every map output that feeds a reduce has a copy at the owner of its partition's key, each reducer runs on that owner, and the job's answer is right.
import { describe, expect, it } from 'vitest';
import type { PeerId } from '../core/id.js';
import { jobKey, partitionKey } from '../services/jobs/engine/keys.js';
import type { JobsService } from '../services/jobs/engine/service.js';
import { outputPath } from '../services/jobs/engine/paths.js';
import { settle } from '../sim/settle.js';
import { Simulator } from '../sim/simulator.js';
import { StorageCluster } from '../sim/scenarios/storage.js';
import { startJobs } from './jobs.js';

const USER = 'ann';
const REDUCERS = 3;

function setup(seed: number, peers: number) {
  const sim = new Simulator({ seed });
  const cluster = new StorageCluster(sim, { quotaBytes: 1 << 24, repairPeriodMs: 600_000 });
  const ids: PeerId[] = Array.from({ length: peers }, () => cluster.add());
  const jobs = new Map<PeerId, JobsService>();
  for (const id of ids) {
    const env = sim.node(id)!.env;
    const j = startJobs(cluster.net.ring(id)!, env.clock, env.store, () => cluster.services.get(id)!.client, { worker: true });
    j.start();
    jobs.set(id, j);
  }
  return { sim, cluster, ids, jobs, run: <T>(p: Promise<T>) => settle(sim, p) };
}

describe('the shuffle', () => {
  it('writes each partition to its key\'s owner and runs its reducer there', async () => {
    const { sim, cluster, ids, jobs, run } = setup(3, 6);
    const storage = cluster.services.get(ids[0]!)!.client;
    await run(storage.mkdir(`/${USER}`));
    const words = ['apple', 'pear', 'fig', 'plum', 'kiwi', 'lime', 'date', 'yam'];
    const inputs: string[] = [];
    const expected = new Map<string, number>();
    for (let i = 0; i < 5; i++) {
      const lines = Array.from({ length: 40 }, (_, k) => words[(i * 7 + k * 3) % words.length]!);
      for (const w of lines) expected.set(w, (expected.get(w) ?? 0) + 1);
      inputs.push(`/${USER}/in${i}`);
      await run(storage.put(inputs[i]!, [new TextEncoder().encode(lines.join('\n') + '\n')]));
    }
    const client = jobs.get(ids[1]!)!.client;
    const jobId = 'shuffle1';
    // The gateway makes the job's directories before it creates the job.
    for (const dir of ['jobs', 'jobs/shuffle1', 'jobs/shuffle1/stor', 'jobs/shuffle1/stor/p0', 'jobs/shuffle1/stor/p1']) await run(storage.mkdir(`/${USER}/${dir}`));
    await run(client.create(jobId, USER, { phases: [{ type: 'map', exec: 'cat' }, { type: 'reduce', exec: 'sort | uniq -c', count: REDUCERS }] }));
    await run(client.inputs(jobId, USER, inputs));
    await run(client.end(jobId, USER));
    const keeperId = cluster.net.ownerOf(jobKey(jobId))!.self;
    const journal = jobs.get(keeperId)!.keeper.kept.get(jobId)!;
    await sim.runAsync({ until: () => journal.state.ended, forMs: 120_000 });
    expect(journal.state.ended).toBe(true);
    expect(journal.state.errors).toEqual([]);

    // Every map task's share of partition k has a copy at the owner of partitionKey(job, 1, k).
    const homes = Array.from({ length: REDUCERS }, (_, k) => cluster.net.ownerOf(partitionKey(jobId, 1, k))!.self);
    for (let i = 0; i < inputs.length; i++) {
      for (let k = 0; k < REDUCERS; k++) {
        const st = await run(storage.stat(outputPath(USER, jobId, 0, i, journal.state.phases[0]!.winnerOf(i), k)));
        expect(st.kind === 'file' && st.chunks.every((c) => c.holders.includes(homes[k]!)), `t${i}.r${k}`).toBe(true);
      }
    }
    // Each reducer's committed attempt ran on its partition's home.
    for (let k = 0; k < REDUCERS; k++) {
      const winner = journal.state.phases[1]!.winnerOf(k);
      const ran = journal.entries.find((e) => e.t === 'assigned' && e.phase === 1 && e.index === k && e.attempt === winner);
      expect(ran && ran.t === 'assigned' && ran.worker, `reducer ${k}`).toBe(homes[k]);
    }

    // The reducers' outputs together are the word counts.
    const counted = new Map<string, number>();
    for (let k = 0; k < REDUCERS; k++) {
      // The read runs inside the simulation: its chunks come over the simulated links.
      const text = await run((async () => {
        let t = '';
        for await (const b of await storage.open(outputPath(USER, jobId, 1, k, journal.state.phases[1]!.winnerOf(k)))) t += new TextDecoder().decode(b);
        return t;
      })());
      for (const m of text.matchAll(/^\s*(\d+) (\S+)$/gm)) counted.set(m[2]!, Number(m[1]));
    }
    expect(counted).toEqual(expected);
  });
});
