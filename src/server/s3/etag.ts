// S3's ETag of an object. S3 clients compare it with their own MD5 of what they sent or received
// (rclone and s3cmd check it), so every S3 upload keeps the MD5 with the object (Stat.md5): of the
// body for a single PUT, S3's MD5-of-MD5s-N for one put in N parts (multipart.ts).
import type { Stat } from '../api/files.js';

/** The MD5 of no bytes: the ETag of a directory marker. */
export const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

/** The MD5 its writer kept with the object; else storage's content tag (SHA-256: objects written through the REST API). */
export function s3Etag(st: Stat): string {
  return st.md5 ?? st.etag ?? EMPTY_MD5;
}
