// `cumulus bench s3`: what the S3 door costs against the REST gateway. A local cloud (server with
// its peer, both doors, and volunteer processes) takes a file by an S3 PUT (a presigned URL, the
// body streamed), then the same object is read in one run, alternately: by curl through the S3
// door (a presigned GET, so the signature is checked on every read) and by curl through the REST
// gateway with a bearer token, `rounds` times each. ratio = getMBps / restGetMBps, from the medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { startCloudServer } from '../server/cloud.js';
import { S3_PREFIX } from '../server/app.js';
import { FileAccessKeyStore, type AccessKey } from '../server/s3/keys.js';
import { NodeSha256 } from '../server/s3/sigv4.js';
import type { VolunteerProcess } from '../host/volunteer-process.js';
import { shutdownNodeRtc } from '../runtime/node-rtc.js';
import type { OptionValues } from '../core/options.js';
import { quantile, round } from './figures.js';
import { CurlLauncher, generatedBody, volunteersOnRing } from './api.js';

export const S3_BENCH_OPTIONS = {
  peers: { type: 'integer', default: 3, min: 0, unit: 'processes', description: 'volunteer processes besides the server\'s peer' },
  mb: { type: 'integer', default: 64, min: 1, unit: 'MB', description: 'size of the object, in 10^6 bytes' },
  rounds: { type: 'integer', default: 5, min: 1, description: 'timed reads of each kind (after one untimed read of each), S3 and REST alternated' },
} as const;

export type S3BenchOptions = OptionValues<typeof S3_BENCH_OPTIONS>;

/** Presigned URLs of the bench live this long: longer than any run. */
const URL_LIFETIME_S = 3600;
const mbps = (bytes: number, ms: number) => round(bytes / 1e6 / (ms / 1000));

/** A presigned URL for `method` on `path` of the server at `base`, as any S3 SDK would make it. */
async function presign(key: AccessKey, base: string, method: string, path: string): Promise<string> {
  const url = new URL(base);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: NodeSha256, uriEscapePath: false, credentials: key });
  const signed = await signer.presign({
    method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path, query: {},
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  }, { expiresIn: URL_LIFETIME_S });
  const query = Object.entries(signed.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `${base}${path}?${query}`;
}

export async function runS3Bench(o: S3BenchOptions): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cumulus-bench-s3-'));
  const cloud = await startCloudServer({ port: 0, host: '127.0.0.1', dataDir: dir, peerOptions: { lendStorage: o.peers === 0 } });
  const volunteers: VolunteerProcess[] = [];
  const curl = new CurlLauncher();
  const restCurl = new CurlLauncher(await cloud.users.add('bench', 0));
  try {
    await volunteersOnRing(cloud, dir, o.peers, volunteers);
    const key = await (await FileAccessKeyStore.open(join(dir, 'users'))).add('bench', 0);
    const base = cloud.server.url;
    const bucket = await fetch(await presign(key, base, 'PUT', `${S3_PREFIX}/bench`), { method: 'PUT' });
    if (!bucket.ok) throw new Error(`CreateBucket answered ${bucket.status}: ${await bucket.text()}`);
    const bytes = o.mb * 1e6;
    const path = `${S3_PREFIX}/bench/blob.bin`;
    const tPut = performance.now();
    const put = await fetch(await presign(key, base, 'PUT', path), { method: 'PUT', headers: { 'content-length': String(bytes) }, body: generatedBody(bytes), duplex: 'half' } as RequestInit);
    if (!put.ok) throw new Error(`PutObject answered ${put.status}: ${await put.text()}`);
    const putMs = performance.now() - tPut;
    const getUrl = await presign(key, base, 'GET', path);
    const restUrl = `${base}/bench/home/bench/blob.bin`;
    const read = async (who: 's3' | 'rest'): Promise<number> => {
      const [size, total] = (await (who === 's3' ? curl.get(getUrl) : restCurl.get(restUrl))).trim().split(' ').map(Number);
      if (size !== bytes) throw new Error(`${who} read ${size} bytes of ${bytes}`);
      return (total ?? NaN) * 1000;
    };
    // One untimed read each, then the two alternate so that neither is favoured by what the other warmed.
    await read('s3');
    await read('rest');
    const ms = { s3: [] as number[], rest: [] as number[] };
    for (let i = 0; i < o.rounds; i++) {
      for (const who of i % 2 === 0 ? (['s3', 'rest'] as const) : (['rest', 's3'] as const)) ms[who].push(await read(who));
    }
    const getMBps = mbps(bytes, quantile(ms.s3, 0.5));
    const restGetMBps = mbps(bytes, quantile(ms.rest, 0.5));
    return {
      putMBps: mbps(bytes, putMs), getMBps, restGetMBps, ratio: round(getMBps / restGetMBps),
      rounds: o.rounds, peers: o.peers + 1, bytes, wallMs: Math.round(performance.now() - t0),
    };
  } finally {
    curl.stop();
    restCurl.stop();
    await Promise.allSettled(volunteers.map((v) => v.stop()));
    await cloud.close();
    shutdownNodeRtc();
    rmSync(dir, { recursive: true, force: true });
  }
}
