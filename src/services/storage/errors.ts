// Storage's named errors. Each uses a stable code from src/core/errors.ts, so that a client
// (CLI, REST gateway) can map them without parsing messages.
import { CumulusError, type ErrorCode } from '../../core/errors.js';

export class IsADirectoryError extends CumulusError {
  constructor(path: string) {
    super('ALREADY_EXISTS', `${path} is a directory`, { path });
  }
}

export class NotADirectoryError extends CumulusError {
  constructor(path: string) {
    super('INVALID_ARGUMENT', `${path} is not a directory`, { path });
  }
}

export class DirectoryNotEmptyError extends CumulusError {
  constructor(path: string) {
    super('REFUSED', `directory ${path} is not empty`, { path });
  }
}

/** A holder answered with bytes whose hash is not the chunk id. */
export class ChunkCorruptError extends CumulusError {
  constructor(chunk: string, peer: string) {
    super('REFUSED', `holder ${peer} returned bytes that do not hash to chunk ${chunk}`, { chunk, peer });
  }
}

/** No replica of a chunk could be read (every holder dead, lying or missing it). */
export class ChunkUnavailableError extends CumulusError {
  constructor(chunk: string, tried: number) {
    super('NOT_FOUND', `no live, valid replica of chunk ${chunk} (tried ${tried} holders)`, { chunk, tried });
  }
}

/** A write could not place r replicas of a chunk. */
export class ReplicationFailedError extends CumulusError {
  constructor(chunk: string, placed: number, wanted: number, reasons: string[]) {
    // When every candidate refused for lack of room, the put failed for quota: say so in the code.
    const code: ErrorCode = reasons.length > 0 && reasons.every((r) => r.endsWith('OVER_QUOTA')) ? 'OVER_QUOTA' : 'REFUSED';
    super(code, `chunk ${chunk}: stored ${placed} of ${wanted} replicas (${reasons.slice(0, 4).join('; ')})`, { chunk, placed, wanted });
  }
}

/** An error a peer reported in a reply body, rebuilt on this side with the same code. */
export class RemoteError extends CumulusError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}

/** A peer declines a request it understood (overrun piece, too many transfers at once). */
export class RefusedError extends CumulusError {
  constructor(message: string) {
    super('REFUSED', message);
  }
}

/** Messages of NotOwnerError start with this, so a client can tell it apart after the wire. */
export const NOT_OWNER_PREFIX = 'not the owner of';

/**
 * A metadata request reached a peer that does not own the key (the ring is still converging).
 * The client retries it: acting on it would store the record where nobody will look.
 */
export class NotOwnerError extends CumulusError {
  constructor(path: string) {
    super('REFUSED', `${NOT_OWNER_PREFIX} ${path}; retry once the ring has settled`, { path });
  }
}
