// Link claims: identity is bound to a link here, during signaling (the map of the whole signaling
// path is in src/services/signal/index.ts). An offer or answer carries the sender's Ed25519 public key
// and its signature over the DTLS fingerprint found in the SDP (plus both ids and the session,
// so it cannot be replayed to another peer or session). The receiver checks that the key hashes
// to the claimed id and that the signature verifies; DTLS then proves the remote end holds the
// certificate with that fingerprint. A peer cannot hold a link under an id it has no key for.
import { bytesToHex, hexToBytes, type PeerId } from '../core/id.js';
import type { Identity } from './identity.js';
import { verifyClaim } from './identity.js';
import { SIGNAL_VERSION, type SignalDescription } from '../services/signal/messages.js';

/**
 * The DTLS fingerprint an SDP declares, e.g. "sha-256 AB:CD:…", normalized. An SDP may repeat it
 * per media section; every copy must agree, or there is none we could sign.
 */
export function sdpFingerprint(sdp: string): string | null {
  const found = new Set<string>();
  for (const m of sdp.matchAll(/^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/gm)) found.add(`${m[1]!.toLowerCase()} ${m[2]!.toUpperCase()}`);
  return found.size === 1 ? [...found][0]! : null;
}

function signedPayload(type: 'offer' | 'answer', from: string, to: string, sid: string, fingerprint: string): Uint8Array {
  return new TextEncoder().encode(`cumulus-link-v1|${type}|${from}|${to}|${sid}|${fingerprint}`);
}

/** Build a signed offer or answer for an SDP this peer generated. */
export function signDescription(identity: Identity, to: PeerId, type: 'offer' | 'answer', sid: string, sdp: string): SignalDescription | null {
  const fp = sdpFingerprint(sdp);
  if (!fp) return null;
  const sig = identity.sign(signedPayload(type, identity.id, to, sid, fp));
  return { v: SIGNAL_VERSION, type, sid, sdp, publicKey: bytesToHex(identity.publicKey), sig: bytesToHex(sig) } as SignalDescription;
}

/** Is this description really from `from`, meant for `to`, and bound to its SDP's fingerprint? */
export function verifyDescription(from: PeerId, to: PeerId, msg: SignalDescription): boolean {
  const fp = sdpFingerprint(msg.sdp);
  if (!fp) return false;
  return verifyClaim(from, hexToBytes(msg.publicKey), signedPayload(msg.type, from, to, msg.sid, fp), hexToBytes(msg.sig));
}
