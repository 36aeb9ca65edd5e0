// Path validation at the HTTP boundary. A path that comes out of here is absolute, has no empty,
// `.` or `..` segments, no NUL or control characters, and bounded lengths, so storage (and the
// disk under LocalFileSystem) never sees a name that could climb out of a user's home.
import { InvalidArgumentError } from '../../core/errors.js';

/** Longest path accepted, in UTF-8 bytes: generous for people, small enough for a log line. */
export const MAX_PATH_BYTES = 1024;
/** Longest segment, in UTF-8 bytes: the common file-system name limit. */
export const MAX_SEGMENT_BYTES = 255;
/** Deepest nesting accepted below a home directory. */
export const MAX_DEPTH = 64;

/** User names: lower-case, start with a letter, at most 32 characters, no dots (tokens use one). */
export const USER_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,31}$';
const userNameRe = new RegExp(USER_NAME_PATTERN);
/** Names that would collide with the server's own top-level routes. */
const RESERVED_USER_NAMES = new Set(['nodes', 'health', 'metrics', 'openapi', 'ws', 'api', 'static', 'status', 'admin', 's3']);

const encoder = new TextEncoder();
const controlRe = /[\u0000-\u001f\u007f]/;

export function checkUserName(name: string): string {
  if (!userNameRe.test(name)) {
    throw new InvalidArgumentError(`user name "${name.slice(0, 40)}" must match ${USER_NAME_PATTERN}`);
  }
  if (RESERVED_USER_NAMES.has(name)) throw new InvalidArgumentError(`user name "${name}" is reserved`);
  return name;
}

/**
 * The directory of a user's open S3 multipart uploads, beside the home (listings of the home never
 * show it); its parts count in the user's usage.
 */
export function uploadsPath(user: string): string {
  return `/${user}/s3-uploads`;
}

/**
 * Validate the part of a URL after `/:user/home/` (already percent-decoded) and return the
 * absolute storage path. One trailing slash is allowed (`dir/` names `dir`); anything else odd is
 * a 400 with a message that says which rule was broken.
 */
export function homePath(user: string, rest: string): string {
  const home = `/${user}/home`;
  const trimmed = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  if (trimmed === '') return home;
  if (encoder.encode(trimmed).length > MAX_PATH_BYTES) {
    throw new InvalidArgumentError(`path is longer than ${MAX_PATH_BYTES} bytes`);
  }
  if (controlRe.test(trimmed)) throw new InvalidArgumentError('path contains NUL or control characters');
  const segments = trimmed.split('/');
  if (segments.length > MAX_DEPTH) throw new InvalidArgumentError(`path is deeper than ${MAX_DEPTH} levels`);
  for (const s of segments) {
    if (s === '') throw new InvalidArgumentError('path has an empty segment (two slashes in a row or a leading slash)');
    if (s === '.' || s === '..') throw new InvalidArgumentError('path may not contain "." or ".." segments');
    if (encoder.encode(s).length > MAX_SEGMENT_BYTES) {
      throw new InvalidArgumentError(`path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
  return `${home}/${segments.join('/')}`;
}

/** Split an absolute storage path into its segments, checking it again (defence in depth). */
export function storageSegments(path: string): string[] {
  if (!path.startsWith('/')) throw new InvalidArgumentError(`storage path "${path.slice(0, 80)}" is not absolute`);
  if (path === '/') return [];
  const segments = path.slice(1).split('/');
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || controlRe.test(s)) {
      throw new InvalidArgumentError(`storage path "${path.slice(0, 80)}" is not normalized`);
    }
  }
  return segments;
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return path.slice(i + 1);
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
