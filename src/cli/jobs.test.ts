// Proves jobs end to end on real peers (`cumulus up`: the server's peer and 5 volunteer processes on loopback, so that 3 remain on the ring for r = 3 after two are killed), driven by the real `cumulus` binary: the word-count idiom `cumulus find books -t o | cumulus job create -o -m … -r …` prints what GNU coreutils + gawk print on the same bytes; malformed jobs get a 400 naming the fault and create nothing; another user sees none of a user's jobs; cancel stops the tasks; a job completes with every output once after its jKeeper is killed mid-job, and after a worker is killed mid-task; a finished job's archived report is read and deleted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cumulus, type JobStatus } from '../sdk/index.js';
import { corpusFiles } from '../bench/corpus.js';
import { EXIT } from './exit-codes.js';
import { alive, BIN, startUp, type Ready } from './test-util/local-cloud.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-jobs-'));
let up: ChildProcess;
let ready: Ready;
let alice: Cumulus;
let bobToken: string;

const MAP = "tr -cs A-Za-z '\\n' | tr A-Z a-z | sort | uniq -c";
const REDUCE = "awk '{c[$2]+=$1} END {for (w in c) print c[w], w}' | sort -rn | head -20";
/** A map task that spins for a while before it copies its input: long enough to kill or cancel things under it. */
const SLOW_MAP = "awk 'BEGIN { for (i = 0; i < 3000000; i++) x += i } { print }'";
/** Long enough (seconds) that a worker seen with an attempt out is still running it when it is killed. */
const SLOWER_MAP = "awk 'BEGIN { for (i = 0; i < 15000000; i++) x += i } { print }'";

interface Run { code: number | null; stdout: string; stderr: string }

