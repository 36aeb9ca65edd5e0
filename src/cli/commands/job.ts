// `cumulus find` and `cumulus job …` (also `cumulus bcjob …`, the seed's name): jobs over the
// gateway's /:user/jobs routes. `job create` takes its phases from -m/-r, from a job file, or in the
// short form (`'grep -c x' ^ 'wc -l' ^^ 'awk …'`: `^` starts another map phase, `^^` a reduce),
// reads input paths from stdin when it is not a terminal, and with -o prints the outputs.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Cumulus, JobPhase, JobSpec, JobStatus } from '../../sdk/index.js';
import { UsageError } from '../exit-codes.js';
import type { Io } from '../io.js';
import { action, client, line, withConn, type ConnOpts } from './files.js';

/** Directories `find` walks at most, so a huge tree cannot run away. */
const MAX_FIND_DIRS = 100_000;
/** Pause between two statuses while waiting for a job. */
const WATCH_INTERVAL_MS = 500;

/** Every path below `root` (depth first, in name order), of one type when asked, whose name matches. */
async function* find(cloud: Cumulus, root: string, type: 'o' | 'd' | undefined, name: RegExp | undefined): AsyncGenerator<string> {
  const stack = [cloud.resolve(root)];
  for (let dirs = 0; stack.length > 0 && dirs < MAX_FIND_DIRS; dirs++) {
    const dir = stack.pop()!;
    const subdirs: string[] = [];
    for await (const e of cloud.ls(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.type === 'directory') subdirs.push(path);
      if ((type === undefined || (type === 'd') === (e.type === 'directory')) && (name === undefined || name.test(e.name))) yield path;
    }
    stack.push(...subdirs.reverse());
  }
}

export function registerFind(program: Command, io: Io): void {
  withConn(program.command('find <path>').description('list every object and directory below a path, one path a line'))
    .option('-n, --name <regex>', 'only entries whose name matches')
    .option('-t, --type <o|d>', 'only objects (o) or directories (d)')
    .action(action(io, 'find', async (path: string, o: ConnOpts & { name?: string; type?: string }) => {
      if (o.type !== undefined && o.type !== 'o' && o.type !== 'd') throw new UsageError('-t takes o (objects) or d (directories)');
      let re: RegExp | undefined;
      try {
        re = o.name === undefined ? undefined : new RegExp(o.name);
      } catch (e) {
        throw new UsageError(`-n: ${(e as Error).message}`);
      }
      for await (const p of find(client(io, o), path, o.type as 'o' | 'd' | undefined, re)) line(io.stdout, o.json ? JSON.stringify({ path: p }) : p);
    }));
}

/** Phases of the short form: execs separated by `^` (another map) and `^^` (a reduce). */
export function shortFormPhases(args: readonly string[]): JobPhase[] {
  const phases: JobPhase[] = [];
  let next: 'map' | 'reduce' = 'map';
  let expectExec = true;
  for (const a of args) {
    if (a === '^' || a === '^^') {
      if (expectExec) throw new UsageError(`"${a}" must follow a command`);
      next = a === '^' ? 'map' : 'reduce';
      expectExec = true;
      continue;
    }
    if (!expectExec) throw new UsageError(`"${a.slice(0, 40)}": separate phases with ^ (map) or ^^ (reduce)`);
    phases.push({ type: next, exec: a });
    expectExec = false;
  }
  if (phases.length > 0 && expectExec) throw new UsageError('the short form ends with a separator');
  return phases;
}

interface CreateOpts extends ConnOpts { map: string[]; reduce?: string; count?: string; file?: string; name?: string; watch?: boolean; output?: boolean }

