// `cumulus volunteer --server URL [--data DIR]`: lend this machine to the cloud as a Node peer. Its
// identity (hence its id) is kept in the data directory; it joins through the server, then signals
// through the overlay, and keeps working when the server is down. Started by another process with
// an IPC channel (a bench, `cumulus up`), it also answers control requests (host/control.ts).
import type { Command } from 'commander';
import { startNodePeer } from '../../host/node-peer.js';
import { fullStatus, handleControl } from '../../host/control.js';
import { parseIceInterfaces, shutdownNodeRtc } from '../../runtime/node-rtc.js';
import { parseOption } from '../../core/options.js';
import { DEFAULT_URL, VOLUNTEER_QUOTA_MIB } from '../defaults.js';


export function registerVolunteer(program: Command): void {
  program
    .command('volunteer')
    .description('join the cloud as a volunteer peer (lends CPU and storage within your limits)')
    .option('--server <url>', 'rendezvous server to join through', process.env.CUMULUS_URL ?? DEFAULT_URL)
    .option('--data <dir>', 'directory for this peer\'s identity and what it stores', '.cumulus-volunteer')
    .option('--json', 'print the ready line as JSON')
    .option('--quota-mb <MiB>', `${VOLUNTEER_QUOTA_MIB.description}, in MiB`, String(VOLUNTEER_QUOTA_MIB.default))
    .option('--ice-interfaces <where>', 'where to gather ICE candidates: all, loopback (this machine only, no STUN/TURN), or IPv4 addresses separated by commas', 'all')
    .action(async (opts: { server: string; data: string; json?: boolean; quotaMb: string; iceInterfaces: string }) => {
      const quotaMb = parseOption(VOLUNTEER_QUOTA_MIB, opts.quotaMb, '--quota-mb');
      const iceInterfaces = parseIceInterfaces(opts.iceInterfaces);
      const running = await startNodePeer({ serverUrl: opts.server, dataDir: opts.data, iceInterfaces, storage: { quotaBytes: Math.floor(quotaMb * 1024 * 1024) } });
      let closing: Promise<void> | null = null;
      const close = () => (closing ??= running.close().then(() => shutdownNodeRtc()));
      const s = running.peer.status();
      process.stdout.write(opts.json
        ? `${JSON.stringify({ ready: true, ...fullStatus(running) })}\n`
        : `volunteer ${s.id} joined through ${opts.server}; successor ${s.successor ?? '-'}\n`);
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
