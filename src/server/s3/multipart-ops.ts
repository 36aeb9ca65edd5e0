// The multipart operations: CreateMultipartUpload, UploadPart, ListParts, AbortMultipartUpload and
// CompleteMultipartUpload. Completing streams every part into storage, which for a large object
// takes a while: like S3, the answer's status and headers go out at once, spaces keep the
// connection alive, and the XML that follows says whether it worked.
import type { ServerResponse } from 'node:http';
import { REPLICAS } from '../../services/storage/constants.js';
import { uploadBody } from './body.js';
import { ensureParents, objectPath, requireBucket, type S3Call } from './context.js';
import { S3Error, toS3Error } from './errors.js';
import { multipartEtag, MAX_PART_NUMBER, type StagedPart, type UploadMeta } from './multipart.js';
import { errorXml, parseXml, readSmallBody, xmlDocument, xmlText } from './xml.js';

/** Every part but the last must be at least this big (S3's rule, which clients follow). */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** Most parts one ListParts page names. */
const MAX_PARTS_PAGE = 1000;
/** A CompleteMultipartUpload body names at most MAX_PART_NUMBER parts of about 100 bytes each. */
const MAX_COMPLETE_BODY_BYTES = 2 * 1024 * 1024;
/** A space goes out this often while parts are streamed into storage. */
const KEEPALIVE_MS = 10_000;

function uploadIdOf(c: S3Call): string {
  return c.query.get('uploadId') ?? '';
}

/** The upload named by the call, which must be for the call's bucket and key. */
async function uploadOf(c: S3Call): Promise<UploadMeta> {
  const meta = await c.ctx.multipart.meta(c.user, uploadIdOf(c));
  if (meta.bucket !== c.bucket || meta.key !== c.key) throw new S3Error(404, 'NoSuchUpload', 'the upload is for another key');
  return meta;
}

export async function createUpload(c: S3Call): Promise<void> {
  await requireBucket(c);
  objectPath(c);
  const contentType = c.req.headers['content-type'];
  const uploadId = await c.ctx.multipart.create(c.user, { bucket: c.bucket, key: c.key, createdMs: c.ctx.nowMs(), ...(contentType ? { contentType } : {}) });
  c.reply.code(200).type('application/xml').send(xmlDocument('InitiateMultipartUploadResult', { Bucket: c.bucket, Key: c.key, UploadId: uploadId }));
}

export async function uploadPart(c: S3Call): Promise<void> {
  const partNumber = Number(c.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new S3Error(400, 'InvalidArgument', `partNumber must be a whole number from 1 to ${MAX_PART_NUMBER}`);
  }
  if (c.req.headers['x-amz-copy-source'] !== undefined) throw new S3Error(501, 'NotImplemented', 'UploadPartCopy is not supported');
  await uploadOf(c);
  const release = c.ctx.uploads.acquire(c.user);
  try {
    const upload = uploadBody(c);
    const part = await c.ctx.multipart.putPart(c.user, uploadIdOf(c), partNumber, upload.body).catch((e: unknown) => {
      throw upload.failure() ?? e;
    });
    c.reply.header('etag', `"${part.etag}"`).code(200).send();
  } finally {
    release();
  }
}

export async function abortUpload(c: S3Call): Promise<void> {
  await uploadOf(c);
  await c.ctx.multipart.remove(c.user, uploadIdOf(c));
  c.reply.code(204).send();
}

export async function listParts(c: S3Call): Promise<void> {
  await uploadOf(c);
  const marker = Number(c.query.get('part-number-marker') ?? 0);
  const maxParts = Math.min(Number(c.query.get('max-parts') ?? MAX_PARTS_PAGE), MAX_PARTS_PAGE);
  if (!Number.isInteger(marker) || marker < 0 || !Number.isInteger(maxParts) || maxParts < 0) throw new S3Error(400, 'InvalidArgument', 'part-number-marker and max-parts must be whole numbers');
  const after = (await c.ctx.multipart.parts(c.user, uploadIdOf(c))).filter((p) => p.partNumber > marker);
  const page = after.slice(0, maxParts);
  const last = page[page.length - 1];
  c.reply.code(200).type('application/xml').send(xmlDocument('ListPartsResult', {
    Bucket: c.bucket, Key: c.key, UploadId: uploadIdOf(c), PartNumberMarker: marker,
    ...(after.length > page.length && last ? { NextPartNumberMarker: last.partNumber } : {}),
    MaxParts: maxParts, IsTruncated: after.length > page.length, StorageClass: 'STANDARD',
    Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: new Date(p.mtimeMs).toISOString(), ETag: `"${p.etag}"`, Size: p.sizeBytes })),
  }));
}

