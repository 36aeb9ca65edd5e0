// `cumulus serve [--port P]`: run the rendezvous server (health, peer count, WebSocket signaling)
// and the server's own peer on the ring.
import type { Command } from 'commander';
import { createServer } from '../../server/app.js';
import { startServerPeer } from '../../server/own-peer.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a rendezvous server: signaling for first contacts, health and peer count')
    .option('--port <port>', 'TCP port to listen on', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data <dir>', 'directory for the server peer\'s identity and storage', '.cumulus-server')
    .option('--no-peer', 'do not run a peer of the server\'s own')
    .action(async (opts: { port: string; host: string; data: string; peer: boolean }) => {
      const server = await createServer({ port: Number(opts.port), host: opts.host });
      const peer = opts.peer ? await startServerPeer(server, { dataDir: opts.data }) : null;
      process.stdout.write(`cumulus server on ${server.url} (signaling at ${server.url.replace(/^http/, 'ws')}/signal)${peer ? `, own peer ${peer.id}` : ''}\n`);
      const stop = async () => {
        await peer?.close();
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
