// `cumulus bench wordcount --peers P --mb M`: the word count of issue 21 as a job on a local cloud
// (`cumulus up`: the server's peer and P volunteer processes on loopback). It stores M MiB of
// English text (corpus.ts) in objects of --object-mb MiB, runs the map and reduce through the
// gateway and reads the output; in the same run it times the same pipeline of the same builtins
// over the same bytes in this one process, and GNU coreutils + gawk --posix. Prints the times, the
// speedup (local / job), the share of map input bytes read on the worker that held them, and
// whether the job's output equals GNU's. `--exec js|wasm` runs the example JS or WASI module
// instead (wordcount-kinds.ts) and times that module locally; `--browsers N` adds N Chromium tabs
// on the volunteer page, which run tasks in their Web Workers. `workersSeen` counts the tabs and
// volunteers seen running tasks in the status (polled every 200 ms) and whether the server's peer was.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OptionValues } from '../core/options.js';
import { RealClock } from '../runtime/clock.js';
import { LevelStore, openLevel } from '../runtime/level-store.js';
import { BuiltinExecutor } from '../services/jobs/builtin-executor.js';
import { Cumulus, type JobStatus } from '../sdk/index.js';
import { runGnu, runOnce, WORDCOUNT_MAP, WORDCOUNT_REDUCE } from './builtins.js';
import { englishText } from './corpus.js';
import { round } from './figures.js';
import { startUp, stopUp } from './up-process.js';
import { cpuSeconds } from './jobs.js';
import { browserPeer, type BenchPeer } from './bench-peers.js';
import { launchChromium } from './chromium.js';
import { cutObjects, mbpsByKind, timeLocal as timeLocalKind, wordcountJob } from './wordcount-kinds.js';

export const WORDCOUNT_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 2, min: 0, max: 16, unit: 'volunteers', description: 'volunteer processes beside the server\'s peer' },
  mb: { type: 'integer', default: 256, min: 1, max: 4096, unit: 'MiB', description: 'English text counted' },
  objectMb: { type: 'integer', default: 4, min: 1, max: 64, unit: 'MiB', description: 'size of each stored object' },
  exec: { type: 'choice', choices: ['builtin', 'js', 'wasm'], default: 'builtin', description: 'the word count as builtin pipelines, or as the example JS or WASI module' },
  browsers: { type: 'integer', default: 0, min: 0, max: 8, unit: 'tabs', description: 'Chromium tabs on the volunteer page beside the volunteers' },
  compareMb: { type: 'integer', default: 16, min: 0, max: 4096, unit: 'MiB', description: 'text over which builtin, js and wasm are each timed on one worker (0: not timed)' },
} as const;

export type WordcountBenchOptions = OptionValues<typeof WORDCOUNT_BENCH_OPTIONS>;

