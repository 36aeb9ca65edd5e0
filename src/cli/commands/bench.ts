// `cumulus bench <name>`: benchmarks are commands that print figures, the last line one JSON
// object with --json. Each bench declares its options next to its code (name, type, default, unit,
// range); the `--flag value` pairs after its name are parsed against them here, once, and anything
// unknown or malformed is refused with a message naming the option. `cumulus bench --help` lists
// every bench's options.
import type { Command } from 'commander';
import { parseOptions, type OptionSpecs, type Runnable } from '../../core/options.js';
import { API_BENCH_OPTIONS, runApiBench } from '../../bench/api.js';
import { BUILTINS_BENCH_OPTIONS, runBuiltinsBench } from '../../bench/builtins.js';
import { WORDCOUNT_BENCH_OPTIONS, runWordcountBench } from '../../bench/wordcount.js';
import { JOBS_BENCH_OPTIONS, runJobsBench } from '../../bench/jobs.js';
import { TASKS_BENCH_OPTIONS, runTasksBench } from '../../bench/tasks.js';
import { CHURN_BENCH_OPTIONS, runChurnBench } from '../../bench/churn.js';
import { COORD_BENCH_OPTIONS, runCoordBench } from '../../bench/coord.js';
import { DROPIN_BENCH_OPTIONS, runDropinBench } from '../../bench/dropin.js';
import { LINK_BENCH_OPTIONS, runLinkBench } from '../../bench/link.js';
import { RING_BENCH_OPTIONS, runRingBench } from '../../bench/ring.js';
import { RESTART_BENCH_OPTIONS, runRestartBench } from '../../bench/restart.js';
import { IDENTITIES_BENCH_OPTIONS, runIdentitiesBench } from '../../bench/identities.js';
import { NETLAB_BENCH_OPTIONS, runNetlabBench } from '../../bench/netlab/bench.js';
import { STORAGE_BENCH_OPTIONS, runStorageBench } from '../../bench/storage.js';
import { S3_BENCH_OPTIONS, runS3Bench } from '../../bench/s3.js';
import { PAGE_BENCH_OPTIONS, runPageBench } from '../../bench/page.js';
import { lookup, registerRunnables, runnableFlags, runnableHelp } from '../runnables.js';

type Figures = Record<string, unknown>;
type Bench = Runnable<OptionSpecs, Figures>;

/** A bench with its spec's types checked against its run function. */
function bench<S extends OptionSpecs>(b: Runnable<S, Figures>): Bench {
  return b as unknown as Bench;
}

