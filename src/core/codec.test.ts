// Proves that decode is a safe trust boundary: valid frames round-trip; truncated, oversized, wrongly
// typed, unknown-version and random frames come back as typed errors, and nothing ever throws past it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { decodeEnvelope, decodeValue, encodeEnvelope, encodeValue } from './codec.js';
import { CumulusError } from './errors.js';
import { MAX_FRAME_BYTES, WIRE_VERSION, type Envelope } from './envelope.js';
import type { KeyHex, PeerId } from './id.js';

const hex = (c: string) => c.repeat(40);

function validEnvelope(body: unknown = { key: hex('a'), n: 3 }): Envelope {
  return { v: WIRE_VERSION, mid: 42, src: hex('1') as PeerId, dst: hex('2') as KeyHex, to: 'key', ring: 'base', svc: 'chord', op: 'find-successor', hops: 0, ttl: 32, body };
}

function encoded(env: Envelope): Uint8Array {
  const r = encodeEnvelope(env);
  if (!r.ok) throw r.error;
  return r.value;
}

function codeOf(bytes: Uint8Array): string {
  const r = decodeEnvelope(bytes);
  if (r.ok) return 'OK';
  expect(r.error).toBeInstanceOf(CumulusError);
  return r.error.code;
}

describe('envelope codec', () => {
  it('round-trips a valid envelope, including byte bodies', () => {
    const env = validEnvelope({ chunk: new Uint8Array([0, 1, 255]), list: [1, 'two', null] });
    const r = decodeEnvelope(encoded(env));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.op).toBe('find-successor');
      expect(Array.from((r.value.body as { chunk: Uint8Array }).chunk)).toEqual([0, 1, 255]);
    }
  });

  it('keeps a small envelope small (ids as hex, no per-field overhead beyond msgpack)', () => {
    // 11 short keys + three 40-char ids + short strings: a find-successor fits in well under 256 bytes.
    const bytes = encoded(validEnvelope({ key: hex('a') }));
    expect(bytes.length).toBeLessThan(256);
  });

  it('refuses truncated frames with FRAME_TRUNCATED', () => {
    const bytes = encoded(validEnvelope());
    for (const cut of [1, 5, Math.floor(bytes.length / 2), bytes.length - 1]) {
      expect(codeOf(bytes.subarray(0, cut))).toMatch(/FRAME_TRUNCATED|FRAME_MALFORMED|SCHEMA_MISMATCH/);
    }
    expect(codeOf(bytes.subarray(0, bytes.length - 1))).toBe('FRAME_TRUNCATED');
    expect(codeOf(new Uint8Array(0))).toBe('FRAME_TRUNCATED');
  });

  it('refuses frames over 64 KiB before parsing them', () => {
    expect(codeOf(new Uint8Array(MAX_FRAME_BYTES + 1))).toBe('FRAME_TOO_LARGE');
    const big = encodeEnvelope(validEnvelope({ blob: new Uint8Array(MAX_FRAME_BYTES) }));
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.error.code).toBe('FRAME_TOO_LARGE');
  });

  it('refuses unknown versions with UNSUPPORTED_VERSION', () => {
    expect(codeOf(pack({ ...validEnvelope(), v: 2 }))).toBe('UNSUPPORTED_VERSION');
    expect(codeOf(pack({ ...validEnvelope(), v: 'one' }))).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses wrongly typed fields with SCHEMA_MISMATCH', () => {
    const cases: Array<Record<string, unknown>> = [
      { mid: -1 }, { mid: 2 ** 33 }, { src: 'zz' }, { dst: hex('A') }, { to: 'everyone' }, { ring: 'other' },
      { svc: '' }, { op: 'x'.repeat(64) }, { hops: 1000 }, { ttl: 1.5 }, { extra: true },
    ];
    for (const c of cases) expect(codeOf(pack({ ...validEnvelope(), ...c }))).toBe('SCHEMA_MISMATCH');
    expect(codeOf(pack([1, 2, 3]))).toBe('SCHEMA_MISMATCH');
    expect(codeOf(pack('hello'))).toBe('SCHEMA_MISMATCH');
  });

  it('refuses trailing garbage and prototype-polluting keys', () => {
    const bytes = encoded(validEnvelope());
    const withTail = new Uint8Array(bytes.length + 1);
    withTail.set(bytes);
    expect(codeOf(withTail)).toBe('FRAME_MALFORMED');
    // msgpackr renames a `__proto__` key on decode; either way no prototype may change.
    const polluted = pack({ ...validEnvelope(), body: JSON.parse('{"__proto__": {"x": 1}}') });
    const r = decodeEnvelope(polluted);
    if (r.ok) expect(Object.getPrototypeOf(r.value.body)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses values nested too deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const r = decodeValue(pack(deep));
    expect(r.ok).toBe(false);
  });

  it('encodeValue reports values that cannot be encoded', () => {
    const r = encodeValue({ f: () => 1 });
    expect(r.ok === false || r.value.length > 0).toBe(true);
  });
});

describe('decode never throws (property tests)', () => {
  it('random bytes give a value or a typed error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      const r = decodeEnvelope(bytes);
      if (!r.ok) expect(r.error).toBeInstanceOf(CumulusError);
    }), { numRuns: 5000 });
  });

  it('mutated valid frames give a valid envelope or a typed error', () => {
    const base = encoded(validEnvelope({ key: hex('b'), list: [1, 2, 3], s: 'text' }));
    const mutation = fc.record({
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
      cut: fc.option(fc.nat()),
      insertAt: fc.option(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) })),
    });
    fc.assert(fc.property(mutation, (m) => {
      let bytes = Uint8Array.from(base);
      for (const f of m.flips) bytes[f.at % bytes.length] = f.value;
      if (m.insertAt) {
        const at = m.insertAt.at % (bytes.length + 1);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.insertAt.bytes, ...bytes.subarray(at)]);
      }
      if (m.cut !== null) bytes = bytes.subarray(0, m.cut % (bytes.length + 1));
      const r = decodeEnvelope(bytes);
      if (r.ok) {
        expect(r.value.v).toBe(WIRE_VERSION);
        expect(r.value.src).toMatch(/^[0-9a-f]{40}$/);
      } else {
        expect(r.error).toBeInstanceOf(CumulusError);
      }
    }), { numRuns: 5000 });
  });

  it('random msgpack values give a typed schema error, not an exception', () => {
    fc.assert(fc.property(fc.anything({ maxDepth: 4 }), (value) => {
      let bytes: Uint8Array;
      try {
        bytes = pack(value);
      } catch {
        return;
      }
      const r = decodeEnvelope(bytes);
      if (!r.ok) expect(r.error).toBeInstanceOf(CumulusError);
    }), { numRuns: 2000 });
  });
});
