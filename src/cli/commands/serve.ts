// `cumulus serve [--port P] [--host H] [--ice-server URL]…`: run a rendezvous server (signaling, the
// volunteer page at /, the REST gateway) and the server's own peer on the ring. The STUN/TURN
// servers given are handed to every joining peer, TURN ones with per-peer expiring credentials
// made from the TURN secret (src/server/ice.ts). Started by another process with an IPC channel
// (the network lab), it answers the same control requests as a volunteer, for its own peer.
import type { Command } from 'commander';
import { startCloudServer } from '../../server/cloud.js';
import type { ServerPeerStart } from '../../server/own-peer.js';
import { DEFAULT_HOST, S3_PREFIX } from '../../server/app.js';
import { LOG_LEVELS, type LogLevel } from '../../server/logging.js';
import { loadTurnSecret } from '../../server/ice.js';
import { DEFAULT_DATA_DIR, DEFAULT_PORT } from '../defaults.js';
import { parseIceInterfaces, shutdownNodeRtc } from '../../runtime/node-rtc.js';
import { handleControl } from '../../host/control.js';

/** Longest a stopping server waits for its close before it exits anyway. */
const STOP_DEADLINE_MS = 10_000;

interface ServeOptions {
  port: string; host: string; data: string; peer: boolean;
  iceServer: string[]; turnSecretFile?: string; turnTtl?: string; iceInterfaces: string; s3Port?: string; logLevel: string;
}

const collect = (v: string, all: string[]) => [...all, v];

/** How the server's peer found its ring, in one line. */
export function describeStart(s: ServerPeerStart): string {
  if (s.outcome === 'joined') return `its peer joined the ring it knew through ${s.via} after ${s.waitedMs} ms`;
  return `its peer created a new ring: ${s.reason}${s.waitedMs > 0 ? ` (waited ${s.waitedMs} ms)` : ''}`;
}

/** A --log-level value, refused with the list of levels when it is none of them. */
export function logLevelOf(text: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(text)) throw new Error(`--log-level takes one of ${LOG_LEVELS.join(', ')}, not ${text}`);
  return text as LogLevel;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a rendezvous server: volunteer page, signaling for first contacts, REST gateway')
    .option('--port <port>', 'TCP port to listen on', String(DEFAULT_PORT))
    .option('--host <host>', 'address to bind (0.0.0.0 for every interface)', DEFAULT_HOST)
    .option('--data <dir>', 'directory for users, files and the server peer\'s identity', DEFAULT_DATA_DIR)
    .option('--no-peer', 'do not run a peer of the server\'s own')
    .option('--ice-server <url>', 'a STUN or TURN server handed to joining peers (stun:HOST[:PORT], turn:HOST[:PORT]); repeatable', collect, [])
    .option('--turn-secret-file <file>', 'file holding the TURN server\'s static-auth-secret (or set CUMULUS_TURN_SECRET); peers get credentials made from it, never the secret')
    .option('--turn-ttl <seconds>', 'how long an issued TURN credential works (60 to 86400; default 3600)')
    .option('--log-level <level>', `structured logs on stderr: ${LOG_LEVELS.join(', ')}`, 'info')
    .option('--s3-port <port>', 'also answer the S3 API at the root of this port (it always answers at /s3 on --port)')
    .option('--ice-interfaces <where>', 'where the server\'s peer gathers ICE candidates: all, loopback, or IPv4 addresses separated by commas', 'all')
    .action(async (opts: ServeOptions) => {
      const turnSecret = loadTurnSecret(opts.turnSecretFile);
      const cloud = await startCloudServer({
        port: Number(opts.port), host: opts.host, dataDir: opts.data, peer: opts.peer,
        ...(opts.s3Port !== undefined ? { s3Port: Number(opts.s3Port) } : {}),
        logLevel: logLevelOf(opts.logLevel),
        iceInterfaces: parseIceInterfaces(opts.iceInterfaces),
        ice: { urls: opts.iceServer, ...(turnSecret ? { turnSecret } : {}), ...(opts.turnTtl ? { turnTtlS: Number(opts.turnTtl) } : {}) },
      });
      const url = cloud.server.url;
      let closing: Promise<void> | null = null;
      const close = () => (closing ??= cloud.close().then(() => shutdownNodeRtc()));
      // A close that hangs (a client holding its socket open) must not keep an orphaned server alive.
      const stop = () => {
        setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref();
        void close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stdout.write(`cumulus server on ${url} (signaling at ${url.replace(/^http/, 'ws')}/signal)${cloud.peer ? `, own peer ${cloud.peer.id}` : ''}\n`);
      process.stdout.write(`S3 endpoint (path-style, Signature V4): ${url}${S3_PREFIX}${cloud.s3Url ? ` and ${cloud.s3Url}` : ''}\n`);
      if (cloud.peer) process.stdout.write(`${describeStart(cloud.peer.start)}\n`);
      if (process.send) {
        const peer = cloud.peer;
        process.send({ ready: true, id: peer?.id ?? '', url, s3Url: cloud.s3Url ?? `${url}${S3_PREFIX}` });
        process.on('message', (m) => {
          if (peer) void handleControl(peer, m, close).then((reply) => process.send?.(reply));
        });
        process.once('disconnect', stop);
      }
    });
}
