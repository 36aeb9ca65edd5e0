// Signaling: how two peers that have no link yet exchange the offer, answer and ICE candidates
// that set one up. The Signaler port is deliberately small and transport-agnostic: the first link
// of a joining peer is signaled through the rendezvous server (ws-signaler.ts), every later one
// through the overlay (services/signal), and tests use an in-memory hub (memory-signaler.ts).
//
// Identity is bound to the link here. An offer or answer carries the sender's Ed25519 public key
// and its signature over the DTLS fingerprint found in the SDP (plus both ids and the session,
// so it cannot be replayed to another peer or session). The receiver checks that the key hashes
// to the claimed id and that the signature verifies; DTLS then proves the remote end holds the
// certificate with that fingerprint. A peer cannot hold a link under an id it has no key for.
import type { PeerId } from '../core/id.js';
import { bytesToHex } from '../core/id.js';
import type { Identity } from './identity.js';
import { verifyClaim } from './identity.js';
import { SIGNAL_VERSION, type SignalDescription } from '../services/signal/messages.js';

export {
  SIGNAL_VERSION,
  MAX_SDP_CHARS,
  MAX_CANDIDATE_CHARS,
  SignalOfferSchema,
  SignalAnswerSchema,
  SignalCandidateSchema,
  SignalMessageSchema,
  parseSignal,
  type SignalMessage,
  type SignalDescription,
  type Signaler,
} from '../services/signal/messages.js';

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

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
