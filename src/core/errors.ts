// Named errors with stable codes. Expected conditions (bad input, timeouts, a peer gone, not
// found, over quota) are these errors; a broken invariant is an `assert` that fails loudly.

/**
 * Every code an error may carry, as a value so that a code read off the wire can be checked. A
 * caller that acts on an error (retry, map to an HTTP status, pick an exit code) decides by its
 * code, never by its message: messages are for people and may change.
 */
export const ERROR_CODES = [
  'FRAME_TOO_LARGE',
  'FRAME_TRUNCATED',
  'FRAME_MALFORMED',
  'SCHEMA_MISMATCH',
  'UNSUPPORTED_VERSION',
  'INVALID_ARGUMENT',
  'TIMEOUT',
  'PEER_GONE',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'OVER_QUOTA',
  /** A value is larger than a limit allows (an object past the gateway's body limit). */
  'TOO_LARGE',
  'REFUSED',
  /** A request for a key reached a peer that does not own it (the ring is converging): retry it. */
  'NOT_OWNER',
  /** No live peer could serve what was asked for (every replica holder gone or lying). */
  'UNAVAILABLE',
  /** Stored data that verifies by its hash but does not hold what it must (a malformed index chunk): nothing a client can mend. */
  'CORRUPT',
  /** A file operation named a directory. */
  'IS_A_DIRECTORY',
  /** A directory operation named a file. */
  'NOT_A_DIRECTORY',
  /** A directory to remove still has entries. */
  'DIRECTORY_NOT_EMPTY',
  /** A path's parent exists but is a file. */
  'PARENT_NOT_DIRECTORY',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Codes after which a request routed to a key may be sent again: it or its answer was lost, or it
 * met the key between two owners (one crashed, or a joiner took the key).
 */
export const TRANSIENT_RING_CODES: ReadonlySet<ErrorCode | undefined> = new Set<ErrorCode>(['TIMEOUT', 'PEER_GONE', 'NOT_OWNER', 'UNAVAILABLE']);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/** The code of a thrown value, or undefined when it is not a CumulusError. */
export function errorCode(e: unknown): ErrorCode | undefined {
  return e instanceof CumulusError ? e.code : undefined;
}

export class CumulusError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.detail = detail;
  }
}

/** A frame is larger than the wire allows (64 KiB by default). */
export class FrameTooLargeError extends CumulusError {
  constructor(bytes: number, limit: number) {
    super('FRAME_TOO_LARGE', `frame of ${bytes} bytes exceeds the limit of ${limit} bytes`, { bytes, limit });
  }
}

/** The bytes end before the encoded value does. */
export class FrameTruncatedError extends CumulusError {
  constructor(message = 'frame is truncated') {
    super('FRAME_TRUNCATED', message);
  }
}

/** The bytes are not a msgpack value (or carry extensions we do not accept). */
export class FrameMalformedError extends CumulusError {
  constructor(message: string) {
    super('FRAME_MALFORMED', message);
  }
}

/** The value decoded but does not have the shape its schema demands. */
export class SchemaMismatchError extends CumulusError {
  constructor(what: string, path: string, reason: string) {
    super('SCHEMA_MISMATCH', `${what} does not match its schema at ${path || '/'}: ${reason}`, { path });
  }
}

/** The envelope names a wire version this peer does not speak. */
export class UnsupportedVersionError extends CumulusError {
  constructor(version: unknown, supported: number) {
    super('UNSUPPORTED_VERSION', `wire version ${String(version)} is not supported (this peer speaks ${supported})`, {
      version: typeof version === 'number' ? version : String(version),
      supported,
    });
  }
}

export class InvalidArgumentError extends CumulusError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

export class TimeoutError extends CumulusError {
  constructor(what: string, afterMs: number) {
    super('TIMEOUT', `${what} timed out after ${afterMs} ms`, { afterMs });
  }
}

export class PeerGoneError extends CumulusError {
  constructor(peer: string) {
    super('PEER_GONE', `peer ${peer} is gone`, { peer });
  }
}

export class NotFoundError extends CumulusError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class OverQuotaError extends CumulusError {
  constructor(neededBytes: number, freeBytes: number) {
    super('OVER_QUOTA', `needs ${neededBytes} bytes but only ${freeBytes} are free under the quota`, { neededBytes, freeBytes });
  }
}

/** A broken invariant: a bug, never an expected condition. */
export class AssertionFailedError extends CumulusError {
  constructor(message: string) {
    super('INTERNAL', `assertion failed: ${message}`);
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailedError(message);
}

/** A value or a typed error, for code paths where bad input is expected (decoding). */
export type Result<T, E extends CumulusError = CumulusError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E extends CumulusError>(error: E): { ok: false; error: E } => ({ ok: false, error });
