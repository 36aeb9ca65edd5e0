// Exit codes of the file commands, so that scripts can tell what failed without parsing text.
//   0 ok · 1 usage or invalid argument · 2 not found · 3 auth refused · 4 conflict or exists
//   5 server or network error · 6 too large or over quota
import {
  ConflictError, CumulusApiError, ForbiddenError, InvalidArgumentError, NetworkError, NotFoundError,
  RangeNotSatisfiableError, ServerError, TooLargeError, UnauthorizedError,
} from '../sdk/index.js';

export const EXIT = {
  ok: 0,
  usage: 1,
  notFound: 2,
  authRefused: 3,
  conflict: 4,
  serverOrNetwork: 5,
  tooLarge: 6,
} as const;

/** A mistake in how the command was called (missing token, bad option), not a failed request. */
export class UsageError extends Error {}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError || e instanceof InvalidArgumentError || e instanceof RangeNotSatisfiableError) return EXIT.usage;
  if (e instanceof NotFoundError) return EXIT.notFound;
  if (e instanceof UnauthorizedError || e instanceof ForbiddenError) return EXIT.authRefused;
  if (e instanceof ConflictError) return EXIT.conflict;
  if (e instanceof TooLargeError) return EXIT.tooLarge;
  if (e instanceof ServerError || e instanceof NetworkError || e instanceof CumulusApiError) return EXIT.serverOrNetwork;
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return EXIT.notFound;
  if (code === 'EACCES') return EXIT.authRefused;
  if (code === 'INVALID_ARGUMENT') return EXIT.usage;
  if (code === 'ALREADY_EXISTS') return EXIT.conflict;
  return EXIT.serverOrNetwork;
}