export async function runWordcountBench(o: WordcountBenchOptions): Promise<Record<string, unknown>> {
  const text = englishText(o.mb * 1024 * 1024);
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-wordcount-'));
  const { up, ready } = await startUp(['--peers', String(o.peers), '--data', join(dir, 'cloud')]);
  const browser = o.browsers > 0 ? await launchChromium() : undefined;
  try {
    const tabs: BenchPeer[] = [];
    for (let i = 0; i < o.browsers; i++) tabs.push(await browserPeer(browser!, `${ready.url}/?quota-mb=${Math.max(256, 4 * o.mb)}`));
    const cloud = new Cumulus({ url: ready.url, token: ready.token });
    const { paths, putRetries } = await store(cloud, text, o.objectMb * 1024 * 1024);
    const job = await wordcountJob(cloud, o.exec);
    const pids = [up.pid!, ...ready.pids];
    const cpu0 = cpuSeconds(pids);
    const t0 = performance.now();
    const id = await cloud.createJob(job);
    await cloud.addInputs(id, paths);
    await cloud.endInputs(id);
    let status: JobStatus | undefined;
    // Where tasks ran, as seen in the job's status while it runs: tabs, Node volunteers, the server's peer.
    const ranOn = new Set<string>();
    for await (const s of cloud.watch(id, { intervalMs: 200 })) {
      status = s;
      for (const w of s.workers) ranOn.add(w.peer);
    }
    const out = await Promise.all((await cloud.outputs(id)).map(async (p) => Buffer.from(await new Response((await cloud.get(p)).body).arrayBuffer())));
    const jobSeconds = (performance.now() - t0) / 1000;
    const jobCpuSeconds = cpuSeconds(pids) - cpu0;
    const objects = cutObjects(text, o.objectMb * 1024 * 1024);
    const localSeconds = o.exec === 'builtin' ? await timeLocal(text, dir) : (await timeLocalKind(o.exec, objects, dir)).seconds;
    const mbpsPerWorker = o.compareMb > 0 ? await mbpsByKind(objects, o.compareMb, dir) : undefined;
    const t1 = performance.now();
    const gnu = await runGnu(`${WORDCOUNT_MAP} | ${WORDCOUNT_REDUCE}`, text);
    const gnuSeconds = (performance.now() - t1) / 1000;
    const output = Buffer.concat(out);
    return {
      mb: round(text.length / (1024 * 1024)), exec: o.exec, peers: o.peers, browsers: o.browsers, objects: paths.length, jobSeconds: round(jobSeconds), localSeconds: round(localSeconds),
      speedup: round(localSeconds / jobSeconds), gnuSeconds: round(gnuSeconds),
      /** CPU time the cloud's processes (server, volunteers, their sandbox threads) spent while the job ran: two cores give the job at most half of it as wall time. */
      jobCpuSeconds: round(jobCpuSeconds),
      mapLocalityShare: status && status.inputBytes > 0 ? round(status.localInputBytes / status.inputBytes) : 0,
      errors: status?.errors ?? -1, retries: status?.retries ?? -1, correct: output.length > 0 && output.equals(gnu),
      ...(putRetries > 0 && { putRetries }),
      workersSeen: { tabs: tabs.filter((t) => ranOn.has(t.id)).length, volunteers: ready.ids.filter((v) => ranOn.has(v)).length, server: ready.serverPeerId !== undefined && ranOn.has(ready.serverPeerId) },
      ...(mbpsPerWorker !== undefined && { mbpsPerWorker }),
    };
  } finally {
    await browser?.close();
    await stopUp(up);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Tries of one object's PUT: on a machine loaded many times over a commit may time out (a 504), and a client tries again. */
const PUT_TRIES = 3;

/** The text in objects of about objectBytes each, cut at line ends; resolves to their paths and the PUTs tried again. */
async function store(cloud: Cumulus, text: Buffer, objectBytes: number): Promise<{ paths: string[]; putRetries: number }> {
  await cloud.mkdir('books');
  const paths: string[] = [];
  let putRetries = 0;
  for (const object of cutObjects(text, objectBytes)) {
    const path = `~/books/part-${String(paths.length).padStart(4, '0')}.txt`;
    for (let tries = 1; ; tries++) {
      try {
        await cloud.put(path, object);
        break;
      } catch (e) {
        if (tries >= PUT_TRIES) throw e;
        putRetries++;
      }
    }
    paths.push(path);
  }
  return { paths, putRetries };
}

/** The same pipeline of the same builtins over the same bytes in this process, in seconds. */
async function timeLocal(text: Buffer, dir: string): Promise<number> {
  const spill = await LevelStore.open(openLevel(join(dir, 'spill')));
  try {
    const executor = new BuiltinExecutor({ clock: new RealClock({ unref: true }), spill, yieldToHost: () => new Promise((r) => setImmediate(r)) });
    const t0 = performance.now();
    await runOnce(executor, `${WORDCOUNT_MAP} | ${WORDCOUNT_REDUCE}`, text);
    return (performance.now() - t0) / 1000;
  } finally {
    await spill.close();
  }
}
