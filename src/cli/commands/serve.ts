// `cumulus serve [--config FILE] [--port P] [--host H] [--ice-server URL]…`: run a rendezvous server
// (signaling, the volunteer page at /, the REST gateway, the S3 door) and the server's own peer on
// the ring, over HTTPS when given a certificate; settings come from flags, CUMULUS_* variables and
// the config file, in that order (serve-config.ts). The STUN/TURN
// servers given are handed to every joining peer, TURN ones with per-peer expiring credentials
// made from the TURN secret (src/server/ice.ts). Started by another process with an IPC channel
// (the network lab), it answers the same control requests as a volunteer, for its own peer.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { SERVE_ENV, loadServeConfig, pick } from '../serve-config.js';
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
  config?: string; peer: boolean; lendStorage?: boolean; iceServer: string[]; turnSecretFile?: string; turnTtl?: string; iceInterfaces: string;
}

function portOf(text: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65_535) throw new Error(`a port is a whole number from 0 to 65535, not ${text.slice(0, 20)}`);
  return n;
}

const collect = (v: string, all: string[]) => [...all, v];

/** How the server's peer found its ring, in one line. */
export function describeStart(s: ServerPeerStart): string {
  if (s.outcome === 'joined') return `its peer joined the ring it knew through ${s.via} after ${s.waitedMs} ms`;
  if (s.outcome === 'attached') return `its peer attached beside the ring through ${s.via} after ${s.waitedMs} ms (it lends no storage)`;
  return `its peer created a new ring: ${s.reason}${s.waitedMs > 0 ? ` (waited ${s.waitedMs} ms)` : ''}`;
}

/** A --log-level value, refused with the list of levels when it is none of them. */
export function logLevelOf(text: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(text)) throw new Error(`--log-level takes one of ${LOG_LEVELS.join(', ')}, not ${text}`);
  return text as LogLevel;
}

export function registerServe(program: Command): void {
  const env = (flags: string, help: string, name: string, dflt?: string) => {
    const o = new Option(flags, `${help} (or ${name})`).env(name);
    return dflt === undefined ? o : o.default(dflt);
  };
  program
    .command('serve')
    .description('run a rendezvous server: volunteer page, signaling for first contacts, REST gateway, S3 door')
    .addOption(env('--config <file>', 'a JSON file of settings (port, host, data, s3Port, logLevel, iceServers, turnSecretFile, turnTtlS, tls, limits); flags and environment variables override it', SERVE_ENV.config))
    .addOption(env('--port <port>', 'TCP port to listen on', SERVE_ENV.port, String(DEFAULT_PORT)))
    .addOption(env('--host <host>', 'address to bind (0.0.0.0 for every interface)', SERVE_ENV.host, DEFAULT_HOST))
    .addOption(env('--data <dir>', 'directory for users, files and the server peer\'s identity', SERVE_ENV.data, DEFAULT_DATA_DIR))
    .option('--no-peer', 'do not run a peer of the server\'s own')
    .option('--lend-storage', 'the server\'s peer stands on the ring and holds chunks and file records like a volunteer (by default it stands beside the ring and holds no data)')
    .addOption(env('--ice-server <url>', 'a STUN or TURN server handed to joining peers (stun:HOST[:PORT], turn:HOST[:PORT]); repeatable; the variable takes several separated by commas', SERVE_ENV.iceServer).argParser(collect).default([]))
    .option('--turn-secret-file <file>', 'file holding the TURN server\'s static-auth-secret (or set CUMULUS_TURN_SECRET); peers get credentials made from it, never the secret')
    .option('--turn-ttl <seconds>', 'how long an issued TURN credential works (60 to 86400; default 3600)')
    .addOption(env('--tls-cert <file>', 'PEM certificate chain: serve HTTPS and WSS (with --tls-key)', SERVE_ENV.tlsCert))
    .addOption(env('--tls-key <file>', 'PEM private key of --tls-cert', SERVE_ENV.tlsKey))
    .addOption(env('--log-level <level>', `structured logs on stderr: ${LOG_LEVELS.join(', ')}`, SERVE_ENV.logLevel, 'info'))
    .addOption(env('--s3-port <port>', 'also answer the S3 API at the root of this port (it always answers at /s3 on --port)', SERVE_ENV.s3Port))
    .option('--ice-interfaces <where>', 'where the server\'s peer gathers ICE candidates: all, loopback, or IPv4 addresses separated by commas', 'all')
    .action(async (opts: ServeOptions, cmd: Command) => {
      const file = opts.config ? loadServeConfig(opts.config) : {};
      const port = (text: string) => portOf(text);
      const iceGiven = ['cli', 'env'].includes(cmd.getOptionValueSource('iceServer') ?? '');
      const iceUrls = (iceGiven ? opts.iceServer : (file.iceServers ?? [])).flatMap((u) => u.split(',')).map((u) => u.trim()).filter((u) => u);
      const turnSecret = loadTurnSecret(opts.turnSecretFile ?? file.turnSecretFile);
      const turnTtlS = opts.turnTtl !== undefined ? Number(opts.turnTtl) : file.turnTtlS;
      const certFile = pick(cmd, 'tlsCert', file.tls?.cert, String);
      const keyFile = pick(cmd, 'tlsKey', file.tls?.key, String);
      if ((certFile === undefined) !== (keyFile === undefined)) throw new Error('HTTPS needs both a certificate (--tls-cert) and its key (--tls-key)');
      const s3Port = pick(cmd, 's3Port', file.s3Port, port);
      const cloud = await startCloudServer({
        port: pick(cmd, 'port', file.port, port) ?? DEFAULT_PORT, host: pick(cmd, 'host', file.host, String) ?? DEFAULT_HOST,
        dataDir: pick(cmd, 'data', file.data, String) ?? DEFAULT_DATA_DIR, peer: opts.peer, peerOptions: { lendStorage: opts.lendStorage === true },
        ...(s3Port !== undefined ? { s3Port } : {}),
        logLevel: pick(cmd, 'logLevel', file.logLevel, logLevelOf) ?? 'info',
        iceInterfaces: parseIceInterfaces(opts.iceInterfaces),
        ice: { urls: iceUrls, ...(turnSecret ? { turnSecret } : {}), ...(turnTtlS !== undefined ? { turnTtlS } : {}) },
        ...(certFile && keyFile ? { tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } : {}),
        ...(file.limits ? { limits: file.limits } : {}),
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
      process.stdout.write(`volunteer page: ${url}/  dashboard: ${url}/dashboard\n`);
      // A peer attached beside the ring (the default) says so once the first volunteer has made a ring.
      const peer = await cloud.peerReady().catch((e: unknown) => {
        process.stderr.write(`the server's peer did not start: ${e instanceof Error ? e.message : String(e)}\n`);
        return null;
      });
      if (peer) process.stdout.write(`${describeStart(peer.start)}\n`);
      if (process.send) {
        process.send({ ready: true, id: peer?.id ?? '', url, s3Url: cloud.s3Url ?? `${url}${S3_PREFIX}` });
        process.on('message', (m) => {
          if (peer) void handleControl(peer, m, close).then((reply) => process.send?.(reply));
        });
        process.once('disconnect', stop);
      }
    });
}
