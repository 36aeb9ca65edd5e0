// Proves the file commands end to end against a real gateway, run in-process with captured stdio: put from stdin, get to stdout, ls, rm -r, mkdir -p, info, nodes, status, user add, and the exit codes of refusals.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../server/api/test-util/gateway.js';
import { runCli, type CliRun } from './test-util/run-cli.js';
import { EXIT } from './exit-codes.js';
import { FileAccessKeyStore } from '../server/s3/keys.js';
import { FileUserStore } from '../server/api/users.js';

let gw: TestGateway;
let scratch: string;
beforeAll(async () => {
  gw = await startTestGateway();
  scratch = await mkdtemp(join(tmpdir(), 'cumulus-cli-'));
});
afterAll(async () => {
  await gw.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Run `cumulus <args>` in-process against the test gateway, as alice unless told otherwise. */
function run(args: string[], opts: { stdin?: string | Buffer; token?: string | null } = {}): Promise<CliRun> {
  return runCli({ url: gw.url, token: opts.token === undefined ? gw.tokens.alice : opts.token }, args, opts.stdin);
}

describe('cumulus file commands', () => {
  it('puts from stdin and gets to stdout, byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff));
    expect(await run(['put', '~/piped.bin'], { stdin: bytes })).toMatchObject({ code: 0 });
    const got = await run(['get', '~/piped.bin', join(scratch, 'out.bin')]);
    expect(got.code).toBe(0);
    expect((await readFile(join(scratch, 'out.bin'))).equals(bytes)).toBe(true);
    await run(['put', '~/hello.txt'], { stdin: 'hello, cloud\n' });
    expect(await run(['get', 'hello.txt'])).toEqual({ code: 0, stdout: 'hello, cloud\n', stderr: '' });
  });

  it('uploads a file into a directory, lists, describes and removes recursively', async () => {
    await writeFile(join(scratch, 'local.txt'), 'local file');
    expect((await run(['mkdir', '-p', '~/proj/src'])).code).toBe(0);
    expect((await run(['put', '~/proj/src/', join(scratch, 'local.txt'), '--replicas', '2'])).code).toBe(0);
    expect((await run(['ls', '~/proj'])).stdout).toBe('src/\n');
    const long = await run(['ls', '-l', '~/proj/src']);
    expect(long.stdout).toMatch(/^- +10 \S+ local\.txt\n$/);
    const json = await run(['ls', '--json', '~/proj/src']);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'local.txt', type: 'object', size: 10, replicas: 2 });
    const info = await run(['info', '--json', '~/proj/src/local.txt']);
    expect(JSON.parse(info.stdout)).toMatchObject({ path: '/alice/home/proj/src/local.txt', size: 10 });
    expect((await run(['rm', '~/proj'])).code).toBe(EXIT.conflict);
    expect((await run(['rm', '-r', '~/proj'])).code).toBe(0);
    expect((await run(['ls', '~/proj'])).code).toBe(EXIT.notFound);
  });

  it('shows nodes and status', async () => {
    gw.nodes.upsert({ id: 'f'.repeat(40), rings: ['base'], joinedMs: 1, lastSeenMs: 2, meta: { cpu: 2 } });
    expect((await run(['nodes'])).stdout).toContain('f'.repeat(40));
    const status = await run(['status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ user: 'alice', nodes: 1 });
    expect((await run(['status'])).stdout).toMatch(/user: +alice/);
  });

  it('exits with codes that say what failed', async () => {
    const missing = await run(['get', '~/nope']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toMatch(/^cumulus get: get ~\/nope: .*not found/);
    expect((await run(['ls', '/bob/home'])).code).toBe(EXIT.authRefused);
    expect((await run(['ls'], { token: 'alice.bad' })).code).toBe(EXIT.authRefused);
    expect((await run(['ls'], { token: null })).code).toBe(EXIT.usage);
    expect((await run(['put', '~/x', '-r', '9'], { stdin: 'x' })).code).toBe(EXIT.usage);
    // The flag's earlier name is checked the same way.
    expect((await run(['put', '~/x', '-d', '9'], { stdin: 'x' })).code).toBe(EXIT.usage);
    expect((await run(['mkdir', '~/a/b'])).code).toBe(EXIT.notFound);
    const json = await run(['get', '--json', '~/nope']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'ResourceNotFound' } });
    expect((await run(['ls', '--url', 'http://127.0.0.1:1'])).code).toBe(EXIT.serverOrNetwork);
    expect((await run(['frobnicate'])).code).toBe(EXIT.usage);
  });

  it('adds a user, in the users directory a server with the same --data reads, whose token and access key it accepts', async () => {
    const dataDir = join(scratch, 'data');
    const added = await run(['user', 'add', 'carol', '--data', dataDir, '--json']);
    expect(added.code).toBe(0);
    const { token, accessKeyId, secretAccessKey } = JSON.parse(added.stdout) as { token: string; accessKeyId: string; secretAccessKey: string };
    // `cumulus serve --data DIR` opens DIR/users (server/cloud.ts): the token must be found there.
    const store = await FileUserStore.open(join(dataDir, 'users'));
    expect(await store.authenticate(token)).toBe('carol');
    expect(await readFile(join(dataDir, 'users', 'users.json'), 'utf8')).not.toContain(token.split('.')[1]);
    const keys = await FileAccessKeyStore.open(join(dataDir, 'users'));
    expect(await keys.lookup(accessKeyId)).toMatchObject({ user: 'carol', secretAccessKey });
    expect((await run(['user', 'add', 'carol', '--data', dataDir])).code).toBe(EXIT.conflict);
    expect((await run(['user', 'add', 'Bad.Name', '--data', dataDir])).code).toBe(EXIT.usage);
  });
});
