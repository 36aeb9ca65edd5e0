// `cumulus serve [--port P]`: run a rendezvous server (signaling, the volunteer page at /, the REST
// gateway) and the server's own peer on the ring.
import type { Command } from 'commander';
import { startCloudServer } from '../../server/cloud.js';
import type { ServerPeerStart } from '../../server/own-peer.js';
import { DEFAULT_HOST } from '../../server/app.js';
import { DEFAULT_DATA_DIR, DEFAULT_PORT } from '../defaults.js';
import { shutdownNodeRtc } from '../../runtime/node-rtc.js';

/** How the server's peer found its ring, in one line. */
export function describeStart(s: ServerPeerStart): string {
  if (s.outcome === 'joined') return `its peer joined the ring it knew through ${s.via} after ${s.waitedMs} ms`;
  return `its peer created a new ring: ${s.reason}${s.waitedMs > 0 ? ` (waited ${s.waitedMs} ms)` : ''}`;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a rendezvous server: volunteer page, signaling for first contacts, REST gateway')
    .option('--port <port>', 'TCP port to listen on', String(DEFAULT_PORT))
    .option('--host <host>', 'address to bind', DEFAULT_HOST)
    .option('--data <dir>', 'directory for users, files and the server peer\'s identity', DEFAULT_DATA_DIR)
    .option('--no-peer', 'do not run a peer of the server\'s own')
    .action(async (opts: { port: string; host: string; data: string; peer: boolean }) => {
      const cloud = await startCloudServer({ port: Number(opts.port), host: opts.host, dataDir: opts.data, peer: opts.peer });
      const url = cloud.server.url;
      process.stdout.write(`cumulus server on ${url} (signaling at ${url.replace(/^http/, 'ws')}/signal)${cloud.peer ? `, own peer ${cloud.peer.id}` : ''}\n`);
      if (cloud.peer) process.stdout.write(`${describeStart(cloud.peer.start)}\n`);
      const stop = async () => {
        await cloud.close();
        shutdownNodeRtc();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
