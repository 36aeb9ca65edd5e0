// Proves the real Env (RealClock, CryptoRng, LevelStore, WebRtcNet on loopback) passes the shared
// port compliance suites that the in-memory and simulated Envs pass.
import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClockCompliance } from '../env/compliance/clock.js';
import { runRngCompliance } from '../env/compliance/rng.js';
import { runStoreCompliance } from '../env/compliance/store.js';
import { runNetCompliance } from '../env/compliance/net.js';
import { RealClock } from './clock.js';
import { CryptoRng } from './rng.js';
import { createIdentity } from './identity.js';
import { LevelStore, openLevel } from './level-store.js';
import { MemorySignalHub } from './memory-signaler.js';
import { loopbackNet } from './test-util/loopback.js';
import { shutdownNodeRtc } from './node-rtc.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  shutdownNodeRtc();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

runClockCompliance('RealClock', () => ({ clock: new RealClock(), advance: (ms) => sleep(ms + 5) }));

runRngCompliance('CryptoRng', () => new CryptoRng(), { seeded: false });

runStoreCompliance('LevelStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-level-'));
  dirs.push(dir);
  return LevelStore.open(openLevel(dir));
});

runNetCompliance('WebRtcNet over node-datachannel on 127.0.0.1', () => {
  const hub = new MemorySignalHub();
  // A shorter set-up timeout keeps the absent-peer case (timeout, retry, give up) within the
  // suite's settle budget; loopback links open in well under a second or two.
  const nets = [0, 1, 2].map(() => {
    const identity = createIdentity(new CryptoRng());
    return loopbackNet(hub.signaler(identity.id), identity, { connectTimeoutMs: 3000 });
  });
  return {
    nets,
    settle: () => sleep(50),
    teardown: () => {
      for (const n of nets) n.close();
    },
  };
});
