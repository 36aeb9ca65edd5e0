// S3's errors: a code clients switch on, an HTTP status, and an XML body. Storage's CumulusErrors
// map to the nearest S3 code by their own code, never by their message.
import { CumulusError, type ErrorCode } from '../../core/errors.js';
import { HttpError } from '../api/errors.js';

export type S3ErrorCode =
  | 'AccessDenied' | 'AuthorizationHeaderMalformed' | 'BadDigest' | 'BucketAlreadyOwnedByYou' | 'BucketNotEmpty'
  | 'EntityTooLarge' | 'EntityTooSmall' | 'IncompleteBody' | 'InternalError' | 'InvalidAccessKeyId' | 'InvalidArgument'
  | 'InvalidBucketName' | 'InvalidPart' | 'InvalidPartOrder' | 'InvalidRange' | 'InvalidRequest' | 'MalformedXML'
  | 'MethodNotAllowed' | 'MissingContentLength' | 'NoSuchBucket' | 'NoSuchKey' | 'NoSuchUpload' | 'NotImplemented'
  | 'PreconditionFailed' | 'QuotaExceeded' | 'RequestTimeout' | 'RequestTimeTooSkewed' | 'ServiceUnavailable'
  | 'SignatureDoesNotMatch' | 'SlowDown' | 'XAmzContentSHA256Mismatch' | 'KeyConflict' | 'AuthorizationQueryParametersError';

export class S3Error extends Error {
  constructor(readonly status: number, readonly code: S3ErrorCode, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'S3Error';
  }
}

/** Storage's codes as S3 sees them; NOT_FOUND is told apart (bucket or key) by the caller. */
const byCode: Partial<Record<ErrorCode, [number, S3ErrorCode]>> = {
  INVALID_ARGUMENT: [400, 'InvalidArgument'],
  SCHEMA_MISMATCH: [400, 'InvalidArgument'],
  NOT_FOUND: [404, 'NoSuchKey'],
  TOO_LARGE: [400, 'EntityTooLarge'],
  OVER_QUOTA: [403, 'QuotaExceeded'],
  // S3 lets `a` and `a/b` both be objects; a file system cannot, so the second one conflicts.
  IS_A_DIRECTORY: [409, 'KeyConflict'],
  NOT_A_DIRECTORY: [409, 'KeyConflict'],
  PARENT_NOT_DIRECTORY: [409, 'KeyConflict'],
  ALREADY_EXISTS: [409, 'KeyConflict'],
  DIRECTORY_NOT_EMPTY: [409, 'BucketNotEmpty'],
  REFUSED: [503, 'SlowDown'],
  NOT_OWNER: [503, 'SlowDown'],
  UNAVAILABLE: [503, 'ServiceUnavailable'],
  PEER_GONE: [503, 'ServiceUnavailable'],
  CANCELLED: [503, 'ServiceUnavailable'],
  TIMEOUT: [503, 'ServiceUnavailable'],
};

/** The S3 answer for anything a handler threw. */
export function toS3Error(e: unknown): S3Error {
  if (e instanceof S3Error) return e;
  if (e instanceof HttpError) {
    if (e.status === 408) return new S3Error(400, 'RequestTimeout', e.message);
    if (e.status === 413) return new S3Error(400, 'EntityTooLarge', e.message);
    if (e.status === 429) return new S3Error(503, 'SlowDown', e.message, e.headers);
    return new S3Error(e.status, e.status >= 500 ? 'InternalError' : 'InvalidRequest', e.message, e.headers);
  }
  if (e instanceof CumulusError) {
    const mapped = byCode[e.code];
    if (mapped) return new S3Error(mapped[0], mapped[1], e.message);
  }
  return new S3Error(500, 'InternalError', 'internal error');
}
