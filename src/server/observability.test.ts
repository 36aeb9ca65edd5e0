// Proves what an operator sees: /metrics counts a CLI round trip's requests under their route and status with latencies, and the JSON request log names a refused request by the id its answer carried, with no token in any line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type CumulusServer } from './app.js';
import { LocalFileSystem } from './api/local-fs.js';
import { FileUserStore } from './api/users.js';
import { runCli } from '../cli/test-util/run-cli.js';

let dir: string;
let server: CumulusServer;
let token: string;
const logLines: string[] = [];
const sink = new PassThrough();

/** The first log line `match` accepts, once it has been written (the line follows the answer). */
function lineWhere(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const look = () => {
      const hit = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find(match);
      if (!hit) return false;
      sink.off('data', later);
      resolve(hit);
      return true;
    };
    const later = () => void setImmediate(look);
    if (!look()) sink.on('data', later);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cumulus-obs-'));
  const users = await FileUserStore.open(join(dir, 'users'));
  token = await users.add('alice', 1);
  let partial = '';
  sink.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    logLines.push(...parts);
  });
  server = await createServer({ api: { fs: await LocalFileSystem.open(join(dir, 'files')), users }, log: { level: 'info', destination: sink } });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('operability', () => {
  it('counts a CLI round trip on /metrics under its route and status', async () => {
    const cli = (args: string[], stdin?: string) => runCli({ url: server.url, token }, args, stdin);
    expect((await cli(['put', 'note.txt'], 'hello')).code).toBe(0);
    expect((await cli(['get', 'note.txt'])).stdout).toBe('hello');
    // A request is counted after its answer has gone out; its log line is written after that.
    for (const [method, status] of [['PUT', 204], ['GET', 200]] as const) {
      await lineWhere((l) => l.method === method && l.url === '/alice/home/note.txt' && l.status === status);
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/^cumulus_http_requests_total\{route="\/:user\/home\/\*",method="PUT",status="204"\} 1$/m);
    expect(text).toMatch(/^cumulus_http_requests_total\{route="\/:user\/home\/\*",method="GET",status="200"\} [1-9]/m);
    expect(text).toMatch(/^cumulus_http_request_duration_seconds_count\{route="\/:user\/home\/\*",method="PUT"\} 1$/m);
    expect(text).toMatch(/^cumulus_signaling_peers 0$/m);
  });

  it('logs a refused request on one JSON line with its id and without the token', async () => {
    const forged = `${token}x`;
    const res = await fetch(`${server.url}/alice/home/secret.txt?token=${encodeURIComponent(token)}`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    const line = await lineWhere((l) => l.reqId === id);
    expect(line).toMatchObject({ msg: 'request', status: 401, method: 'GET', url: '/alice/home/secret.txt?token=[redacted]' });
    const secret = token.split('.')[1]!;
    expect(logLines.some((l) => l.includes(secret))).toBe(false);
  });
});
