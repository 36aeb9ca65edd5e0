// A volunteer's control channel for the process that started it (a bench, `cumulus up`): status,
// lookups, a graceful stop, storage put/get of a local file, and trying relayed links for a direct
// pair again, over Node's IPC channel. Every
// request is checked; a bad one gets an error answer and changes nothing.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Type, type Static } from '@sinclair/typebox';
import { check } from '../core/codec.js';
import { idFromHex } from '../core/id.js';
import { ReplicasSchema } from '../services/storage/constants.js';
import type { RunningPeer } from './start-peer.js';
import { fullStatus } from './peer-status.js';

export { fullStatus } from './peer-status.js';

/** Local file paths are the controller's own, on this machine; bounded like any input. */
const LocalPath = Type.String({ minLength: 1, maxLength: 4096 });
/**
 * Buffer of the local file streams: Node's default (16–64 KiB) made every 256 KiB chunk wait for a
 * disk round trip before the next one was taken, which paced whole transfers.
 */
const FILE_BUFFER_BYTES = 4 * 1024 * 1024;
const StoragePath = Type.String({ minLength: 1, maxLength: 1024, pattern: '^/' });

const ControlRequestSchema = Type.Object(
  {
    rid: Type.Integer({ minimum: 0 }),
    op: Type.Union([
      Type.Literal('status'), Type.Literal('lookup'), Type.Literal('close'), Type.Literal('put'), Type.Literal('get'), Type.Literal('stat'),
      Type.Literal('retry-direct'),
    ]),
    key: Type.Optional(Type.String({ minLength: 40, maxLength: 40, pattern: '^[0-9a-f]+$' })),
    path: Type.Optional(StoragePath),
    file: Type.Optional(LocalPath),
    replicas: Type.Optional(ReplicasSchema),
  },
  { additionalProperties: false },
);
type ControlRequest = Static<typeof ControlRequestSchema>;
export type ControlOp = ControlRequest['op'];
export type ControlArgs = Omit<ControlRequest, 'rid' | 'op'>;

export interface ControlReply {
  rid: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export async function handleControl(p: RunningPeer, raw: unknown, onClose: () => Promise<void>): Promise<ControlReply> {
  const r = check(ControlRequestSchema, raw, 'control request');
  if (!r.ok) return { rid: -1, ok: false, error: r.error.message };
  const { rid, op } = r.value;
  try {
    if (op === 'status') return { rid, ok: true, result: fullStatus(p) };
    // After a firewall or NAT opened up: every relayed link tries a direct pair again now.
    if (op === 'retry-direct') return { rid, ok: true, result: { started: p.net.retryRelayed() } };
    if (op === 'close') {
      await onClose();
      return { rid, ok: true };
    }
    if (op === 'lookup') {
      if (r.value.key === undefined) return { rid, ok: false, error: 'lookup needs a key (40 hex)' };
      const t0 = performance.now();
      const res = await p.peer.lookup(idFromHex(r.value.key));
      return { rid, ok: true, result: { owner: res.owner, hops: res.hops, ms: performance.now() - t0 } };
    }
    return { rid, ok: true, result: await storageOp(p, r.value) };
  } catch (e) {
    return { rid, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** put/get stream between a local file and the cloud through this peer; stat answers the metadata. */
async function storageOp(p: RunningPeer, req: ControlRequest): Promise<unknown> {
  const client = p.peer.storage?.client;
  if (!client) throw new Error('this peer runs no storage service');
  if (req.path === undefined) throw new Error(`${req.op} needs a storage path (absolute)`);
  if (req.op === 'stat') return client.stat(req.path);
  if (req.file === undefined) throw new Error(`${req.op} needs a local file`);
  const t0 = performance.now();
  if (req.op === 'put') {
    const res = await client.put(req.path, createReadStream(req.file, { highWaterMark: FILE_BUFFER_BYTES }), req.replicas === undefined ? {} : { replicas: req.replicas });
    return { ...res, ms: performance.now() - t0 };
  }
  // get: stream to the file; the controller checks the file itself (every chunk was verified on the way).
  const before = { ...client.counters };
  const cpu0 = process.cpuUsage();
  // Opened first: a missing or unreadable file must not truncate the local one.
  const body = await client.open(req.path);
  const out = createWriteStream(req.file, { highWaterMark: FILE_BUFFER_BYTES });
  let bytes = 0;
  try {
    for await (const piece of body) {
      bytes += piece.length;
      if (!out.write(piece)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  const c = client.counters;
  return {
    bytes, ms: performance.now() - t0,
    chunks: c.chunksRead - before.chunksRead, localChunks: c.localChunks - before.localChunks,
    deadReplicas: c.deadReplicas - before.deadReplicas, corruptReplicas: c.corruptReplicas - before.corruptReplicas,
    hedgedReads: c.hedgedReads - before.hedgedReads,
    // This process's CPU time over the get, all threads (the data channel's native ones too).
    cpuMs: (() => { const u = process.cpuUsage(cpu0); return (u.user + u.system) / 1000; })(),
  };
}
