// A volunteer's control channel for the process that started it (a bench, `cumulus up`): status,
// lookups and a graceful stop, over Node's IPC channel. Every request is checked; a bad one gets
// an error answer and changes nothing.
import { Type } from '@sinclair/typebox';
import { check } from '../core/codec.js';
import { idFromHex } from '../core/id.js';
import type { RunningPeer } from './start-peer.js';

const ControlRequestSchema = Type.Object(
  {
    rid: Type.Integer({ minimum: 0 }),
    op: Type.Union([Type.Literal('status'), Type.Literal('lookup'), Type.Literal('close')]),
    key: Type.Optional(Type.String({ minLength: 40, maxLength: 40, pattern: '^[0-9a-f]+$' })),
  },
  { additionalProperties: false },
);

export interface ControlReply {
  rid: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** What a volunteer reports: its place on the ring and how its links were signaled. */
export function fullStatus(p: RunningPeer): Record<string, unknown> {
  return { ...p.peer.status(), signal: { ...p.signaler.stats }, serverUp: p.serverUp() };
}

export async function handleControl(p: RunningPeer, raw: unknown, onClose: () => Promise<void>): Promise<ControlReply> {
  const r = check(ControlRequestSchema, raw, 'control request');
  if (!r.ok) return { rid: -1, ok: false, error: r.error.message };
  const { rid, op, key } = r.value;
  try {
    if (op === 'status') return { rid, ok: true, result: fullStatus(p) };
    if (op === 'close') {
      await onClose();
      return { rid, ok: true };
    }
    if (key === undefined) return { rid, ok: false, error: 'lookup needs a key (40 hex)' };
    const t0 = performance.now();
    const res = await p.peer.lookup(idFromHex(key));
    return { rid, ok: true, result: { owner: res.owner, hops: res.hops, ms: performance.now() - t0 } };
  } catch (e) {
    return { rid, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}
