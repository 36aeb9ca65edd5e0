// Signature V4, the server's side: parse the credential from the Authorization header or a
// presigned URL's query, rebuild the canonical request from exactly the headers the client signed,
// and compare the signature with the one @smithy/signature-v4 computes from the user's secret
// (its signing-key derivation and HMAC; the canonical request is built here because a server must
// sign what the client named, not what it would sign itself).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4, getCanonicalQuery } from '@smithy/signature-v4';
import type { AccessKey, AccessKeyLookup } from './keys.js';
import { S3Error } from './errors.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
/** Clocks may differ this much between client and server (S3's own allowance). */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** A presigned URL lives at most a week (S3's limit). */
export const MAX_PRESIGN_EXPIRES_S = 7 * 24 * 3600;
const MAX_AUTH_HEADER_CHARS = 4096;
const MAX_SIGNED_HEADERS = 64;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** How the body is covered by the signature (x-amz-content-sha256). */
export type PayloadMode =
  | { kind: 'unsigned' }
  | { kind: 'sha256'; hex: string }
  | { kind: 'chunked'; signed: boolean; trailer: boolean };

/** What a signed aws-chunked body needs to check each chunk's signature. */
export interface ChunkSigner {
  seedSignature: string;
  longDate: string;
  scope: string;
  sign(stringToSign: string): Promise<string>;
}

export interface Authenticated {
  key: AccessKey;
  payload: PayloadMode;
  chunks?: ChunkSigner;
}

export interface SignedRequest {
  method: string;
  /** The path exactly as the client sent it (percent-encoded, prefix included). */
  rawPath: string;
  /** Decoded query parameters in order. */
  query: Array<[string, string]>;
  headers: IncomingHttpHeaders;
  nowMs: number;
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** node:crypto as the Checksum constructor smithy's signer takes (HMAC when given a key). */
export class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {
    throw new Error('NodeSha256 is used once');
  }
}

interface Credential { accessKeyId: string; shortDate: string; region: string; service: string }

function parseCredential(text: string): Credential {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1] ?? '')) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'the credential must read ACCESSKEY/YYYYMMDD/REGION/s3/aws4_request');
  }
  const [accessKeyId, shortDate, region, service] = parts as [string, string, string, string];
  if (service !== 's3') throw new S3Error(400, 'AuthorizationHeaderMalformed', `this endpoint signs for service s3, not ${service.slice(0, 20)}`);
  if (!/^[a-z0-9-]{1,32}$/.test(region)) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'the credential names no valid region');
  return { accessKeyId, shortDate, region, service };
}

