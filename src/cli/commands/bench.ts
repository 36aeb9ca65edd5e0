// `cumulus bench <name>`: benchmarks are commands that print figures, the last line one JSON
// object with --json. Each bench registers a runner here; add ring, storage, api, coord the same way.
import type { Command } from 'commander';
import { runLinkBench } from '../../runtime/bench/link.js';

export interface BenchRunner {
  description: string;
  run(opts: Record<string, string | boolean | undefined>): Promise<Record<string, unknown>>;
}

export const BENCHES: Record<string, BenchRunner> = {
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
    .action(async (name: string, opts: Record<string, string | boolean | undefined>) => {
      const bench = BENCHES[name];
      if (!bench) throw new Error(`unknown bench ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
      const result = await bench.run(opts);
      if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
      else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(16)} ${String(v)}\n`);
    });
}