async function jobOf(args: string[], o: CreateOpts): Promise<JobSpec | string> {
  if (o.file !== undefined) {
    if (args.length > 0 || o.map.length > 0 || o.reduce !== undefined) throw new UsageError('-f takes the whole job: give no -m, -r or phases beside it');
    return readFile(o.file, 'utf8');
  }
  const phases: JobPhase[] = [...o.map.map((exec) => ({ type: 'map' as const, exec })), ...shortFormPhases(args)];
  if (o.reduce !== undefined) phases.push({ type: 'reduce', exec: o.reduce });
  if (o.count !== undefined) {
    const last = phases[phases.length - 1];
    if (last?.type !== 'reduce') throw new UsageError('--count needs a reduce phase (-r)');
    last.count = Number(o.count);
  }
  if (phases.length === 0) throw new UsageError('no phases: give -m CMD, -r CMD, a job file (-f) or the short form');
  return { ...(o.name !== undefined && { name: o.name }), phases };
}

async function* stdinLines(io: Io): AsyncGenerator<string> {
  let carry = '';
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
    const lines = (carry + chunk.toString()).split('\n');
    carry = lines.pop()!;
    for (const l of lines) if (l.trim() !== '') yield l.trim();
  }
  if (carry.trim() !== '') yield carry.trim();
}

function progressLine(s: JobStatus): string {
  return s.phases.map((p, i) => `${i}:${p.type} ${p.done + p.errors}/${p.tasks}${p.errors > 0 ? ` (${p.errors} err)` : ''}`).join('  ') + `  ${s.state}`;
}

/** Wait for the job to end; with `bar`, show each phase's progress on stderr. */
async function waitFor(cloud: Cumulus, io: Io, id: string, bar: boolean): Promise<JobStatus> {
  let last: JobStatus | undefined;
  for await (const s of cloud.watch(id, { intervalMs: WATCH_INTERVAL_MS })) {
    last = s;
    if (bar) io.stderr.write(`${io.stderr.isTTY ? '\r\x1b[K' : ''}${progressLine(s)}${io.stderr.isTTY ? '' : '\n'}`);
  }
  if (bar && io.stderr.isTTY) io.stderr.write('\n');
  return last!;
}

/** Every output's bytes, in the order the job lists them. */
async function printOutputs(cloud: Cumulus, io: Io, id: string): Promise<void> {
  for (const path of await cloud.outputs(id)) {
    const r = await cloud.get(path);
    for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) io.stdout.write(chunk);
  }
}

function registerCreate(job: Command, io: Io): void {
  withConn(job.command('create [phases...]').description('create a job; input paths are read from stdin when it is not a terminal'))
    .option('-m, --map <cmd>', 'a map phase (repeatable, in order)', (v: string, all: string[]) => [...all, v], [])
    .option('-r, --reduce <cmd>', 'a reduce phase after the map phases')
    .option('--count <n>', 'reducers of the reduce phase (1 to 1024)')
    .option('-f, --file <job.json>', 'the job as a JSON file')
    .option('--name <name>', 'the job\'s name')
    .option('-w, --watch', 'wait for the job to end, with each phase\'s progress on stderr')
    .option('-o, --output', 'wait for the job to end and print its outputs')
    .action(action(io, 'job create', async (args: string[], o: CreateOpts) => {
      const cloud = client(io, o);
      const id = await cloud.createJob(await jobOf(args, o));
      if (!o.output) line(io.stdout, o.json ? JSON.stringify({ id }) : id);
      if (!(io.stdin as { isTTY?: boolean }).isTTY) {
        await cloud.addInputs(id, stdinLines(io));
        await cloud.endInputs(id);
      }
      if (!o.watch && !o.output) return;
      const s = await waitFor(cloud, io, id, o.watch === true && o.json !== true);
      if (o.json && o.watch) line(io.stdout, JSON.stringify(s));
      if (o.output) await printOutputs(cloud, io, id);
      if (s.errors > 0) io.stderr.write(`cumulus job: ${s.errors} tasks failed; see \`cumulus job errors ${id}\`\n`);
    }));
}