function parseLongDate(text: string | undefined): number {
  const m = text ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!m) throw new S3Error(403, 'AccessDenied', 'the request needs a valid X-Amz-Date (YYYYMMDDTHHMMSSZ)');
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, and `/` kept. */
function encodePath(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const text = Array.isArray(v) ? v.join(',') : (v ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

function pathCandidates(rawPath: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return [rawPath];
  }
  const reencoded = encodePath(decoded);
  return reencoded === rawPath ? [rawPath] : [reencoded, rawPath];
}

function canonicalQuery(query: Array<[string, string]>, skipSignature: boolean): string {
  const grouped: Record<string, string | string[]> = {};
  for (const [k, v] of query) {
    if (skipSignature && k === 'X-Amz-Signature') continue;
    const had = grouped[k];
    grouped[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  return getCanonicalQuery({ query: grouped } as never);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function payloadModeOf(value: string | undefined, presigned: boolean): PayloadMode {
  if (value === undefined) {
    if (presigned) return { kind: 'unsigned' };
    throw new S3Error(400, 'InvalidRequest', 'the x-amz-content-sha256 header is required');
  }
  if (value === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (value === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') return { kind: 'chunked', signed: true, trailer: false };
  if (value === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER') return { kind: 'chunked', signed: true, trailer: true };
  if (value === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') return { kind: 'chunked', signed: false, trailer: true };
  if (/^[0-9a-f]{64}$/.test(value)) return { kind: 'sha256', hex: value };
  throw new S3Error(400, 'InvalidArgument', 'x-amz-content-sha256 must be a SHA-256 in hex, UNSIGNED-PAYLOAD or a STREAMING- mode');
}

interface Parsed { credential: Credential; signedHeaders: string[]; signature: string; longDate: string; presigned: boolean; expiresS?: number }

function parseHeaderAuth(header: string, headers: IncomingHttpHeaders): Parsed {
  if (header.length > MAX_AUTH_HEADER_CHARS) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'the Authorization header is too long');
  if (!header.startsWith(`${ALGORITHM} `)) throw new S3Error(400, 'InvalidArgument', `only ${ALGORITHM} (Signature Version 4) is supported`);
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signed || !signature) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'the Authorization header needs Credential, SignedHeaders and Signature');
  const longDate = headerValue(headers, 'x-amz-date');
  return { credential: parseCredential(credential), signedHeaders: signed.split(';'), signature, longDate, presigned: false };
}

function parseQueryAuth(query: Map<string, string>): Parsed {
  if (query.get('X-Amz-Algorithm') !== ALGORITHM) throw new S3Error(400, 'InvalidArgument', `only ${ALGORITHM} presigned URLs are supported`);
  const credential = query.get('X-Amz-Credential');
  const signed = query.get('X-Amz-SignedHeaders');
  const signature = query.get('X-Amz-Signature');
  const expires = Number(query.get('X-Amz-Expires'));
  if (!credential || !signed || !signature) throw new S3Error(400, 'AuthorizationQueryParametersError', 'a presigned URL needs X-Amz-Credential, X-Amz-SignedHeaders and X-Amz-Signature');
  if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_EXPIRES_S) {
    throw new S3Error(400, 'InvalidArgument', `X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRES_S}`);
  }
  return { credential: parseCredential(credential), signedHeaders: signed.split(';'), signature, longDate: query.get('X-Amz-Date') ?? '', presigned: true, expiresS: expires };
}

/** Check a request's signature; the answer says whose key signed it and how the body is covered. */
export async function verifySigV4(req: SignedRequest, keys: AccessKeyLookup): Promise<Authenticated> {
  const queryMap = new Map(req.query);
  const header = req.headers.authorization;
  if (header === undefined && !queryMap.has('X-Amz-Signature')) {
    throw new S3Error(403, 'AccessDenied', 'anonymous access is not allowed: sign the request with an access key from `cumulus user add`');
  }
  const p = header !== undefined ? parseHeaderAuth(header, req.headers) : parseQueryAuth(queryMap);
  const signedAtMs = parseLongDate(p.longDate);
  if (p.longDate.slice(0, 8) !== p.credential.shortDate) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'the credential\'s date is not the request\'s date');
  if (p.signedHeaders.length > MAX_SIGNED_HEADERS || !p.signedHeaders.includes('host')) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `SignedHeaders must include host and name at most ${MAX_SIGNED_HEADERS} headers`);
  }
  const key = await keys.lookup(p.credential.accessKeyId);
  if (!key) throw new S3Error(403, 'InvalidAccessKeyId', 'the access key id you provided does not exist in our records');
  const contentSha = req.headers['x-amz-content-sha256'];
  const payload = payloadModeOf(typeof contentSha === 'string' ? contentSha : undefined, p.presigned);
  const payloadHash = p.presigned && contentSha === undefined ? 'UNSIGNED-PAYLOAD' : String(contentSha);
  const scope = `${p.credential.shortDate}/${p.credential.region}/s3/aws4_request`;
  const signer = new SignatureV4({ service: 's3', region: p.credential.region, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, sha256: NodeSha256, uriEscapePath: false });
  const sign = (text: string) => signer.sign(text, { signingDate: new Date(signedAtMs), signingRegion: p.credential.region, signingService: 's3' });
  const headerLines = p.signedHeaders.map((name) => `${name}:${headerValue(req.headers, name)}\n`).join('');
  const query = canonicalQuery(req.query, p.presigned);
  let matched = false;
  for (const path of pathCandidates(req.rawPath)) {
    const canonical = [req.method, path, query, headerLines, p.signedHeaders.join(';'), payloadHash].join('\n');
    const expected = await sign([ALGORITHM, p.longDate, scope, sha256Hex(canonical)].join('\n'));
    if (sameHex(expected, p.signature)) {
      matched = true;
      break;
    }
  }
  if (!matched) throw new S3Error(403, 'SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided: check your key and signing method');
  if (p.presigned) {
    if (req.nowMs > signedAtMs + (p.expiresS ?? 0) * 1000) throw new S3Error(403, 'AccessDenied', 'Request has expired');
    if (signedAtMs > req.nowMs + MAX_CLOCK_SKEW_MS) throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
  } else if (Math.abs(req.nowMs - signedAtMs) > MAX_CLOCK_SKEW_MS) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'the difference between the request time and the server\'s time is too large');
  }
  const chunks = payload.kind === 'chunked' && payload.signed ? { seedSignature: p.signature, longDate: p.longDate, scope, sign } : undefined;
  return { key, payload, ...(chunks ? { chunks } : {}) };
}

export { EMPTY_SHA256 };
