// Proves `cumulus serve` takes its settings from a --config file, lets environment variables override it, serves HTTPS with the certificate it names, and refuses a config file with an unknown key, naming it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './test-util/local-cloud.js';

const dir = mkdtempSync(join(tmpdir(), 'cumulus-serve-config-'));
const started: ChildProcess[] = [];
let taken: Server | undefined;

afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.pid !== undefined) process.kill(p.pid, 'SIGKILL');
  taken?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Start `cumulus serve` and resolve with the URL of its first line. */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--no-peer', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /cumulus server on (\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, proc });
    });
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

function getHealth(url: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    request(`${url}/health`, { ca }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

describe('cumulus serve settings', () => {
  it('reads a config file, lets CUMULUS_* variables override it, and serves HTTPS with its certificate', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    // The file names a port already in use: only the variable's port 0 lets the server start.
    taken = createServer();
    await new Promise<void>((resolve) => taken!.listen(0, '127.0.0.1', resolve));
    const busyPort = (taken.address() as { port: number }).port;
    const config = join(dir, 'cumulus.json');
    writeFileSync(config, JSON.stringify({ port: busyPort, host: '127.0.0.1', data: join(dir, 'data'), logLevel: 'warn', tls: { cert, key }, limits: { maxObjectBytes: 1000 } }));
    const { url, proc } = await serve(['--config', config], { CUMULUS_PORT: '0' });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toContain(`:${busyPort}`);
    expect(JSON.parse(await getHealth(url, readFileSync(cert)))).toMatchObject({ ok: true });
    proc.kill('SIGINT');
  });

  it('refuses a config file with an unknown setting, naming it', () => {
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ prot: 8080 }));
    const r = spawnSync(process.execPath, [BIN, 'serve', '--no-peer', '--config', config], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/prot/);
  });
});
