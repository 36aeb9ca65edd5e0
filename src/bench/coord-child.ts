// A process of the coord bench: it hosts several real Node peers (one WebRTC stack, one event
// loop), joins them one after another through the server, and on the parent's word runs acquire /
// release loops from its peers and reports what it measured. Talks to the parent over IPC; every
// parent message is checked like any other input.
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { check } from '../core/codec.js';
import { startNodePeer } from '../host/node-peer.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { RunningPeer } from '../host/start-peer.js';
import { CoordRefusedError } from '../services/coord/solicitor.js';

const Name = Type.String({ minLength: 1, maxLength: 256 });
export const CoordChildRequest = Type.Union([
  Type.Object({ kind: Type.Literal('status') }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('load'),
    names: Type.Array(Name, { minItems: 1, maxItems: 1024 }),
    capacity: Type.Integer({ minimum: 1, maximum: 256 }),
    waitMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
    /** Acquire/release loops per hosted peer (0: this process only answers status). */
    loopsPerPeer: Type.Integer({ minimum: 0, maximum: 256 }),
    /** Loops stop starting acquires after this long. */
    durationMs: Type.Integer({ minimum: 1, maximum: 600_000 }),
    /** Stop after this many grants in all (a latency run); 0: no limit. */
    maxGrants: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    /** Only this hosted peer runs loops (a latency run, one acquire at a time). */
    peer: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023 })),
  }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('stop') }, { additionalProperties: false }),
]);

export interface LoadReport {
  grants: number;
  refused: Record<string, number>;
  /** Grant latencies in ms, acquire called → lease in hand. */
  ms: number[];
  misbehaviour: number;
}

async function runLoad(peers: RunningPeer[], req: { names: string[]; capacity: number; waitMs: number; loopsPerPeer: number; durationMs: number; maxGrants: number; peer?: number | undefined }): Promise<LoadReport> {
  const report: LoadReport = { grants: 0, refused: {}, ms: [], misbehaviour: 0 };
  const endAt = performance.now() + req.durationMs;
  const more = () => performance.now() < endAt && (req.maxGrants === 0 || report.grants < req.maxGrants);
  const loop = async (p: RunningPeer) => {
    while (more()) {
      const name = req.names[Math.floor(Math.random() * req.names.length)]!;
      const t = performance.now();
      try {
        const lease = await p.peer.semaphore(name, { capacity: req.capacity }).acquire({ waitMs: req.waitMs });
        report.ms.push(performance.now() - t);
        report.grants++;
        // The release goes out now; the next acquire does not wait for its answer.
        void lease.release();
      } catch (e) {
        const why = e instanceof CoordRefusedError ? e.reason : e instanceof Error ? e.constructor.name : 'unknown';
        report.refused[why] = (report.refused[why] ?? 0) + 1;
      }
    }
  };
  const running = req.peer === undefined ? peers : peers.slice(req.peer, req.peer + 1);
  await Promise.all(running.flatMap((p) => Array.from({ length: req.loopsPerPeer }, () => loop(p))));
  report.misbehaviour = peers.reduce((n, p) => n + Object.values(p.net.stats.misbehaviour).reduce((a, b) => a + b, 0), 0);
  return report;
}

async function main(serverUrl: string, dataDir: string, count: number): Promise<void> {
  const peers: RunningPeer[] = [];
  for (let i = 0; i < count; i++) peers.push(await startNodePeer({ serverUrl, dataDir: join(dataDir, `p${i}`) }));
  const stop = async () => {
    await Promise.allSettled(peers.map((p) => p.close()));
    shutdownNodeRtc();
    process.exit(0);
  };
  process.on('message', (raw) => {
    const r = check(CoordChildRequest, raw, 'coord bench request');
    if (!r.ok) return void process.send!({ kind: 'error', message: r.error.message });
    const m = r.value;
    if (m.kind === 'stop') return void stop();
    if (m.kind === 'status') {
      return void process.send!({ kind: 'status', statuses: peers.map((p) => p.peer.status()), grants: peers.map((p) => p.peer.coord.stats.grants) });
    }
    void runLoad(peers, m).then((report) => process.send!({ kind: 'load', report }));
  });
  process.once('disconnect', () => void stop());
  process.once('SIGTERM', () => void stop());
  process.send!({ kind: 'ready', ids: peers.map((p) => p.identity.id) });
}

const [serverUrl, dataDir, count] = process.argv.slice(2);
main(serverUrl!, dataDir!, Number(count)).catch((e: unknown) => {
  process.stderr.write(`coord bench child: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
