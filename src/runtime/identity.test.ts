// Proves a peer id is the first 160 bits of SHA-256 of its Ed25519 key, that the identity survives
// a restart through the Store, and that claims with the wrong key or signature are refused.
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../core/id.js';
import { MemoryStore } from '../env/memory-store.js';
import { CryptoRng } from './rng.js';
import { createIdentity, loadOrCreateIdentity, verifyClaim } from './identity.js';

describe('identity', () => {
  it('names a peer by the truncated SHA-256 of its public key', () => {
    const id = createIdentity(new CryptoRng());
    expect(id.id).toBe(bytesToHex(sha256(id.publicKey)).slice(0, 40));
    expect(id.publicKey).toHaveLength(32);
  });

  it('keeps the same identity across a restart through the store', async () => {
    const store = new MemoryStore();
    const first = await loadOrCreateIdentity(store, new CryptoRng());
    const again = await loadOrCreateIdentity(store, new CryptoRng());
    expect(again.id).toBe(first.id);
  });

  it('verifies only the right key, id and signature', () => {
    const a = createIdentity(new CryptoRng());
    const b = createIdentity(new CryptoRng());
    const msg = new TextEncoder().encode('fingerprint');
    const sig = a.sign(msg);
    expect(verifyClaim(a.id, a.publicKey, msg, sig)).toBe(true);
    expect(verifyClaim(b.id, a.publicKey, msg, sig)).toBe(false);
    expect(verifyClaim(a.id, a.publicKey, new TextEncoder().encode('other'), sig)).toBe(false);
    expect(verifyClaim(a.id, a.publicKey, msg, new Uint8Array(64))).toBe(false);
    expect(verifyClaim(a.id, new Uint8Array(3), msg, sig)).toBe(false);
  });
});
