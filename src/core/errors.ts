// Named errors with stable codes. Expected conditions (bad input, timeouts, a peer gone, not
// found, over quota) are these errors; a broken invariant is an `assert` that fails loudly.

export type ErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'FRAME_TRUNCATED'
  | 'FRAME_MALFORMED'
  | 'SCHEMA_MISMATCH'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_ARGUMENT'
  | 'TIMEOUT'
  | 'PEER_GONE'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'OVER_QUOTA'
  | 'REFUSED'
  | 'CANCELLED'
  | 'INTERNAL';

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
