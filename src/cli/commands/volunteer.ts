// `cumulus volunteer --server URL [--data DIR] [limits]`: lend this machine to the cloud as a Node
// peer. Its identity (hence its id) is kept in the data directory; it joins through the server,
// then signals through the overlay, and keeps working when the server is down. Its limits (storage
// quota, workers, CPU share, paused) are applied through host/lending.ts as a tab's are; SIGUSR1
// pauses lending and SIGUSR2 resumes it. Started by another process with an IPC channel (a bench,
// `cumulus up`), it also answers control requests (host/control.ts).
import type { Command } from 'commander';
import { NODE_SANDBOXES, startNodePeer } from '../../host/node-peer.js';
import { Lending, type LendingLimits } from '../../host/lending.js';
import { SandboxPool } from '../../services/jobs/sandbox/pool.js';
import { nodeSandboxes } from '../../runtime/sandbox/node-sandbox.js';
import { fullStatus, handleControl } from '../../host/control.js';
import { parseIceInterfaces, shutdownNodeRtc } from '../../runtime/node-rtc.js';
import { parseOption } from '../../core/options.js';
import { DEFAULT_URL, VOLUNTEER_CPU_DUTY_PCT, VOLUNTEER_QUOTA_MIB, VOLUNTEER_WORKERS } from '../defaults.js';

interface VolunteerOpts {
  server: string;
  data: string;
  json?: boolean;
  quotaMb: string;
  workers: string;
  cpuDuty: string;
  paused?: boolean;
  iceInterfaces: string;
}

function limitsOf(opts: VolunteerOpts): LendingLimits {
  return {
    quotaBytes: Math.floor(parseOption(VOLUNTEER_QUOTA_MIB, opts.quotaMb, '--quota-mb') * 1024 * 1024),
    workers: Number(parseOption(VOLUNTEER_WORKERS, opts.workers, '--workers')),
    dutyPct: parseOption(VOLUNTEER_CPU_DUTY_PCT, opts.cpuDuty, '--cpu-duty'),
    onlyWhenHidden: false, onlyWhenCharging: false, paused: opts.paused === true,
  };
}

export function registerVolunteer(program: Command): void {
  program
    .command('volunteer')
    .description('join the cloud as a volunteer peer (lends CPU and storage within your limits)')
    .option('--server <url>', 'rendezvous server to join through', process.env.CUMULUS_URL ?? DEFAULT_URL)
    .option('--data <dir>', 'directory for this peer\'s identity and what it stores', '.cumulus-volunteer')
    .option('--json', 'print the ready line as JSON')
    .option('--quota-mb <MiB>', `${VOLUNTEER_QUOTA_MIB.description}, in MiB`, String(VOLUNTEER_QUOTA_MIB.default))
    .option('--workers <n>', `${VOLUNTEER_WORKERS.description} (default: every core but one)`, String(NODE_SANDBOXES))
    .option('--cpu-duty <pct>', `${VOLUNTEER_CPU_DUTY_PCT.description}, 10-100`, String(VOLUNTEER_CPU_DUTY_PCT.default))
    .option('--paused', 'start paused (lend nothing until SIGUSR2)')
    .option('--ice-interfaces <where>', 'where to gather ICE candidates: all, loopback (this machine only, no STUN/TURN), or IPv4 addresses separated by commas', 'all')
    .action(async (opts: VolunteerOpts) => {
      const limits = limitsOf(opts);
      const iceInterfaces = parseIceInterfaces(opts.iceInterfaces);
      const sandboxes = new SandboxPool(nodeSandboxes, limits.workers);
      const running = await startNodePeer({ serverUrl: opts.server, dataDir: opts.data, iceInterfaces, sandboxes, storage: { quotaBytes: limits.quotaBytes } });
      const lending = new Lending(running, sandboxes, limits);
      await lending.apply(limits);
      let closing: Promise<void> | null = null;
      const close = () => (closing ??= (lending.close(), running.close().then(() => shutdownNodeRtc())));
      const s = running.peer.status();
      const limitsNow = () => ({ ...lending.current, workers: sandboxes.size, why: lending.figures().why });
      process.stdout.write(opts.json
        ? `${JSON.stringify({ ready: true, ...fullStatus(running), lending: limitsNow() })}\n`
        : `volunteer ${s.id} joined through ${opts.server}; successor ${s.successor ?? '-'}; ${describe(limits)}\n`);
      // Pause and resume by signal, as a service manager or a shell can send them (kill -USR1 PID).
      const setPaused = (paused: boolean) => void lending.apply({ ...lending.current, paused }).then(() => {
        process.stdout.write(opts.json ? `${JSON.stringify({ lending: limitsNow() })}\n` : `${paused ? 'paused: lending nothing until SIGUSR2' : 'resumed'}\n`);
      });
      process.on('SIGUSR1', () => setPaused(true));
      process.on('SIGUSR2', () => setPaused(false));
      const stop = () => void close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (process.send) {
        process.send({ ready: true, id: s.id });
        process.on('message', (m) => void handleControl(running, m, close).then((reply) => process.send?.(reply)));
        // The parent is gone: leave rather than linger as an orphan.
        process.once('disconnect', stop);
      }
    });
}

function describe(l: LendingLimits): string {
  const what = `lending up to ${Math.round(l.quotaBytes / (1024 * 1024))} MiB and ${l.workers} worker${l.workers === 1 ? '' : 's'}, tasks ${l.dutyPct}% of the time`;
  return `${l.paused ? 'paused (SIGUSR2 resumes); ' : ''}${what} (SIGUSR1 pauses, SIGUSR2 resumes)`;
}
