// msgpack codec for frames. decode() is the trust boundary: it never throws, it returns a typed
// value or a typed error, and it checks size limits before it parses anything.
import { Packr } from 'msgpackr';
import type { TSchema, Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import {
  CumulusError,
  FrameMalformedError,
  FrameTooLargeError,
  FrameTruncatedError,
  SchemaMismatchError,
  UnsupportedVersionError,
  err,
  ok,
  type Result,
} from './errors.js';
import { EnvelopeSchema, MAX_FRAME_BYTES, WIRE_VERSION, type Envelope } from './envelope.js';

// Plain msgpack only: no record extension, no structured clone, no bigint magic, so that what a
// peer can make us build is limited to maps, arrays, strings, numbers, booleans, nil and bytes.
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  int64AsType: 'number',
  bundleStrings: false,
});

/** Deepest nesting a decoded value may have; deeper input is refused before schema checks. */
export const MAX_DEPTH = 32;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checker<T extends TSchema>(schema: T): TypeCheck<T> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c as TypeCheck<T>;
}

/**
 * Does an already-decoded value match a schema? For telling one well-formed answer from another
 * (a refusal from a reply): no error is built for the expected mismatch.
 */
export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return checker(schema).Check(value);
}

/** Validate an already-decoded value against a schema. */
export function check<T extends TSchema>(schema: T, value: unknown, what = 'value'): Result<Static<T>> {
  const c = checker(schema);
  if (c.Check(value)) return ok(value as Static<T>);
  const first = c.Errors(value).First();
  return err(new SchemaMismatchError(what, first?.path ?? '', first?.message ?? 'invalid'));
}

export function encodeValue(value: unknown, limit = MAX_FRAME_BYTES): Result<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(value);
  } catch (e) {
    return err(new FrameMalformedError(`cannot encode: ${(e as Error).message}`));
  }
  if (bytes.length > limit) return err(new FrameTooLargeError(bytes.length, limit));
  return ok(bytes);
}

/** Decode msgpack bytes into a plain value, refusing oversize, truncated and malformed input. */
export function decodeValue(bytes: Uint8Array, limit = MAX_FRAME_BYTES): Result<unknown> {
  if (!(bytes instanceof Uint8Array)) return err(new FrameMalformedError('frame is not bytes'));
  if (bytes.length > limit) return err(new FrameTooLargeError(bytes.length, limit));
  if (bytes.length === 0) return err(new FrameTruncatedError('frame is empty'));
  let values: unknown[];
  try {
    values = packr.unpackMultiple(bytes) as unknown[];
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/unexpected end|end of (msgpack )?buffer|out of range|beyond|incomplete/i.test(message)) {
      return err(new FrameTruncatedError(`frame is truncated: ${message}`));
    }
    return err(new FrameMalformedError(`frame is not valid msgpack: ${message}`));
  }
  if (values.length !== 1) return err(new FrameMalformedError(`frame holds ${values.length} values, expected exactly one`));
  const bad = plainProblem(values[0], 0);
  if (bad) return err(new FrameMalformedError(bad));
  return ok(values[0]);
}

/** Decode and check against a schema in one step. */
export function decodeAs<T extends TSchema>(schema: T, bytes: Uint8Array, what = 'frame', limit = MAX_FRAME_BYTES): Result<Static<T>> {
  const r = decodeValue(bytes, limit);
  if (!r.ok) return r;
  return check(schema, r.value, what);
}

export function encodeEnvelope(env: Envelope): Result<Uint8Array> {
  return encodeValue(env);
}

/** The trust boundary for frames from peers. */
export function decodeEnvelope(bytes: Uint8Array): Result<Envelope> {
  const r = decodeValue(bytes);
  if (!r.ok) return r;
  return checkEnvelope(r.value);
}

/**
 * Check a value as an envelope: the second half of decodeEnvelope, for a value that did not come
 * out of bytes (the simulator hands the receiver the sender's object along with the frame).
 */
export function checkEnvelope(v: unknown): Result<Envelope> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return err(new SchemaMismatchError('envelope', '', 'expected a map'));
  }
  const version = (v as { v?: unknown }).v;
  if (version !== WIRE_VERSION) return err(new UnsupportedVersionError(version, WIRE_VERSION));
  // The schema checked `to` and `dst`; which of PeerId and KeyHex dst is, `to` says.
  return check(EnvelopeSchema, v, 'envelope') as Result<Envelope>;
}

/**
 * Only plain data may come out of decode: objects with ordinary keys, arrays, primitives and
 * bytes, nested at most MAX_DEPTH deep. Returns a description of the first problem, or null.
 */
function plainProblem(value: unknown, depth: number): string | null {
  if (depth > MAX_DEPTH) return `value nests deeper than ${MAX_DEPTH} levels`;
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return null;
    case 'bigint':
      return 'integers beyond 2^53 are not accepted';
    case 'object':
      break;
    default:
      return `values of type ${typeof value} are not accepted`;
  }
  if (value instanceof Uint8Array) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const p = plainProblem(item, depth + 1);
      if (p) return p;
    }
    return null;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return 'extension types are not accepted';
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return `key ${key} is not accepted`;
    const p = plainProblem((value as Record<string, unknown>)[key], depth + 1);
    if (p) return p;
  }
  return null;
}

export { CumulusError };
