// Proves in real Chromium that tabs are workers beside Node volunteers: a JS word count job's map tasks run on 2 volunteer tabs and 2 Node volunteers (never on the server's peer); one tab, which has run tasks, is closed while the job runs (while it runs a task when it gets one), and the job still ends with every task committed once and the output GNU gives for the same bytes.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startCloudServer, type CloudServer } from '../server/cloud.js';
import { startNodePeer } from '../host/node-peer.js';
import type { RunningPeer } from '../host/start-peer.js';
import type { LendingFigures } from '../host/lending.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import { launchChromium } from '../bench/chromium.js';
import { browserPeer } from '../bench/bench-peers.js';
import { runGnu, WORDCOUNT_MAP, WORDCOUNT_REDUCE } from '../bench/builtins.js';
import { englishText } from '../bench/corpus.js';
import { cutObjects, wordcountJob } from '../bench/wordcount-kinds.js';
import { Cumulus } from '../sdk/index.js';

const MB = 1024 * 1024;
/** Inputs of the job: small objects, so that the job has many quick tasks to spread. */
const OBJECTS = 36;
const OBJECT_BYTES = 48 * 1024;
/** Inputs given before the tab is closed, a few at a time, until every worker has run a task. */
const FIRST_INPUTS_MAX = 24;
const BATCH = 4;
const JOB_DONE_TIMEOUT_MS = 240_000;

const dir = mkdtempSync(join(tmpdir(), 'cumulus-jobs-tabs-'));
let browser: Browser | null = null;
let cloud: CloudServer | null = null;
const volunteers: RunningPeer[] = [];
afterAll(async () => {
  await browser?.close();
  for (const v of volunteers) await v.close();
  await cloud?.close();
  shutdownNodeRtc();
  rmSync(dir, { recursive: true, force: true });
});

describe('tabs and Node volunteers run one job', () => {
  it('runs map tasks on 2 tabs and 2 volunteers; a tab closed mid-job loses nothing', async () => {
    cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'server') });
    const url = cloud.server.url;
    for (let i = 0; i < 2; i++) volunteers.push(await startNodePeer({ dataDir: join(dir, `v${i}`), serverUrl: url, storage: { quotaBytes: 256 * MB } }));
    await cloud.peerReady();
    browser = await launchChromium();
    const tabs = [await browserPeer(browser, `${url}/?quota-mb=256`), await browserPeer(browser, `${url}/?quota-mb=256`)];
    const tasksRun = new Map<string, () => Promise<number>>([
      ...volunteers.map((v) => [v.identity.id, async () => v.peer.jobs!.worker!.counters.tasksRun] as const),
      ...tabs.map((t) => [t.id, async () => (await t.page.evaluate(() => (globalThis as unknown as { cumulus: { figures(): LendingFigures } }).cumulus.figures())).tasksRun] as const),
    ]);

    const sdk = new Cumulus({ url, token: await cloud.users.add('ann', Date.now()) });
    const objects = cutObjects(englishText(OBJECTS * OBJECT_BYTES), OBJECT_BYTES);
    await sdk.mkdir('books');
    const paths: string[] = [];
    for (const [i, o] of objects.entries()) {
      paths.push(`~/books/${i}.txt`);
      await sdk.put(paths[i]!, o);
    }
    const spec = await wordcountJob(sdk, 'js');
    const id = await sdk.createJob({ phases: spec.phases.map((p) => ({ ...p, timeout: 60 })) });

    // Every peer the job's status shows with an attempt out, whenever we look.
    const seen = new Set<string>();
    const status = async () => {
      const s = await sdk.status(id);
      for (const w of s.workers) seen.add(w.peer);
      return s;
    };
    // A few inputs at a time until each of the four workers has run a map task.
    let given = 0;
    const counts = async () => Object.fromEntries(await Promise.all([...tasksRun].map(async ([p, f]) => [p, await f()] as const)));
    while (given < FIRST_INPUTS_MAX && Object.values(await counts()).some((n) => n === 0)) {
      await sdk.addInputs(id, paths.slice(given, given + BATCH));
      given += BATCH;
      await vi.waitFor(async () => expect((await status()).phases[0]!.done).toBe(given), { timeout: 60_000, interval: 200 });
    }
    const ran = await counts();
    expect(Object.values(ran).every((n) => n > 0), JSON.stringify(ran)).toBe(true);

    // More inputs, and the first tab closed while the job runs them: as soon as it runs one, if it gets one.
    const closed = tabs[0]!;
    const runningOnTab = async () => (await closed.page.evaluate(() => (globalThis as unknown as { cumulus: { figures(): LendingFigures } }).cumulus.figures())).tasksRunning;
    await sdk.addInputs(id, paths.slice(given, given + 8));
    given += 8;
    await vi.waitFor(async () => expect((await runningOnTab()) > 0 || (await status()).phases[0]!.done === given).toBe(true), { timeout: 30_000, interval: 10 });
    await closed.stop();
    await sdk.addInputs(id, paths.slice(given));
    await sdk.endInputs(id);
    await vi.waitFor(async () => expect((await status()).state).toBe('done'), { timeout: JOB_DONE_TIMEOUT_MS, interval: 500 });

    const end = await status();
    expect(end.phases.map((p) => [p.tasks, p.done, p.errors])).toEqual([[objects.length, objects.length, 0], [1, 1, 0]]);
    expect(end.errors).toBe(0);
    const outputs = await sdk.outputs(id);
    expect(outputs.length).toBe(1);
    const got = Buffer.from(await new Response((await sdk.get(outputs[0]!)).body).arrayBuffer());
    expect(got.toString()).toBe((await runGnu(`${WORDCOUNT_MAP} | ${WORDCOUNT_REDUCE}`, Buffer.concat(objects))).toString());
    // The server's peer ran nothing: it was never among the job's workers when we looked.
    expect(seen.has(cloud.peer!.id)).toBe(false);
  });
});
