// Paths name files and directories: absolute, '/'-separated, no empty, '.' or '..' components.
// Names are compared and sorted as JavaScript strings (UTF-16 code units); list uses that order.
import { hashNameToId, type Id } from '../../core/id.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { MAX_NAME_BYTES, MAX_PATH_BYTES } from './constants.js';

const encoder = new TextEncoder();

/** Normalise a path ('/a//b/' → '/a/b') or throw INVALID_ARGUMENT. The root is '/'. */
export function normalizePath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidArgumentError(`path must be absolute: ${JSON.stringify(path)}`);
  if (encoder.encode(path).length > MAX_PATH_BYTES) throw new InvalidArgumentError(`path longer than ${MAX_PATH_BYTES} bytes`);
  const parts = path.split('/').filter((p) => p.length > 0);
  for (const p of parts) {
    if (p === '.' || p === '..') throw new InvalidArgumentError(`path may not contain '.' or '..': ${path}`);
    if (encoder.encode(p).length > MAX_NAME_BYTES) throw new InvalidArgumentError(`name longer than ${MAX_NAME_BYTES} bytes in ${path}`);
    // Control characters would make listings and logs ambiguous.
    if (/[\u0000-\u001f\u007f]/.test(p)) throw new InvalidArgumentError(`path contains a control character: ${JSON.stringify(path)}`);
  }
  return '/' + parts.join('/');
}

/** The parent of a normalised path ('/a/b' → '/a', '/a' → '/'); the root has none. */
export function parentOf(path: string): string | undefined {
  if (path === '/') return undefined;
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

/** The last component of a normalised path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The ring key of a path: its sKeeper is the key's owner. */
export function pathKey(path: string): Id {
  return hashNameToId(path);
}
