// Storage's named errors. Each uses a stable code from src/core/errors.ts, so that a client
// (CLI, REST gateway) can map them without parsing messages.
import { CumulusError, type ErrorCode } from '../../core/errors.js';

export class IsADirectoryError extends CumulusError {
  constructor(path: string) {
    super('IS_A_DIRECTORY', `${path} is a directory`, { path });
  }
}

export class NotADirectoryError extends CumulusError {
  constructor(path: string) {
    super('NOT_A_DIRECTORY', `${path} is not a directory`, { path });
  }
}

export class DirectoryNotEmptyError extends CumulusError {
  constructor(path: string) {
    super('DIRECTORY_NOT_EMPTY', `directory ${path} is not empty`, { path });
  }
}

/** A holder answered with bytes whose hash is not the chunk id. */
export class ChunkCorruptError extends CumulusError {
  constructor(chunk: string, peer: string) {
    super('REFUSED', `holder ${peer} returned bytes that do not hash to chunk ${chunk}`, { chunk, peer });
  }
}

/** One place a reader looked for a chunk, and why it came away without it. */
export interface ReadAttempt {
  /** `holder ab12cd34` (a recorded holder) or `candidate 3` (the owner of candidate key 3). */
  where: string;
  /** The error's code, `CORRUPT` for bytes that did not hash to the chunk id. */
  code: string;
}

/** Attempts a message names one by one; the rest are counted by code. */
const NAMED_ATTEMPTS = 8;

/**
 * No replica of a chunk could be read (every holder dead, lying or missing it). The message says
 * which holders and candidate keys were tried and how each failed; `detail.tried` lists them all.
 */
export class ChunkUnavailableError extends CumulusError {
  constructor(chunk: string, tried: readonly ReadAttempt[]) {
    const named = tried.slice(0, NAMED_ATTEMPTS).map((t) => `${t.where} ${t.code}`);
    const rest = new Map<string, number>();
    for (const t of tried.slice(NAMED_ATTEMPTS)) rest.set(t.code, (rest.get(t.code) ?? 0) + 1);
    const more = [...rest].map(([code, n]) => `${n} more ${code}`);
    super('UNAVAILABLE', `no live, valid replica of chunk ${chunk}: tried ${tried.length} (${[...named, ...more].join(', ')})`, { chunk, tried });
  }
}

/** Why one candidate or neighbour did not take a replica: where it was, and the error's code. */
export interface PlacementFailure {
  where: string;
  code: ErrorCode | 'error';
}

/** A write could not place r replicas of a chunk. */
export class ReplicationFailedError extends CumulusError {
  constructor(chunk: string, placed: number, wanted: number, failures: readonly PlacementFailure[]) {
    // When every candidate refused for lack of room, the put failed for quota: say so in the code.
    const code: ErrorCode = failures.length > 0 && failures.every((f) => f.code === 'OVER_QUOTA') ? 'OVER_QUOTA' : 'REFUSED';
    const reasons = failures.slice(0, 4).map((f) => `${f.where}: ${f.code}`);
    super(code, `chunk ${chunk}: stored ${placed} of ${wanted} replicas (${reasons.join('; ')})`, { chunk, placed, wanted });
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

/**
 * A metadata request reached a peer that does not own the key (the ring is still converging).
 * The client retries it (by its code, NOT_OWNER): acting on it would store the record where
 * nobody will look.
 */
export class NotOwnerError extends CumulusError {
  constructor(path: string) {
    super('NOT_OWNER', `not the owner of ${path}; retry once the ring has settled`, { path });
  }
}