export const BENCHES: Record<string, Bench> = {
  ring: bench({
    description: 'a server and --peers volunteer processes (and --browsers Chromium tabs) form a ring; lookups with the server up and down',
    options: RING_BENCH_OPTIONS,
    run: (o) => runRingBench(o),
  }),
  restart: bench({
    description: 'a server, --peers volunteers and --browsers tabs store --files files; the server goes away for --downtime s (SIGINT, SIGKILL, then cumulus up in its place) and comes back: time to one ring and every file readable',
    options: RESTART_BENCH_OPTIONS,
    run: (o) => runRestartBench(o),
  }),
  identities: bench({
    description: 'a server and --peers volunteers; --fakes made-up identities (valid hellos from fresh keys, left idle) connect: join time with and without them, contacts named, idle identities closed',
    options: IDENTITIES_BENCH_OPTIONS,
    run: (o) => runIdentitiesBench(o),
  }),
  api: bench({
    description: 'a local cloud (server and --peers volunteers) takes a --mb MB file by PUT; GET through the gateway against the storage client\'s own read, alternated --rounds times in one run',
    options: API_BENCH_OPTIONS,
    run: (o) => runApiBench(o),
  }),
  s3: bench({
    description: 'a local cloud (server and --peers volunteers) takes a --mb MB object by an S3 PUT; GET through the S3 door (presigned) against the REST gateway, alternated --rounds times in one run',
    options: S3_BENCH_OPTIONS,
    run: (o) => runS3Bench(o),
  }),
  storage: bench({
    description: 'a server and --peers volunteer processes store a --mb MiB file through one volunteer, read it through another, and again after two holders are killed',
    options: STORAGE_BENCH_OPTIONS,
    run: (o) => runStorageBench(o),
  }),
  churn: bench({
    description: 'a server, --peers volunteer processes and --tabs Chromium tabs hold --files files while members leave without a word (tabs closed, volunteers SIGKILLed, new identities replacing them) for --minutes; reads throughout, then lost files and chunks',
    options: CHURN_BENCH_OPTIONS,
    run: (o) => runChurnBench(o),
  }),
  coord: bench({
    description: 'a server and --peers Node peers (hosted by --processes processes) on one ring: grant latency one at a time, and grants per second of one owner under load',
    options: COORD_BENCH_OPTIONS,
    run: (o) => runCoordBench(o),
  }),
  dropin: bench({
    description: 'the PHP test application behind the coordination drop-in: --clients Chromium visitors save --posts edits each; edits lost, POSTs in flight, click to sent, idle share, join time; then forms with the Cumulus server frozen',
    options: DROPIN_BENCH_OPTIONS,
    run: (o) => runDropinBench(o),
  }),
  builtins: bench({
    description: 'the word count of issue 21 over --mb MiB of English text through the jobs\' builtin executor in one process, against GNU coreutils and gawk --posix in the same run',
    options: BUILTINS_BENCH_OPTIONS,
    run: (o) => runBuiltinsBench(o),
  }),
  wordcount: bench({
    description: 'the word count of issue 21 as a job on a local cloud (--peers volunteers and the server\'s peer): job time against the same builtins in one process and GNU tools, map locality, correctness',
    options: WORDCOUNT_BENCH_OPTIONS,
    run: (o) => runWordcountBench(o),
  }),
  jobs: bench({
    description: 'tiny map tasks (cat over one-line objects) through one jKeeper on a local cloud of --peers volunteers and the server\'s peer: tasks per second, whole tasks',
    options: JOBS_BENCH_OPTIONS,
    run: (o) => runJobsBench(o),
  }),
  tasks: bench({
    description: 'the per-task overhead of the --exec js|wasm sandbox executor in this process with a tiny module and its input in memory: warm and cold p50, module cache hits',
    options: TASKS_BENCH_OPTIONS,
    run: (o) => runTasksBench(o),
  }),
  netlab: bench({
    description: 'the network lab (root): a server and coturn on a public network, --per-home volunteers behind each of three NATs (full-cone-like, port-restricted, symmetric) and a tab; links by kind, a file across homes, lookups with the server up and down',
    options: NETLAB_BENCH_OPTIONS,
    run: (o) => runNetlabBench(o),
  }),
  page: bench({
    description: 'the volunteer page in Chromium: a tab loads it, joins a local cloud of --peers Node volunteers in one click and sits idle --idle-s s: idle CPU of its renderer (% of a core), JS heap, load time, gzipped script size',
    options: PAGE_BENCH_OPTIONS,
    run: (o) => runPageBench(o),
  }),
  link: bench({
    description: 'one-way throughput of a Cumulus WebRTC link vs a raw node-datachannel channel (two processes)',
    options: LINK_BENCH_OPTIONS,
    run: async (o) => ({ ...(await runLinkBench({ totalBytes: o.mib * 1024 * 1024 })) }),
  }),
};

const BENCH_SET = {
  command: 'bench',
  noun: 'bench',
  nouns: 'Benches',
  names: () => Object.keys(BENCHES),
  get: (name: string): Bench | undefined => BENCHES[name],
};

/** The options of one bench, or of all of them, as help text. */
export function benchHelp(name?: string): string {
  return runnableHelp(BENCH_SET, name);
}

/** A bench's typed options from the arguments after its name; unknown options and bad values throw. */
export function benchOptions(name: string, args: string[]): Record<string, unknown> {
  const b = lookup(BENCH_SET, name);
  return parseOptions(b.options, runnableFlags(b.options, args), `bench ${name}`);
}

export function registerBench(program: Command): void {
  registerRunnables(program, BENCH_SET, `run a benchmark: ${Object.keys(BENCHES).join(', ')}`, async (name, args, json) => {
    const result = await lookup(BENCH_SET, name).run(benchOptions(name, args) as never);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(16)} ${String(v)}\n`);
  });
}