/** The parts a CompleteMultipartUpload names, checked against what was staged. */
async function chosenParts(c: S3Call): Promise<StagedPart[]> {
  const doc = parseXml((await readSmallBody(uploadBody(c).body, MAX_COMPLETE_BODY_BYTES)).toString('utf8'));
  const root = doc.CompleteMultipartUpload as { Part?: Array<{ PartNumber?: unknown; ETag?: unknown }> } | undefined;
  const named = root && typeof root === 'object' ? (root.Part ?? []) : [];
  if (named.length === 0 || named.length > MAX_PART_NUMBER) throw new S3Error(400, 'MalformedXML', `CompleteMultipartUpload names 1 to ${MAX_PART_NUMBER} parts`);
  const staged = new Map((await c.ctx.multipart.parts(c.user, uploadIdOf(c))).map((p) => [p.partNumber, p]));
  const chosen: StagedPart[] = [];
  for (const n of named) {
    const partNumber = Number(xmlText(n?.PartNumber, 'Part.PartNumber'));
    const etag = xmlText(n?.ETag, 'Part.ETag').replace(/"/g, '').toLowerCase();
    const prev = chosen[chosen.length - 1];
    if (prev && partNumber <= prev.partNumber) throw new S3Error(400, 'InvalidPartOrder', 'the parts must be listed in ascending order');
    const part = staged.get(partNumber);
    if (!part || part.etag !== etag) throw new S3Error(400, 'InvalidPart', `part ${partNumber} was not uploaded or its ETag does not match`);
    if (prev && prev.sizeBytes < MIN_PART_BYTES) throw new S3Error(400, 'EntityTooSmall', `part ${prev.partNumber} is smaller than ${MIN_PART_BYTES} bytes and is not the last`);
    chosen.push(part);
  }
  const total = chosen.reduce((s, p) => s + p.sizeBytes, 0);
  if (total > c.ctx.maxObjectBytes) throw new S3Error(400, 'EntityTooLarge', `objects are limited to ${c.ctx.maxObjectBytes} bytes`);
  return chosen;
}

export async function completeUpload(c: S3Call): Promise<void> {
  const meta = await uploadOf(c);
  await requireBucket(c);
  const parts = await chosenParts(c);
  const path = objectPath(c);
  await ensureParents(c, path);
  c.reply.hijack();
  const res = c.reply.raw;
  res.writeHead(200, { 'content-type': 'application/xml', 'x-amz-request-id': c.requestId });
  res.write('<?xml version="1.0" encoding="UTF-8"?>\n');
  const keepalive = setInterval(() => res.write(' '), KEEPALIVE_MS);
  try {
    await c.ctx.fs.put(path, c.ctx.multipart.read(parts), {
      replicas: REPLICAS.default, maxBytes: c.ctx.maxObjectBytes, sizeBytes: parts.reduce((s, p) => s + p.sizeBytes, 0),
      ...(meta.contentType ? { contentType: meta.contentType } : {}),
      md5: () => multipartEtag(parts),
    });
    await c.ctx.multipart.remove(c.user, uploadIdOf(c));
    endWith(res, xmlDocument('CompleteMultipartUploadResult', { Location: `/${c.bucket}/${c.key}`, Bucket: c.bucket, Key: c.key, ETag: `"${multipartEtag(parts)}"` }));
  } catch (e) {
    const err = toS3Error(e);
    endWith(res, errorXml(err.code, err.message, `/${c.bucket}/${c.key}`, c.requestId));
  } finally {
    clearInterval(keepalive);
  }
}

/** Finish a streamed answer with a document whose own declaration went out first. */
function endWith(res: ServerResponse, doc: string): void {
  res.end(doc.replace(/^<\?xml[^>]*\?>\n/, ''));
}
