// A peer's identity: an Ed25519 key pair whose public key names the peer. The id is the first 160
// bits of SHA-256 of the public key, so anyone can check that a key belongs to an id, and a peer
// cannot claim an id it holds no key for. The secret key is kept in the peer's Store so a
// volunteer keeps its id (and the reputation attached to it) across restarts.
import { ed25519 } from '@noble/curves/ed25519.js';
import { hashBytesToId, idToHex, type PeerId } from '../core/id.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Rng, Store } from '../env/ports.js';

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** The Store key under which the secret key is kept. */
export const IDENTITY_STORE_KEY = new TextEncoder().encode('cumulus/identity/ed25519-secret');

export interface Identity {
  readonly id: PeerId;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** The peer id a public key names. */
export function peerIdOfPublicKey(publicKey: Uint8Array): PeerId {
  return idToHex(hashBytesToId(publicKey)) as PeerId;
}

export function identityFromSecret(secretKey: Uint8Array): Identity {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new InvalidArgumentError(`an Ed25519 secret key has ${SECRET_KEY_BYTES} bytes, got ${secretKey.length}`);
  const secret = new Uint8Array(secretKey);
  const publicKey = ed25519.getPublicKey(secret);
  return {
    id: peerIdOfPublicKey(publicKey),
    publicKey,
    sign: (message) => ed25519.sign(message, secret),
  };
}

/** A fresh identity from the Rng's bytes (a CryptoRng in production). */
export function createIdentity(rng: Rng): Identity {
  return identityFromSecret(rng.bytes(SECRET_KEY_BYTES));
}

/** The identity kept in the store, or a new one that is then kept there. */
export async function loadOrCreateIdentity(store: Store, rng: Rng): Promise<Identity> {
  const kept = await store.get(IDENTITY_STORE_KEY);
  if (kept && kept.length === SECRET_KEY_BYTES) return identityFromSecret(kept);
  const secret = rng.bytes(SECRET_KEY_BYTES);
  await store.put(IDENTITY_STORE_KEY, secret);
  return identityFromSecret(secret);
}

/**
 * Does the signature over message verify under publicKey, and does that key name claimedId?
 * Never throws: malformed keys and signatures are simply not valid.
 */
export function verifyClaim(claimedId: string, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_BYTES || signature.length !== SIGNATURE_BYTES) return false;
  if (peerIdOfPublicKey(publicKey) !== claimedId) return false;
  try {
    return ed25519.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
