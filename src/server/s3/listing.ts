// ListObjects (v1 and v2) over a directory tree. S3 keys are flat and sorted; a bucket here is a
// directory, so its keys are walked depth first with each directory's entries sorted as their keys
// sort (a directory `a` as `a/`), which yields keys in S3's order. With the delimiter `/` a
// directory under the prefix is one common prefix and is not descended into; pages start strictly
// after the last key or prefix of the previous page.
import type { FileSystem, Stat } from '../api/files.js';

/** Entries of one directory read into memory to sort them (pages of the FileSystem's own size). */
export const MAX_DIR_ENTRIES = 100_000;
const FS_PAGE = 1000;

export interface ListRequest {
  /** The bucket's directory, e.g. /alice/home/photos. */
  bucketPath: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  /** Keys and prefixes up to and including this one are skipped. */
  startAfter: string;
}

export interface ListResult {
  objects: Array<{ key: string; stat: Stat }>;
  prefixes: string[];
  truncated: boolean;
  /** The last key or prefix of this page, when truncated. */
  next?: string;
}

type Item = { key: string; stat: Stat } | { prefix: string };

async function readDir(fs: FileSystem, path: string): Promise<Stat[]> {
  const all: Stat[] = [];
  let marker: string | undefined;
  do {
    const page = await fs.list(path, { limit: FS_PAGE, ...(marker !== undefined ? { marker } : {}) });
    all.push(...page.entries);
    marker = page.next;
  } while (marker !== undefined && all.length < MAX_DIR_ENTRIES);
  const sortKey = (s: Stat) => (s.type === 'directory' ? `${s.name}/` : s.name);
  return all.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** Walk keys under `dirKey` (`` or `a/b/`) in order, pruning subtrees the request cannot reach. */
async function* walk(fs: FileSystem, dirPath: string, dirKey: string, r: ListRequest): AsyncGenerator<Item> {
  for (const s of await readDir(fs, dirPath)) {
    if (s.type === 'object') {
      const key = dirKey + s.name;
      if (key.startsWith(r.prefix) && key > r.startAfter) yield { key, stat: s };
      continue;
    }
    const sub = `${dirKey}${s.name}/`;
    if (!sub.startsWith(r.prefix) && !r.prefix.startsWith(sub)) continue;
    // Every key below `sub` sorts before startAfter: skip the subtree.
    if (r.startAfter > sub && !r.startAfter.startsWith(sub)) continue;
    if (r.delimiter === '/' && sub.startsWith(r.prefix) && sub.length > r.prefix.length) {
      if (sub > r.startAfter) yield { prefix: sub };
      continue;
    }
    yield* walk(fs, `${dirPath}/${s.name}`, sub, r);
  }
}

export async function listObjects(fs: FileSystem, r: ListRequest): Promise<ListResult> {
  const out: ListResult = { objects: [], prefixes: [], truncated: false };
  if (r.maxKeys === 0) return out;
  let last = '';
  let count = 0;
  for await (const item of walk(fs, r.bucketPath, '', r)) {
    let entry: Item = item;
    // Another delimiter than `/` groups keys by where it first appears after the prefix.
    if ('key' in item && r.delimiter !== '') {
      const at = item.key.indexOf(r.delimiter, r.prefix.length);
      if (at >= 0) entry = { prefix: item.key.slice(0, at + r.delimiter.length) };
    }
    const name = 'key' in entry ? entry.key : entry.prefix;
    if (name === last || name <= r.startAfter) continue;
    if (count === r.maxKeys) {
      out.truncated = true;
      out.next = last;
      break;
    }
    if ('key' in entry) out.objects.push(entry);
    else out.prefixes.push(entry.prefix);
    last = name;
    count++;
  }
  return out;
}
