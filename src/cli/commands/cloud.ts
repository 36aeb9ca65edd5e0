// `cumulus stats` (the cloud's live estimates, learned by gossip) and `cumulus slice …` (named
// groups of peers with a ring of their own), over the gateway's /stats and /:user/slices routes.
import type { Command } from 'commander';
import type { CloudAttributes, CloudStats, Slice, SliceSummary } from '../../sdk/index.js';
import { UsageError } from '../exit-codes.js';
import type { Io } from '../io.js';
import { action, client, line, withConn, type ConnOpts } from './files.js';

const ATTRIBUTES = ['cores', 'storageOfferedBytes', 'storageUsedBytes', 'tasksRunning', 'uptimeS'] as const;

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function statsText(s: CloudStats): string[] {
  return [
    `peers            ${s.peers}`,
    `cores            ${Math.round(s.sum.cores)} (mean ${s.mean.cores.toFixed(1)}, max ${s.max.cores})`,
    `storage offered  ${gib(s.sum.storageOfferedBytes)} (mean ${gib(s.mean.storageOfferedBytes)}, max ${gib(s.max.storageOfferedBytes)})`,
    `storage used     ${gib(s.sum.storageUsedBytes)}`,
    `tasks running    ${Math.round(s.sum.tasksRunning)}`,
    `deciles by ${s.sliceBy}: ${s.deciles.map((d) => Math.round(d)).join(' ')}`,
    `(gossip epoch ${s.epoch}, as seen by peer ${s.via.peer.slice(0, 12)}, in decile ${s.via.decile})`,
  ];
}

/** A positive integer option, or a usage error naming it. */
function count(what: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${what} takes a positive integer`);
  return n;
}

/** The slice and its ring: each member with the successor it reported (members build the ring among themselves). */
function sliceText(s: Slice): string[] {
  const n = s.members.length;
  const closed = n > 0 && s.members.every((m, i) => s.ring[i] === s.members[(i + 1) % n]);
  return [
    `${s.name}: ${n}/${s.size} peers${s.top < 1 ? `, top ${s.top} by ${s.by}` : ''}, ${s.repairs} repairs, ring ${closed ? 'closed' : 'forming'}`,
    ...s.members.map((m, i) => `  ${m} -> ${s.ring[i] ?? '?'}`),
  ];
}

function summaryText(s: SliceSummary): string {
  return `${s.name.padEnd(20)} ${s.members}/${s.size}${s.top < 1 ? `  top ${s.top} by ${s.by}` : ''}`;
}

export function registerCloud(program: Command, io: Io): void {
  withConn(program.command('stats').description('the cloud\'s live estimates: peers, cores, storage offered and used, deciles (learned by gossip)'))
    .action(action(io, 'stats', async (o: ConnOpts) => {
      const s = await client(io, o).stats();
      for (const l of o.json ? [JSON.stringify(s)] : statsText(s)) line(io.stdout, l);
    }));
  const slice = program.command('slice').description('slices: named groups of peers with a ring of their own, kept full under churn');
  withConn(slice.command('create <name>').description('allocate a slice of free peers'))
    .requiredOption('--size <k>', 'peers in the slice')
    .option('--top <fraction>', 'only peers in this top fraction, e.g. 0.2')
    .option('--by <attribute>', `the attribute of --top: ${ATTRIBUTES.join(', ')}`)
    .action(action(io, 'slice create', async (name: string, o: ConnOpts & { size: string; top?: string; by?: string }) => {
      const top = o.top === undefined ? undefined : Number(o.top);
      if (top !== undefined && !(top > 0 && top <= 1)) throw new UsageError('--top takes a fraction in (0, 1]');
      if (o.by !== undefined && !(ATTRIBUTES as readonly string[]).includes(o.by)) throw new UsageError(`--by takes one of ${ATTRIBUTES.join(', ')}`);
      const s = await client(io, o).createSlice(name, { size: count('--size', o.size), ...(top !== undefined && { top }), ...(o.by !== undefined && { by: o.by as keyof CloudAttributes }) });
      for (const l of o.json ? [JSON.stringify(s)] : sliceText(s)) line(io.stdout, l);
    }));
  for (const [op, sign] of [['grow', 1], ['shrink', -1]] as const) {
    withConn(slice.command(`${op} <name> <n>`).description(`${op === 'grow' ? 'add' : 'release'} n peers`))
      .action(action(io, `slice ${op}`, async (name: string, n: string, o: ConnOpts) => {
        const s = await client(io, o).resizeSlice(name, sign * count('n', n));
        for (const l of o.json ? [JSON.stringify(s)] : sliceText(s)) line(io.stdout, l);
      }));
  }
  withConn(slice.command('rm <name>').description('release every member of a slice'))
    .action(action(io, 'slice rm', async (name: string, o: ConnOpts) => {
      await client(io, o).removeSlice(name);
    }));
  withConn(slice.command('ls').description('your slices'))
    .action(action(io, 'slice ls', async (o: ConnOpts) => {
      for (const s of await client(io, o).slices()) line(io.stdout, o.json ? JSON.stringify(s) : summaryText(s));
    }));
  withConn(slice.command('show <name>').description('a slice\'s members and its ring (each member -> the successor it reports)'))
    .action(action(io, 'slice show', async (name: string, o: ConnOpts) => {
      const s = await client(io, o).slice(name);
      for (const l of o.json ? [JSON.stringify(s)] : sliceText(s)) line(io.stdout, l);
    }));
}
