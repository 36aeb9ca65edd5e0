// `cumulus bench api`: what the REST gateway costs. A local cloud (server with its peer and the
// gateway, plus volunteer processes) takes a file through PUT, then the same file is read twice
// in one run: through the gateway (GET over HTTP, streamed) and through the storage service's own
// client in the server's peer (what the gateway reads from). ratio = getMBps / storageGetMBps.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloudServer } from '../../server/cloud.js';
import { shutdownNodeRtc } from '../node-rtc.js';
import { spawnVolunteer, type VolunteerProcess } from '../volunteer-process.js';

export interface ApiBenchOptions {
  peers: number;
  mb: number;
}

const mbps = (bytes: number, ms: number) => Math.round((bytes / 1e6 / (ms / 1000)) * 100) / 100;
const PIECE_BYTES = 1 << 20;
const execFileP = promisify(execFile);

export async function runApiBench(o: ApiBenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-api-'));
  const cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: dir });
  const volunteers: VolunteerProcess[] = [];
  try {
    for (let i = 0; i < o.peers; i++) volunteers.push(await spawnVolunteer({ serverUrl: cloud.server.url, dataDir: join(dir, `v${i}`) }));
    const token = await cloud.users.add('bench', 0);
    const auth = { authorization: `Bearer ${token}` };
    const url = `${cloud.server.url}/bench/home/blob.bin`;
    const bytes = o.mb * 1e6;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (sent >= bytes) return ctrl.close();
        const n = Math.min(PIECE_BYTES, bytes - sent);
        const piece = new Uint8Array(n);
        for (let i = 0; i < n; i += 4096) piece[i] = (sent + i) & 0xff;
        sent += n;
        ctrl.enqueue(piece);
      },
    });
    const tPut = performance.now();
    const put = await fetch(url, { method: 'PUT', headers: { ...auth, 'content-length': String(bytes) }, body, duplex: 'half' } as RequestInit);
    if (!put.ok) throw new Error(`PUT answered ${put.status}: ${await put.text()}`);
    const putMs = performance.now() - tPut;

    const client = cloud.peer?.peer.storage?.client;
    if (!client) throw new Error('the server peer runs no storage');
    // The gateway's client is another process, as a developer's would be (curl): a client in this
    // process would take its CPU from the gateway it measures.
    const viaGateway = async () => {
      const { stdout } = await execFileP('curl', ['-s', '-f', '-o', '/dev/null', '-w', '%{size_download}', '-H', `authorization: Bearer ${token}`, url]);
      return Number(stdout.trim());
    };
    const viaStorage = async () => {
      let n = 0;
      for await (const c of await client.open('/bench/home/blob.bin')) n += c.length;
      return n;
    };
    // Alternate the two readers so that neither is favoured by what the first read warmed
    // (holders' recent-chunk caches, the OS): storage, gateway, gateway, storage.
    const ms = { gateway: 0, storage: 0 };
    for (const who of ['storage', 'gateway', 'gateway', 'storage'] as const) {
      const t = performance.now();
      const n = who === 'gateway' ? await viaGateway() : await viaStorage();
      ms[who] += performance.now() - t;
      if (n !== bytes) throw new Error(`${who} read ${n} bytes of ${bytes}`);
    }
    const getMs = ms.gateway / 2;
    const storageMs = ms.storage / 2;
    const getMBps = mbps(bytes, getMs);
    const storageGetMBps = mbps(bytes, storageMs);
    return {
      putMBps: mbps(bytes, putMs), getMBps, storageGetMBps,
      ratio: Math.round((getMBps / storageGetMBps) * 100) / 100,
      peers: o.peers + 1, bytes, wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    await Promise.allSettled(volunteers.map((v) => v.stop()));
    await cloud.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
