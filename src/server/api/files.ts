// The narrow interface the REST gateway needs from storage. The gateway speaks HTTP; a FileSystem
// speaks absolute, already validated paths (`/alice/home/dir/file`) and CumulusError codes. The
// LocalFileSystem (local-fs.ts) implements it over a directory on disk; the distributed storage
// service gets an adapter with the same shape, so the gateway does not change when it lands.
import { CumulusError, InvalidArgumentError } from '../../core/errors.js';

export type EntryType = 'object' | 'directory';

/** What the gateway knows about one name. Directories have no etag, size or replicas of their own. */
export interface Stat {
  /** Last path segment. */
  name: string;
  /** Absolute path, e.g. `/alice/home/photos/cat.jpg`. */
  path: string;
  type: EntryType;
  mtimeMs: number;
  /** Bytes of an object; 0 for a directory. */
  sizeBytes: number;
  /** Opaque content tag of an object; changes whenever the content does. */
  etag?: string;
  /** Replica count the object was stored with. */
  replicas?: number;
  /** Media type given when the object was stored. */
  contentType?: string;
  /** The MD5 of the content (or S3's MD5-of-MD5s-N) when the writer gave one: the S3 door's ETag. */
  md5?: string;
}

export interface FileStat extends Stat {
  type: 'object';
  etag: string;
  replicas: number;
}

/** An inclusive byte range, like HTTP's `bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutOptions {
  replicas: number;
  /** When the client announced a length, storage checks the body against it. */
  sizeBytes?: number;
  /** Storage refuses bodies longer than this (the gateway's body limit). */
  maxBytes?: number;
  contentType?: string;
  /** The writer's MD5 of the body, asked for once the body has ended (Stat.md5). */
  md5?: () => string | undefined;
}

export interface ListOptions {
  limit: number;
  /** Return names strictly after this one (names sort by UTF-16 code units). */
  marker?: string;
}

export interface ListPage {
  entries: Stat[];
  /** Marker for the next page, absent on the last one. */
  next?: string;
}

export interface Usage {
  bytesStored: number;
  /** Bytes stored counting every replica: what the cloud actually spends on this user. */
  bytesWithReplicas: number;
  objects: number;
  directories: number;
  /** Bytes of open S3 multipart uploads (their parts and records, included above), in a user's report. */
  openUploadBytes?: number;
}

export interface FileSystem {
  /** Store an object, replacing an older version. The parent directory must exist. */
  put(path: string, body: AsyncIterable<Uint8Array>, opts: PutOptions): Promise<FileStat>;
  /**
   * Open an object for reading; with a range, only those bytes are streamed. `known` is a stat this
   * FileSystem just answered for the path: a backend may read that very version instead of reading
   * the metadata again, so the body matches the headers (size, etag) already taken from it.
   */
  get(path: string, range?: ByteRange, known?: Stat): Promise<{ stat: FileStat; body: AsyncIterable<Uint8Array> }>;
  stat(path: string): Promise<Stat>;
  list(dir: string, opts: ListOptions): Promise<ListPage>;
  /** Create a directory; an existing directory is returned unchanged (PUT is idempotent). */
  mkdir(path: string, opts: { parents: boolean }): Promise<Stat>;
  /** Remove an object or an empty directory. */
  rm(path: string): Promise<void>;
  /** Totals under a directory, for the usage report. Optional: a backend may not know them cheaply. */
  usage?(dir: string): Promise<Usage>;
}

/** A path's parent exists but is an object. */
export class ParentNotDirectoryError extends CumulusError {
  constructor(parent: string, message = `${parent} is not a directory`) {
    super('PARENT_NOT_DIRECTORY', message, { path: parent });
  }
}

/**
 * A body as it passes to a FileSystem, checked on the way: more than `maxBytes` fails with
 * TOO_LARGE, and other than an announced `sizeBytes` with INVALID_ARGUMENT, before the backend
 * commits anything (so the old version stays).
 */
export async function* sizeChecked(body: AsyncIterable<Uint8Array>, opts: Pick<PutOptions, 'sizeBytes' | 'maxBytes'>): AsyncIterable<Uint8Array> {
  const limit = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  let sizeBytes = 0;
  for await (const piece of body) {
    sizeBytes += piece.length;
    if (sizeBytes > limit) throw new CumulusError('TOO_LARGE', `body exceeds the limit of ${limit} bytes`, { limit });
    if (opts.sizeBytes !== undefined && sizeBytes > opts.sizeBytes) {
      throw new InvalidArgumentError(`body is longer than the announced ${opts.sizeBytes} bytes`);
    }
    yield piece;
  }
  if (opts.sizeBytes !== undefined && sizeBytes !== opts.sizeBytes) {
    throw new InvalidArgumentError(`body has ${sizeBytes} bytes, ${opts.sizeBytes} were announced`);
  }
}
