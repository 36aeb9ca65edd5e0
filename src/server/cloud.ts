// A whole rendezvous server as `cumulus serve` and `cumulus up` run it: signaling, the volunteer
// page, the REST gateway (users and their files in the data directory) and the server's own peer
// on the ring. Files are kept on the ring through the server's peer (or, with no peer, on this disk).
import { join } from 'node:path';
import type { FileSystem } from './api/files.js';
import { LocalFileSystem } from './api/local-fs.js';
import { RingFileSystem } from './api/ring-fs.js';
import { FileUserStore } from './api/users.js';
import { peerCloudDoor } from './api/cloud-routes.js';
import { createServer, type CumulusServer, type TlsFiles } from './app.js';
import { startServerPeer, type ServerPeer, type ServerPeerOptions } from './own-peer.js';
import { IceIssuer, type IceSettings } from './ice.js';
import type { IceInterfaces } from '../runtime/node-rtc.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { FileAccessKeyStore, registerS3, type S3Options } from './s3/index.js';
import type { LogLevel } from './logging.js';

export interface CloudServerOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Run the server's own peer (default true). */
  peer?: boolean;
  /** Options of the server's peer beyond its data directory (server/own-peer.ts). */
  peerOptions?: Omit<ServerPeerOptions, 'dataDir'>;
  /** STUN/TURN servers for joining peers (--ice-server), with the TURN secret. */
  ice?: IceSettings;
  /** Where the server's peer gathers candidates (default loopback). */
  iceInterfaces?: IceInterfaces;
  /** Also answer S3 at the root of this port (it always answers under /s3 on the main port). */
  s3Port?: number;
  /** Structured logs on stderr at this level (default warn). */
  logLevel?: LogLevel;
  /** Serve HTTPS (and WSS) with this PEM certificate chain and key, on both ports. */
  tls?: TlsFiles;
  /**
   * The gateway's limits (both doors): object size, uploads per user, idle upload deadline; and
   * the S3 door's bytes of open multipart uploads per user.
   */
  limits?: { maxObjectBytes?: number; uploadsPerUser?: number; uploadIdleMs?: number; maxStagedBytesPerUser?: number };
}

export interface CloudServer {
  readonly server: CumulusServer;
  /**
   * The server's peer once it stands on the ring (lendStorage) or is attached beside it (the
   * default, which needs a volunteer on a ring first: see peerReady); null before and without one.
   */
  readonly peer: ServerPeer | null;
  /** Resolves with the server's peer once it has joined or attached (null without one); rejects if it could not start. */
  peerReady(): Promise<ServerPeer | null>;
  readonly users: FileUserStore;
  readonly fs: FileSystem;
  /** The S3 door's endpoint on its own port, when one was asked for (http://host:port). */
  readonly s3Url: string | null;
  close(): Promise<void>;
}

export async function startCloudServer(o: CloudServerOptions): Promise<CloudServer> {
  const users = await FileUserStore.open(join(o.dataDir, 'users'));
  let peer: ServerPeer | null = null;
  // With its own peer the gateway stores files on the ring, through that peer's storage client
  // (503 until the peer has joined); without one it can only keep them on this disk.
  const fs: FileSystem = o.peer !== false
    ? new RingFileSystem(() => peer?.peer.storage?.client ?? null)
    : await LocalFileSystem.open(join(o.dataDir, 'files'));
  const ice = o.ice ? new IceIssuer(o.ice) : undefined;
  const jobs = o.peer !== false ? () => peer?.peer.jobs?.client ?? null : undefined;
  const cloud = o.peer !== false ? () => peerCloudDoor(peer?.peer) : undefined;
  const s3: S3Options = {
    fs, keys: await FileAccessKeyStore.open(join(o.dataDir, 'users')),
    ...(o.limits?.maxObjectBytes !== undefined ? { maxObjectBytes: o.limits.maxObjectBytes } : {}),
    ...(o.limits?.uploadIdleMs !== undefined ? { uploadIdleMs: o.limits.uploadIdleMs } : {}),
    ...(o.limits?.maxStagedBytesPerUser !== undefined ? { maxStagedBytesPerUser: o.limits.maxStagedBytesPerUser } : {}),
  };
  const server = await createServer({
    port: o.port, host: o.host, api: { users, fs, ...apiLimits(o.limits), ...(jobs && { jobs }), ...(cloud && { cloud }) }, s3, log: { level: o.logLevel ?? 'warn' },
    ...(ice ? { ice } : {}), ...(o.tls ? { tls: o.tls } : {}),
  });
  let s3App: FastifyInstance | null = null;
  const aborter = new AbortController();
  let starting: Promise<ServerPeer | null> = Promise.resolve(null);
  try {
    if (o.s3Port !== undefined) s3App = await listenS3(s3, o.host, o.s3Port, o.tls);
    if (o.peer !== false) {
      starting = startServerPeer(server, { ...o.peerOptions, dataDir: join(o.dataDir, 'server-peer'), signal: aborter.signal, ...(o.iceInterfaces ? { iceInterfaces: o.iceInterfaces } : {}) }).then((p) => {
        peer = p;
        server.metrics.attachPeer(p);
        server.nodes.attachPeer(p);
        return p;
      });
      // A peer that stands on the ring is there when we return; one attached beside it waits for
      // the first volunteer to make a ring, and the gateway answers 503 until then.
      if (o.peerOptions?.lendStorage === true) await starting;
      else starting.catch(() => undefined);
    }
  } catch (e) {
    await s3App?.close();
    await server.close();
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    server, users, fs, s3Url: s3App ? urlOf(s3App, o.host, o.tls !== undefined) : null,
    get peer() {
      return peer;
    },
    peerReady: () => starting,
    close: () => (closing ??= (async () => {
      await s3App?.close();
      aborter.abort();
      await (await starting.catch(() => null))?.close();
      await server.close();
    })()),
  };
}

async function listenS3(s3: S3Options, host: string, port: number, tls: TlsFiles | undefined): Promise<FastifyInstance> {
  const app = (tls ? Fastify({ logger: false, https: tls }) : Fastify({ logger: false })) as unknown as FastifyInstance;
  await registerS3(app, s3, '');
  await app.listen({ host, port });
  return app;
}

function urlOf(app: FastifyInstance, host: string, https: boolean): string {
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The limits the REST gateway takes (the staged-bytes allowance is the S3 door's alone). */
function apiLimits(limits: CloudServerOptions['limits']): Omit<NonNullable<CloudServerOptions['limits']>, 'maxStagedBytesPerUser'> {
  const { maxStagedBytesPerUser: _s3Only, ...rest } = limits ?? {};
  return rest;
}
