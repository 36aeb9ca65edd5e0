// A gateway on 127.0.0.1 with a LocalFileSystem in a fresh temp directory and two users, for the
// tests of the gateway, the SDK and the CLI. It lives in a test-util folder, which the build leaves out.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { LocalFileSystem } from '../local-fs.js';
import { MemoryNodeRegistry } from '../nodes.js';
import { FileUserStore } from '../users.js';
import { registerApi } from '../index.js';

export interface TestGateway {
  app: FastifyInstance;
  url: string;
  dir: string;
  users: FileUserStore;
  nodes: MemoryNodeRegistry;
  tokens: { alice: string; bob: string };
  close(): Promise<void>;
}

export async function startTestGateway(opts: { maxObjectBytes?: number } = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'cumulus-api-'));
  const fs = await LocalFileSystem.open(join(dir, 'files'));
  const users = await FileUserStore.open(join(dir, 'users'));
  const tokens = { alice: await users.add('alice', 1), bob: await users.add('bob', 2) };
  const nodes = new MemoryNodeRegistry();
  const app = Fastify({ logger: false });
  await registerApi(app, { fs, users, nodes, ...opts });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app, url, dir, users, nodes, tokens,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
