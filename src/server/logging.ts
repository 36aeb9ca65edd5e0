// The server's structured logs (pino, one JSON object per line on stderr): one line per HTTP
// request with its id (also sent back as x-request-id), and the server's own warnings. Secrets
// never reach a line: headers are not logged, and the signature, credential and token parameters
// of a URL are replaced before it is.
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino, { type DestinationStream } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  level: LogLevel;
  /** Where lines go (default stderr, so stdout stays for a command's own output). */
  destination?: DestinationStream;
}

/** URL query parameters whose values are secrets or signatures. */
const SECRET_PARAMS = /([?&](?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|token|access_token)=)[^&]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

export function createLogger(o: LogOptions): FastifyBaseLogger {
  return pino({
    level: o.level, base: { svc: 'cumulus-server' },
    // Belt and braces: should a header bag ever be logged, its secrets are not.
    redact: { paths: ['headers.authorization', 'req.headers.authorization', '*.authorization', '*.secretAccessKey', '*.token'], censor: '[redacted]' },
  }, o.destination ?? pino.destination(2));
}

/** A request id: 16 hex characters, unique enough to find one request's lines. */
export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** One line per answered request, and the id on every answer. */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const status = reply.statusCode;
    const line = {
      method: req.method, url: redactUrl(req.url).slice(0, 1024), route: req.routeOptions.url ?? null, status,
      ms: Math.round(reply.elapsedTime * 10) / 10, remote: req.ip,
    };
    if (status >= 500) req.log.error(line, 'request');
    else req.log.info(line, 'request');
  });
}
