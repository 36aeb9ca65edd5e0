// Counters a WebRtcNet keeps about its links and the peers on them, for /metrics and benches.
import type { Misbehaviour } from './link.js';

export interface NetStats {
  linksOpened: number;
  linksClosed: number;
  connectRetries: number;
  connectFailures: number;
  /** Signal messages that failed the schema check. */
  badSignals: number;
  /** Offers or answers whose key did not match the claimed id or whose signature failed. */
  refusedIdentity: number;
  /** Links cut because the peer misbehaved, by kind. */
  misbehaviour: Record<Misbehaviour, number>;
  peersDisconnected: number;
  /** Exceptions thrown by the owner's handlers (caught so the Net keeps running). */
  handlerErrors: number;
}

export function newNetStats(): NetStats {
  return {
    linksOpened: 0,
    linksClosed: 0,
    connectRetries: 0,
    connectFailures: 0,
    badSignals: 0,
    refusedIdentity: 0,
    misbehaviour: { garbage: 0, oversize: 0, flood: 0 },
    peersDisconnected: 0,
    handlerErrors: 0,
  };
}
