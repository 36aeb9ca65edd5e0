// S3's XML: answers built with fast-xml-parser's builder, and request bodies (DeleteObjects,
// CompleteMultipartUpload) parsed with entities and attributes off, every value kept a string,
// and a byte limit checked before parsing.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { S3Error } from './errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', suppressEmptyNode: false, processEntities: true });
const parser = new XMLParser({
  ignoreAttributes: true, processEntities: false, parseTagValue: false, parseAttributeValue: false,
  ignoreDeclaration: true, ignorePiTags: true, trimValues: true, removeNSPrefix: true,
  isArray: (name) => name === 'Object' || name === 'Part',
});

/** An XML document with one root element, in S3's namespace. */
export function xmlDocument(root: string, body: Record<string, unknown>): string {
  return DECLARATION + (builder.build({ [root]: { '@xmlns': S3_NS, ...body } }) as string);
}

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return DECLARATION + (builder.build({ Error: { Code: code, Message: message, Resource: resource, RequestId: requestId } }) as string);
}

/** Parse a request body already read within its limit; anything not XML is MalformedXML. */
export function parseXml(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parser.parse(text, true);
  } catch (e) {
    throw new S3Error(400, 'MalformedXML', `the XML you provided was not well formed: ${(e as Error).message.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null) throw new S3Error(400, 'MalformedXML', 'the body is not an XML document');
  return value as Record<string, unknown>;
}

/** Read a small body (an XML request) whole, refusing more than `maxBytes`. */
export async function readSmallBody(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const piece of body) {
    total += piece.length;
    if (total > maxBytes) throw new S3Error(400, 'MalformedXML', `request bodies of this operation are limited to ${maxBytes} bytes`);
    parts.push(piece);
  }
  return Buffer.concat(parts);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A text value of a parsed body with XML's predefined and numeric character references decoded.
 * The parser leaves entities alone on purpose (no DOCTYPE expansion), so this is the only place
 * they are decoded; anything but a string (a nested element where text belongs) is refused.
 */
export function xmlText(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new S3Error(400, 'MalformedXML', `${what} must be text`);
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16), whole);
    if (ref.startsWith('#')) return safeCodePoint(parseInt(ref.slice(1), 10), whole);
    return ENTITIES[ref] ?? whole;
  });
}

function safeCodePoint(n: number, fallback: string): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : fallback;
}
