// A gateway on 127.0.0.1 with a LocalFileSystem in a fresh temp directory and two users, for the
// tests of the gateway, the SDK and the CLI. It lives in a test-util folder, which the build leaves out.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FileSystem } from '../files.js';
import { LocalFileSystem } from '../local-fs.js';
import { MemoryNodeRegistry } from '../nodes.js';
import { FileUserStore } from '../users.js';
import { registerApi, type ApiOptions } from '../index.js';

export interface TestGateway {
  app: FastifyInstance;
  url: string;
  dir: string;
  users: FileUserStore;
  nodes: MemoryNodeRegistry;
  tokens: { alice: string; bob: string };
  close(): Promise<void>;
}

/** The gateway's limits a test may set. */
export type GatewayLimits = Pick<ApiOptions, 'maxObjectBytes' | 'uploadIdleMs' | 'uploadsPerUser'>;

/** `fs` replaces the LocalFileSystem (the ring-backed one's tests mount the same gateway over it). */
export async function startTestGateway(opts: GatewayLimits & { fs?: FileSystem } = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'cumulus-api-'));
  const fs = opts.fs ?? (await LocalFileSystem.open(join(dir, 'files')));
  const users = await FileUserStore.open(join(dir, 'users'));
  const tokens = { alice: await users.add('alice', 1), bob: await users.add('bob', 2) };
  const nodes = new MemoryNodeRegistry();
  const app = Fastify({ logger: false });
  const { fs: _fs, ...limits } = opts;
  await registerApi(app, { fs, users, nodes, ...limits });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app, url, dir, users, nodes, tokens,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
