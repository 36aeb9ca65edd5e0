// An S3 door on 127.0.0.1 over a LocalFileSystem in a fresh temp directory, with access keys for
// two users, for the S3 tests. It lives in a test-util folder, which the build leaves out.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalFileSystem } from '../../api/local-fs.js';
import { FileAccessKeyStore, type AccessKey } from '../keys.js';
import { registerS3, type S3Options } from '../index.js';

export interface TestS3 {
  app: FastifyInstance;
  endpoint: string;
  dir: string;
  keys: { alice: AccessKey; bob: AccessKey };
  client(key: AccessKey): S3Client;
  close(): Promise<void>;
}

export function s3Client(endpoint: string, key: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  });
}

export async function startTestS3(opts: Partial<Pick<S3Options, 'maxObjectBytes' | 'maxStagedBytesPerUser' | 'nowMs'>> = {}, prefix = ''): Promise<TestS3> {
  const dir = await mkdtemp(join(tmpdir(), 'cumulus-s3-'));
  const fs = await LocalFileSystem.open(join(dir, 'files'));
  const store = await FileAccessKeyStore.open(join(dir, 'users'));
  const keys = { alice: await store.add('alice', 1), bob: await store.add('bob', 2) };
  const app = Fastify({ logger: false });
  await registerS3(app, { fs, keys: store, ...opts }, prefix);
  const endpoint = (await app.listen({ host: '127.0.0.1', port: 0 })) + prefix;
  const clients: S3Client[] = [];
  return {
    app, endpoint, dir, keys,
    client(key) {
      const c = s3Client(endpoint, key);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