function registerQueries(job: Command, io: Io): void {
  withConn(job.command('list').description('your jobs, with their state'))
    .option('-s, --state <state>', 'only jobs in this state: running, done or cancelled')
    .action(action(io, 'job list', async (o: ConnOpts & { state?: string }) => {
      if (o.state !== undefined && !['running', 'done', 'cancelled'].includes(o.state)) throw new UsageError('--state takes running, done or cancelled');
      for (const s of await client(io, o).list(o.state === undefined ? {} : { state: o.state as JobStatus['state'] })) {
        line(io.stdout, o.json ? JSON.stringify(s) : `${s.id} ${s.state.padEnd(9)} ${s.name ?? ''}`.trimEnd());
      }
    }));
  withConn(job.command('status <id>').description('a job\'s state and the counts of each phase'))
    .action(action(io, 'job status', async (id: string, o: ConnOpts) => {
      const s = await client(io, o).status(id);
      if (o.json) return line(io.stdout, JSON.stringify(s));
      line(io.stdout, `${s.id} ${s.state}${s.name ? ` (${s.name})` : ''}: ${s.inputs} inputs${s.inputDone ? '' : ' (more may come)'}, ${s.outputs} outputs, ${s.errors} errors, ${s.retries} retries`);
      s.phases.forEach((p, i) => line(io.stdout, `  phase ${i} ${p.type}: ${p.tasks} tasks, ${p.done} done, ${p.running} running, ${p.pending} pending, ${p.errors} errors`));
    }));
  withConn(job.command('watch <id>').description('wait for a job to end, showing its progress'))
    .action(action(io, 'job watch', async (id: string, o: ConnOpts) => {
      const s = await waitFor(client(io, o), io, id, o.json !== true);
      line(io.stdout, o.json ? JSON.stringify(s) : `${s.id} ${s.state}`);
    }));
  for (const [name, what] of [['outputs', 'the paths of its outputs'], ['inputs', 'its input paths'], ['failures', 'the inputs whose tasks failed']] as const) {
    withConn(job.command(`${name} <id>`).description(`a job's ${what}, one a line`))
      .action(action(io, `job ${name}`, async (id: string, o: ConnOpts) => {
        const cloud = client(io, o);
        const items = name === 'outputs' ? await cloud.outputs(id) : name === 'inputs' ? await cloud.inputs(id) : await cloud.failures(id);
        for (const p of items) line(io.stdout, o.json ? JSON.stringify({ path: p }) : p);
      }));
  }
  withConn(job.command('errors <id>').description('a job\'s errors: phase, code, message, input and stderr of each failed task'))
    .action(action(io, 'job errors', async (id: string, o: ConnOpts) => {
      for (const e of await client(io, o).errors(id)) {
        line(io.stdout, o.json ? JSON.stringify(e) : `phase ${e.phase} ${e.code}: ${e.message}${e.input ? ` (input ${e.input})` : ''}${e.stderr ? `\n  ${e.stderr.trimEnd().replace(/\n/g, '\n  ')}` : ''}`);
      }
    }));
}

function registerControl(job: Command, io: Io): void {
  withConn(job.command('addinputs <id>').description('add input paths, one a line, from stdin'))
    .action(action(io, 'job addinputs', async (id: string, o: ConnOpts) => {
      const n = await client(io, o).addInputs(id, stdinLines(io));
      if (o.json) line(io.stdout, JSON.stringify({ id, inputs: n }));
    }));
  withConn(job.command('endinputs <id>').description('say no more inputs will come'))
    .action(action(io, 'job endinputs', async (id: string, o: ConnOpts) => {
      await client(io, o).endInputs(id);
    }));
  withConn(job.command('cancel <id>').description('stop every task of a job'))
    .action(action(io, 'job cancel', async (id: string, o: ConnOpts) => {
      await client(io, o).cancel(id);
    }));
}

export function registerJob(program: Command, io: Io): void {
  const job = program.command('job').alias('bcjob').description('compute over your files: map and reduce phases of builtin pipelines (bcjob is the same)');
  registerCreate(job, io);
  registerQueries(job, io);
  registerControl(job, io);
}
