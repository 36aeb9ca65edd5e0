// What the browser bundles get for Node's `buffer` module, instead of the 25 KiB polyfill esbuild
// would otherwise pull in for `level` (abstract-level, level-transcoder). The tab opens its store
// with the 'view' (Uint8Array) encoding for keys and values (runtime/level-store.ts), which
// IndexedDB takes as it is, so no Buffer is ever made; level-transcoder's own fallback for a
// platform without Buffer is this same object (its utf8 encoder asks `Buffer.isBuffer`).
// Using a 'buffer' encoding or a sublevel in the browser would need the real polyfill back.
export const Buffer = { isBuffer: (_value: unknown): boolean => false };