/** Run a shell command line with the cloud's address and a token in its environment. */
function sh(command: string, opts: { stdin?: string; token?: string } = {}): Promise<Run> {
  const env = { ...process.env, CUMULUS_URL: ready.url, CUMULUS_TOKEN: opts.token ?? ready.token, LC_ALL: 'C', CUMULUS: `${process.execPath} ${BIN}` };
  const child = spawn('sh', ['-c', command], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(opts.stdin);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function until(what: string, ok: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting: ${what}`);
}

async function finished(id: string): Promise<JobStatus> {
  let last: JobStatus | undefined;
  for await (const s of alice.watch(id, { intervalMs: 250 })) last = s;
  return last!;
}

/** A map-only job over `inputs` objects that each hold their own name, with a volunteer keeping it. */
async function slowJobKeptByVolunteer(inputs: string[]): Promise<{ id: string; keeperPid: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const id = await alice.createJob({ phases: [{ exec: SLOW_MAP, timeout: 30 }] });
    const s = await alice.status(id);
    const i = ready.ids.indexOf(s.keeper);
    if (i >= 0 && alive(ready.pids[i]!)) {
      await alice.addInputs(id, inputs);
      await alice.endInputs(id);
      return { id, keeperPid: ready.pids[i]! };
    }
    await alice.cancel(id);
  }
  throw new Error('no job landed on a live volunteer');
}

beforeAll(async () => {
  ({ up, ready } = await startUp(['--peers', '5', '--data', dir]));
  alice = new Cumulus({ url: ready.url, token: ready.token });
  const bob = await sh(`$CUMULUS user add bob --data ${dir} --json`);
  bobToken = (JSON.parse(bob.stdout) as { token: string }).token;
  await alice.mkdir('books');
  const docs = corpusFiles().slice(0, 8);
  for (const [i, f] of docs.entries()) await alice.put(`books/b${i}.txt`, readFileSync(f));
  await alice.mkdir('tiny');
  for (let i = 0; i < 8; i++) await alice.put(`tiny/t${i}`, new TextEncoder().encode(`line of t${i}\n`));
}, 180_000);

afterAll(() => {
  if (up.exitCode === null) up.kill('SIGKILL');
  for (const pid of ready?.pids ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('jobs on real peers', () => {
  it('prints the 20 commonest words with the CLI idiom, as GNU tools do', async () => {
    const job = await sh(`$CUMULUS find books -t o | $CUMULUS job create -o -m "${MAP}" -r "${REDUCE.replace(/\$/g, '\\$')}"`);
    expect(job.stderr).toBe('');
    expect(job.code).toBe(EXIT.ok);
    const files = corpusFiles().slice(0, 8).map((f) => `'${f}'`).join(' ');
    const gnu = await sh(`cat ${files} | ${MAP} | ${REDUCE.replace(/^awk/, 'gawk --posix')}`);
    expect(gnu.stdout.split('\n').length).toBe(21);
    expect(job.stdout).toBe(gnu.stdout);
    const [listed] = await alice.list();
    expect(listed).toMatchObject({ state: 'done', inputs: 8, outputs: 1, errors: 0 });
    expect(listed!.localInputBytes / listed!.inputBytes).toBeGreaterThan(0.5);
  });

  it('archives a finished job\'s report, which its user reads and deletes', async () => {
    const [job] = await alice.list({ state: 'done' });
    // The keeper archived it before the job's end was journaled; deleting it leaves no report (a live one could not be deleted).
    const report = await alice.jobReport(job!.id);
    expect(report.job).toMatchObject({ id: job!.id, state: 'done', outputs: 1 });
    expect(report.inputs.length).toBe(8);
    expect(report.outputs).toEqual(await alice.outputs(job!.id));
    expect(report.errors).toEqual([]);
    // The report is the system's: its user reads and deletes it, but cannot write over it.
    const put = await fetch(`${ready.url}/alice/jobs-reports/${job!.id}`, { method: 'PUT', headers: { authorization: `Bearer ${ready.token}` }, body: '{"forged":true}' });
    expect(put.ok).toBe(false);
    expect((await alice.jobReport(job!.id)).job).toMatchObject({ id: job!.id, state: 'done' });
    await alice.deleteJobReport(job!.id);
    await expect(alice.jobReport(job!.id)).rejects.toMatchObject({ status: 404 });
    await expect(alice.deleteJobReport(job!.id)).rejects.toMatchObject({ status: 404 });
    // The outputs stay.
    expect((await alice.get(report.outputs[0]!)).size).toBeGreaterThan(0);
  });

  it('answers a malformed job with a 400 naming the fault, and creates nothing', async () => {
    const before = (await alice.list()).length;
    const post = (body: string) => fetch(`${ready.url}/dev/jobs`, { method: 'POST', body, headers: { authorization: `Bearer ${ready.token}` } });
    const cases: Array<[string, RegExp]> = [
      ['{"phases": [', /not valid JSON/],
      [JSON.stringify({ phases: Array.from({ length: 100 }, () => ({ exec: 'cat' })) }), /at most 32 phases, got 100/],
      [JSON.stringify({ phases: [{ exec: 'x'.repeat(1_000_000) }] }), /phases\[0\]\.exec: 1000000 bytes long, at most 16384/],
      [JSON.stringify({ phases: [{ exec: 'cat' }, { exec: 'sort -P' }] }), /phases\[1\]\.exec: .*-P/],
      [JSON.stringify({ phases: [{ exec: 'cat' }, { type: 'reduce', exec: 'cat', count: 0 }] }), /phases\[1\]\.count: must be an integer from 1 to 1024, got 0/],
    ];
    for (const [body, fault] of cases) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(fault);
    }
    expect((await alice.list()).length).toBe(before);
    const cli = await sh("echo | $CUMULUS job create -m 'grep -Z x'");
    expect(cli.code).toBe(EXIT.usage);
    expect(cli.stderr).toMatch(/-Z/);
  });

  it('shows nobody else a user\'s jobs, their inputs or their outputs', async () => {
    const [job] = await alice.list({ state: 'done' });
    const bob = new Cumulus({ url: ready.url, token: bobToken });
    expect(await bob.list()).toEqual([]);
    await expect(bob.status(job!.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.outputs(job!.id)).rejects.toMatchObject({ status: 404 });
    const asBob = (path: string) => fetch(`${ready.url}${path}`, { headers: { authorization: `Bearer ${bobToken}` } });
    expect((await asBob(`/dev/jobs/${job!.id}/live/status`)).status).toBe(403);
    const out = (await alice.outputs(job!.id))[0]!;
    expect((await asBob(out)).status).toBe(403);
    expect((await alice.get(out)).size).toBeGreaterThan(0);
  });

  it('cancels a job: its tasks stop and the workers take the next job at once', async () => {
    const id = await alice.createJob({ phases: [{ exec: "awk 'BEGIN { for (;;) x++ }'", timeout: 3600 }] });
    // More endless tasks than the five workers have slots (4 each), so that any not stopped would hold the next job up.
    await alice.addInputs(id, Array.from({ length: 24 }, (_, i) => `~/tiny/t${i % 8}`));
    await alice.endInputs(id);
    await until('tasks running', async () => (await alice.status(id)).phases[0]!.running > 0);
    const cancel = await sh(`$CUMULUS job cancel ${id}`);
    expect(cancel.code).toBe(EXIT.ok);
    expect((await alice.status(id)).state).toBe('cancelled');
    // The next job completes only if the endless tasks stopped and freed the workers' slots.
    const next = await sh(`$CUMULUS find tiny -t o | $CUMULUS job create -o -m 'cat'`);
    expect(next.stdout.split('\n').filter(Boolean).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `line of t${i}`));
  });

  it('completes a job with every output once after its jKeeper is killed mid-job', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) => `~/tiny/t${i}`);
    const { id, keeperPid } = await slowJobKeptByVolunteer(inputs);
    await until('tasks running', async () => (await alice.status(id)).phases[0]!.running > 0);
    process.kill(keeperPid, 'SIGKILL');
    const s = await finished(id);
    expect(s).toMatchObject({ state: 'done', outputs: 8, errors: 0 });
    expect(s.failovers).toBeGreaterThanOrEqual(1);
    expect(s.keeper).not.toBe(ready.ids[ready.pids.indexOf(keeperPid)]);
    const outs = await alice.outputs(id);
    expect(outs.length).toBe(8);
    expect(new Set(outs.map((p) => p.replace(/\.\d+$/, ''))).size).toBe(8);
    const text = await Promise.all(outs.map(async (p) => new Response((await alice.get(p)).body).text()));
    expect(text.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `line of t${i}\n`));
  });

  it('completes a job with every output once after a worker is killed mid-task', async () => {
    const id = await alice.createJob({ phases: [{ exec: SLOWER_MAP, timeout: 60 }, { type: 'reduce', exec: 'sort' }] });
    await alice.addInputs(id, Array.from({ length: 8 }, (_, i) => `~/tiny/t${i}`));
    await alice.endInputs(id);
    let victim = -1;
    await until('a volunteer running a task', async () => {
      const s = await alice.status(id);
      const w = s.workers.find((x) => x.peer !== s.keeper && ready.ids.includes(x.peer) && alive(ready.pids[ready.ids.indexOf(x.peer)]!));
      victim = w ? ready.pids[ready.ids.indexOf(w.peer)]! : -1;
      return victim > 0;
    });
    process.kill(victim, 'SIGKILL');
    const s = await finished(id);
    expect(s, JSON.stringify(await alice.errors(id))).toMatchObject({ state: 'done', outputs: 1, errors: 0 });
    expect(s.retries).toBeGreaterThanOrEqual(1);
    const out = await new Response((await alice.get((await alice.outputs(id))[0]!)).body).text();
    expect(out).toBe(Array.from({ length: 8 }, (_, i) => `line of t${i}\n`).join(''));
  }, 240_000);
});
