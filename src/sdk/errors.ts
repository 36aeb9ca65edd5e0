// Typed errors of the SDK. The gateway answers failures with `{ code, message }`; the SDK turns
// them into classes a caller can test with instanceof, and keeps the status and code for logs.

export class CumulusApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: a bad path, header or query. */
export class InvalidArgumentError extends CumulusApiError {}
/** 401: no token, or one the server does not know. */
export class UnauthorizedError extends CumulusApiError {}
/** 403: the path belongs to another user. */
export class ForbiddenError extends CumulusApiError {}
/** 404: no such object or directory. */
export class NotFoundError extends CumulusApiError {}
/** 409 or 412: something is in the way (exists, not empty, a precondition failed). */
export class ConflictError extends CumulusApiError {}
/** 413 or 507: too large for the gateway, or over the quota. */
export class TooLargeError extends CumulusApiError {}
/** 416: the range lies outside the object. */
export class RangeNotSatisfiableError extends CumulusApiError {}
/** 429: too many requests of this user in flight (e.g. uploads); retry after a moment. */
export class TooManyRequestsError extends CumulusApiError {}
/** 501: the route is reserved for a service the gateway does not run yet. */
export class NotImplementedError extends CumulusApiError {}
/** 5xx: the gateway or the cloud behind it failed. */
export class ServerError extends CumulusApiError {}

/** The request never got an HTTP answer (refused connection, DNS, reset). */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

/** Longest error body read from the server; longer ones are cut. */
export const MAX_ERROR_BODY_BYTES = 16 * 1024;

export function errorClassFor(status: number): typeof CumulusApiError {
  switch (status) {
    case 400: return InvalidArgumentError;
    case 401: return UnauthorizedError;
    case 403: return ForbiddenError;
    case 404: return NotFoundError;
    case 409: case 412: return ConflictError;
    case 413: case 507: return TooLargeError;
    case 416: return RangeNotSatisfiableError;
    case 429: return TooManyRequestsError;
    case 501: return NotImplementedError;
    default: return status >= 500 ? ServerError : CumulusApiError;
  }
}

/** Read a failed response into a typed error. HEAD answers have no body, so the status decides. */
export async function errorFromResponse(res: Response, what: string): Promise<CumulusApiError> {
  let code = `Http${res.status}`;
  let message = `${what}: HTTP ${res.status} ${res.statusText}`.trim();
  const text = (await res.text().catch(() => '')).slice(0, MAX_ERROR_BODY_BYTES);
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.message === 'string') message = `${what}: ${body.message}`;
  } catch {
    // Not JSON (a proxy's HTML page, or a HEAD answer): keep the status line.
  }
  const Cls = errorClassFor(res.status);
  return new Cls(res.status, code, message);
}
