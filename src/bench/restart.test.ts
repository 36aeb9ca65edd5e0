// Proves a server coming back under a ring ends with one ring, with real processes: a server, 3
// volunteer processes and 2 Chromium tabs store 12 files; the server goes away (SIGINT, SIGKILL,
// then `cumulus up` in its place) while the ring carries on and comes back on the same data, and
// within 30 s the ring is one and the gateway lists and reads every file. The stop lasts 15 s here
// against the 2 minutes (`cumulus bench restart` runs those): the same behaviour, since the
// stop counts from when the ring has carried on without the server, and after 15 s every volunteer
// and tab has waited through its whole reconnect back-off (MAX_RECONNECT_MS) and retries at the cap
// as it would after 2 minutes.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_RECONNECT_MS } from '../host/start-peer.js';

/** The `cumulus` binary of this checkout (it runs the built dist/). */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'cumulus.js');
const DOWNTIME_S = Math.ceil(MAX_RECONNECT_MS / 1000);
const FILES = 12;

/** Run `cumulus bench restart --json` and return its figures (the last line of its output). */
function benchRestart(): Promise<Record<string, unknown>> {
  const args = ['bench', 'restart', '--peers', '3', '--browsers', '2', '--files', String(FILES), '--downtime', String(DOWNTIME_S), '--bound', '30', '--json'];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as Record<string, unknown>);
      else reject(new Error(`cumulus bench restart exited with ${code}: ${err}`));
    });
  });
}

describe('a server that restarts under a ring of volunteer processes and tabs', () => {
  it('comes back to one ring that lists and reads every file, after SIGINT, after SIGKILL, and as cumulus up', async () => {
    const f = await benchRestart();
    for (const way of ['sigint', 'sigkill', 'up']) {
      // The whole figure line goes with a failure: which step ran out of time, and how the server's peer started.
      expect({ way, carriedOn: f[`${way}CarriedOn`], oneRing: f[`${way}OneRing`], listed: f[`${way}Listed`], read: f[`${way}Read`] }, JSON.stringify(f))
        .toEqual({ way, carriedOn: true, oneRing: true, listed: FILES, read: FILES });
    }
    // The server's peer found the ring each time rather than creating one: `serve` attaches beside
    // it (holding no data), `up --peers 1` (fewer volunteers than replicas) lends storage and joins.
    expect(f.sigintServerPeer).toMatch(/^its peer attached beside the ring through /);
    expect(f.sigkillServerPeer).toMatch(/^its peer attached beside the ring through /);
    expect(f.upServerPeer).toMatch(/^joined through /);
  }, 300_000);
});
