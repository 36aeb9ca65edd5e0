// `cumulus bench <name>`: benchmarks are commands that print figures, the last line one JSON
// object with --json. Each bench registers a runner here; add ring, storage, api, coord the same way.
import type { Command } from 'commander';
import { runCoordBench } from '../../bench/coord.js';
import { runDropinBench } from '../../bench/dropin.js';
import { runLinkBench } from '../../bench/link.js';
import { runRingBench } from '../../bench/ring.js';
import { runApiBench } from '../../bench/api.js';
import { runStorageBench } from '../../bench/storage.js';

export interface BenchRunner {
  description: string;
  run(opts: Record<string, string | boolean | undefined>): Promise<Record<string, unknown>>;
}

const int = (v: string | boolean | undefined, dflt: number) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : dflt);

export const BENCHES: Record<string, BenchRunner> = {
  ring: {
    description: 'a server and --peers volunteer processes (and --browsers Chromium tabs) form a ring; lookups with the server up and down',
    run: async (opts) => runRingBench({ peers: int(opts.peers, 16), browsers: int(opts.browsers, 0), lookups: int(opts.lookups, 1000) }),
  },
  api: {
    description: 'a local cloud (server and --peers volunteers) takes a --mb MB file by PUT; GET through the gateway against the storage client\'s own read, alternated --rounds times in one run',
    run: async (opts) => runApiBench({
      peers: int(opts.peers, 3), mb: int(opts.mb, 64), rounds: Math.max(1, int(opts.rounds, 5)),
      ...(opts.durability !== undefined ? { durability: int(opts.durability, 3) } : {}), forkClient: opts.forkClient === true,
    }),
  },
  storage: {
    description: 'a server and --peers volunteer processes store a --mb MiB file through one volunteer, read it through another, and again after two holders are killed',
    run: async (opts) => runStorageBench({ peers: int(opts.peers, 4), mb: int(opts.mb, 64) }),
  },
  coord: {
    description: 'a server and --peers Node peers (hosted by --processes processes) on one ring: grant latency one at a time, and grants per second of one owner under load',
    run: async (opts) => runCoordBench({
      peers: int(opts.peers, 32), processes: int(opts.processes, 4), seconds: int(opts.seconds, 10),
      resources: int(opts.resources, 8), capacity: int(opts.capacity, 64), loops: int(opts.loops, 8), samples: int(opts.samples, 500),
      sharedOwner: opts.sharedOwner === true,
    }),
  },
  dropin: {
    description: 'a slow web application behind the coordination drop-in and without it: its CPU time, and --clients Chromium pages\' load and POST latency',
    run: async (opts) => runDropinBench({ clients: int(opts.clients, 16), postsPerClient: int(opts.posts, 4), capacity: int(opts.capacity, 2), delayMs: int(opts.delayMs, 50) }),
  },
  link: {
    description: 'one-way throughput of a Cumulus WebRTC link vs a raw node-datachannel channel (two processes)',
    run: async (opts) => {
      const mib = opts.mib === undefined ? undefined : Number(opts.mib);
      return { ...(await runLinkBench(mib ? { totalBytes: mib * 1024 * 1024 } : {})) };
    },
  },
};

export function registerBench(program: Command): void {
  program
    .command('bench <name>')
    .description(`run a benchmark: ${Object.keys(BENCHES).join(', ')}`)
    .option('--json', 'print one JSON object as the last line')
    .option('--mib <n>', 'link: MiB sent one way over each channel (default 128)')
    .option('--peers <n>', 'ring, storage, api: volunteer processes (default 16 for ring, 4 for storage, 3 for api); coord: peers besides the server\'s (default 32)')
    .option('--processes <n>', 'coord: processes hosting the peers (default 4)')
    .option('--seconds <n>', 'coord: length of the throughput run (default 10)')
    .option('--resources <n>', 'coord: resources on the one owner (default 8)')
    .option('--shared-owner', 'coord: the owner is a peer hosted with others, not the server\'s own peer')
    .option('--capacity <n>', 'coord: capacity of each resource (default 64); dropin: POSTs at once per form (default 2)')
    .option('--clients <n>', 'dropin: Chromium pages (default 16)')
    .option('--posts <n>', 'dropin: POSTs per page (default 4)')
    .option('--delay-ms <n>', 'dropin: how long the application takes per POST (default 50)')
    .option('--loops <n>', 'coord: acquire/release loops per peer in the throughput run (default 8)')
    .option('--samples <n>', 'coord: acquires one at a time for the idle latency (default 500)')
    .option('--mb <n>', 'storage: MiB in the file stored and read (default 64); api: MB (default 64)')
    .option('--rounds <n>', 'api: timed reads of each kind, gateway and storage alternated (default 5)')
    .option('--durability <n>', 'api: replicas of the object (default 3); with --peers 0 and 1 the server\'s peer holds every chunk')
    .option('--fork-client', 'api: start each curl from the server\'s process (page faults land on the server; for comparison)')
    .option('--browsers <n>', 'ring: Chromium tabs (default 0)')
    .option('--lookups <n>', 'ring: lookups with the server up, and again with it down (default 1000)')
    .action(async (name: string, opts: Record<string, string | boolean | undefined>) => {
      const bench = BENCHES[name];
      if (!bench) throw new Error(`unknown bench ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
      const result = await bench.run(opts);
      if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
      else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(16)} ${String(v)}\n`);
    });
}
