// Proves the aws-chunked decoder against AWS's own example of a signed streaming upload (its seed and chunk signatures), and that a changed byte, a missing final chunk or bytes after it fail the body.
import { describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { decodeAwsChunked } from './chunked.js';
import { NodeSha256, type ChunkSigner } from './sigv4.js';

// The example of AWS's "Signature Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks": 66,560 bytes of 'a' in chunks of 65,536 and 1,024 bytes, then the empty chunk.
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const SIGS = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: NodeSha256, credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET } });
const chunkSigner: ChunkSigner = {
  seedSignature: SEED, longDate: '20130524T000000Z', scope: '20130524/us-east-1/s3/aws4_request',
  sign: (text) => signer.sign(text, { signingDate: new Date(Date.UTC(2013, 4, 24)), signingRegion: 'us-east-1', signingService: 's3' }),
};

function body(sizes: number[], fill = 'a', tail = '\r\n'): Buffer[] {
  return sizes.map((n, i) => Buffer.concat([Buffer.from(`${n.toString(16)};chunk-signature=${SIGS[i]}\r\n`), Buffer.alloc(n, fill), Buffer.from(n === 0 ? tail : '\r\n')]));
}

async function decode(pieces: Buffer[]): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const p of decodeAwsChunked((async function* () { yield* pieces; })(), chunkSigner, false)) out.push(p);
  return Buffer.concat(out);
}

describe('aws-chunked bodies', () => {
  it('decodes AWS\'s signed example, checking every chunk signature in its chain', async () => {
    const pieces = body([65_536, 1024, 0]);
    // Split across arbitrary boundaries, as a socket delivers it.
    const all = Buffer.concat(pieces);
    const split = [all.subarray(0, 7), all.subarray(7, 70_000), all.subarray(70_000)];
    expect((await decode(split)).equals(Buffer.alloc(66_560, 'a'))).toBe(true);
  });

  it('fails a body whose bytes changed, which ends early, or which goes on after the last chunk', async () => {
    await expect(decode(body([65_536, 1024, 0], 'b'))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(decode(body([65_536, 1024]))).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(decode(body([65_536, 1024, 0], 'a', '\r\nextra\r\n'))).rejects.toMatchObject({ code: 'IncompleteBody' });
  });
});
