// Node's own SHA-256 (OpenSSL, several hundred MB/s) for the protocol layers, which otherwise use
// the portable one; see core/sha256.ts. Installed by every Node peer before it starts.
import { createHash } from 'node:crypto';
import { installSha256 } from '../core/sha256.js';

let installed = false;

export function installNodeSha256(): void {
  if (installed) return;
  installSha256({
    digest: (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()),
    create: () => {
      const h = createHash('sha256');
      return { update: (b) => void h.update(b), digest: () => new Uint8Array(h.digest()) };
    },
  });
  installed = true;
}
