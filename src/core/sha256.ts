// SHA-256 for the protocol layers. The portable implementation (@noble/hashes) runs everywhere but
// hashes at ~50–150 MB/s; storage hashes every byte it moves (chunk ids, verification, etags), so
// on Node that would cap a transfer below the link's speed. A runtime may install a native
// implementation with identical output (Node's crypto); results never depend on which one runs,
// so the simulator stays deterministic.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export interface IncrementalSha256 {
  update(bytes: Uint8Array): void;
  digest(): Uint8Array;
}

export interface Sha256Impl {
  digest(bytes: Uint8Array): Uint8Array;
  create(): IncrementalSha256;
}

const portable: Sha256Impl = {
  digest: (bytes) => nobleSha256(bytes),
  create: () => {
    const h = nobleSha256.create();
    return { update: (b) => void h.update(b), digest: () => h.digest() };
  },
};

let impl: Sha256Impl = portable;

/** Install a faster implementation; it must give the same digests (installSha256 checks one). */
export function installSha256(next: Sha256Impl): void {
  const probe = new Uint8Array([0x63, 0x75, 0x6d, 0x75, 0x6c, 0x75, 0x73]);
  const a = portable.digest(probe);
  const b = next.digest(probe);
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error('installSha256: the implementation gives different digests');
  impl = next;
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return impl.digest(bytes);
}

export function sha256Stream(): IncrementalSha256 {
  return impl.create();
}
