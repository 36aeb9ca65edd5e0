// How failures become HTTP answers. Every error body is `{ code, message }`, with Manta-style
// PascalCase codes that a client can switch on, and the status that goes with it.
import { CumulusError, type ErrorCode } from '../../core/errors.js';

export type ApiErrorCode =
  | 'InvalidArgument' | 'InvalidPath' | 'Unauthorized' | 'Forbidden' | 'ResourceNotFound' | 'AlreadyExists'
  | 'DirectoryNotEmpty' | 'ParentNotDirectory' | 'NotADirectory' | 'IsADirectory' | 'PreconditionFailed'
  | 'RequestTooLarge' | 'RangeNotSatisfiable' | 'QuotaExceeded' | 'NotImplemented' | 'Timeout'
  | 'RequestTimeout' | 'TooManyRequests'
  | 'ServiceUnavailable' | 'InternalError';

/** An error the gateway answers with directly. */
export class HttpError extends Error {
  /** `headers` go out with the answer (e.g. Retry-After). */
  constructor(readonly status: number, readonly code: ApiErrorCode, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * The status and API code of every error code, and nothing else: the gateway never reads a
 * message to decide. REFUSED, NOT_OWNER and UNAVAILABLE are the cloud saying "not now" (the ring
 * converging, too few peers for the replicas asked for, too many requests in flight, every holder
 * of a chunk gone), so a client may retry: 503.
 */
const byCode: Record<ErrorCode, [number, ApiErrorCode]> = {
  INVALID_ARGUMENT: [400, 'InvalidArgument'],
  SCHEMA_MISMATCH: [400, 'InvalidArgument'],
  FRAME_TOO_LARGE: [413, 'RequestTooLarge'],
  FRAME_TRUNCATED: [400, 'InvalidArgument'],
  FRAME_MALFORMED: [400, 'InvalidArgument'],
  UNSUPPORTED_VERSION: [400, 'InvalidArgument'],
  NOT_FOUND: [404, 'ResourceNotFound'],
  ALREADY_EXISTS: [409, 'AlreadyExists'],
  OVER_QUOTA: [507, 'QuotaExceeded'],
  TOO_LARGE: [413, 'RequestTooLarge'],
  IS_A_DIRECTORY: [409, 'IsADirectory'],
  NOT_A_DIRECTORY: [400, 'NotADirectory'],
  DIRECTORY_NOT_EMPTY: [409, 'DirectoryNotEmpty'],
  PARENT_NOT_DIRECTORY: [409, 'ParentNotDirectory'],
  REFUSED: [503, 'ServiceUnavailable'],
  NOT_OWNER: [503, 'ServiceUnavailable'],
  UNAVAILABLE: [503, 'ServiceUnavailable'],
  // A stored large object whose index chunk is not a valid index: nothing the client can change.
  CORRUPT: [500, 'InternalError'],
  TIMEOUT: [504, 'Timeout'],
  PEER_GONE: [503, 'ServiceUnavailable'],
  CANCELLED: [503, 'ServiceUnavailable'],
  INTERNAL: [500, 'InternalError'],
};

export interface ErrorAnswer {
  status: number;
  body: { code: ApiErrorCode; message: string };
  headers?: Readonly<Record<string, string>>;
}

/** Map anything thrown by a handler (or by Fastify's own validation) to a status and a body. */
export function toErrorAnswer(e: unknown): ErrorAnswer {
  if (e instanceof HttpError) return { status: e.status, body: { code: e.code, message: e.message }, headers: e.headers };
  if (e instanceof CumulusError) {
    const [status, code] = byCode[e.code];
    return { status, body: { code, message: e.message } };
  }
  const fe = e as { validation?: unknown; statusCode?: number; code?: string; message?: string };
  if (fe.validation) return { status: 400, body: { code: 'InvalidArgument', message: fe.message ?? 'invalid request' } };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, body: { code: 'RequestTooLarge', message: fe.message ?? '' } };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { code: 'InvalidArgument', message: fe.message ?? 'bad request' } };
  }
  return { status: 500, body: { code: 'InternalError', message: 'internal error' } };
}
