// coturn (Debian's package) in the lab's public namespace: STUN and TURN on the public address,
// credentials by the TURN REST API convention (use-auth-secret: the rendezvous server holds the
// same secret and issues per-peer, time-limited credentials), and relaying allowed to the lab's
// public network only, so no peer can make the relay send anywhere else (see docs/operating.md
// for a public deployment's settings). The secret lives in a 0600 config file, not on a command
// line other users could read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { stopProcess } from '../../host/volunteer-process.js';
import { LAB_PUBLIC_NET, type Lab } from './lab.js';

export const TURN_PORT = 3478;
export const TURN_REALM = 'cumulus.lab';
/** Longest coturn may take to open its listeners. */
const START_TIMEOUT_MS = 15_000;
const MAX_LOG_CHARS = 64 * 1024;
const POLL_MS = 50;

export interface Coturn {
  readonly url: string;
  /** The shared secret (the rendezvous server is given it in a file, secretFile). */
  readonly secret: string;
  readonly secretFile: string;
  readonly child: ChildProcess;
  /** What coturn logged (the last 64 KiB). */
  log(): string;
  stop(): Promise<void>;
}

/** coturn's configuration for the lab: the settings a public deployment needs too, with the lab's ranges. */
export function coturnConfig(listenAddr: string, secret: string, dir: string): string {
  return [
    `listening-ip=${listenAddr}`,
    `relay-ip=${listenAddr}`,
    `listening-port=${TURN_PORT}`,
    'min-port=49152',
    'max-port=65535',
    'use-auth-secret',
    `static-auth-secret=${secret}`,
    `realm=${TURN_REALM}`,
    'fingerprint',
    'no-tls',
    'no-dtls',
    'no-tcp-relay',
    'no-cli',
    'no-multicast-peers',
    // Relay to the lab's public network and nowhere else; loopback is refused by default.
    'denied-peer-ip=0.0.0.0-255.255.255.255',
    `allowed-peer-ip=${LAB_PUBLIC_NET}.0-${LAB_PUBLIC_NET}.255`,
    'user-quota=16',
    'total-quota=256',
    'log-file=stdout',
    'simple-log',
    `pidfile=${join(dir, 'turnserver.pid')}`,
    // Its own user database, so the lab leaves nothing in /var/lib/turn.
    `userdb=${join(dir, 'turndb')}`,
    '',
  ].join('\n');
}

export async function startCoturn(lab: Lab): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-coturn-'));
  const secret = randomBytes(24).toString('base64url');
  const conf = join(dir, 'turnserver.conf');
  const secretFile = join(dir, 'turn-secret');
  writeFileSync(conf, coturnConfig(lab.pubAddr, secret, dir), { mode: 0o600 });
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const child = lab.spawn(lab.pubNs, 'turnserver', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (d: Buffer) => void (log = (log + d.toString()).slice(-MAX_LOG_CHARS));
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // Ready when its UDP socket is bound (its log says so in an order that varies between runs).
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!lab.run(lab.pubNs, 'ss', ['-Hlun', 'src', `${lab.pubAddr}:${TURN_PORT}`]).trim()) {
    if (child.exitCode !== null) throw new Error(`coturn exited (code ${child.exitCode}): ${log.slice(-1000)}`);
    if (Date.now() > deadline) throw new Error(`coturn did not open its UDP listener within ${START_TIMEOUT_MS} ms: ${log.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return {
    url: `turn:${lab.pubAddr}:${TURN_PORT}`,
    secret, secretFile, child,
    log: () => log,
    stop: async () => {
      await stopProcess(child);
      lab.untrack(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
