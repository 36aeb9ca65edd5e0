// Counters a WebRtcNet keeps about its links and the peers on them, for /metrics and benches.
import type { Misbehaviour } from './link.js';

export interface NetStats {
  /**
   * RTCPeerConnections created (each connection attempt, answered ones and retries included): a
   * browser tab's budget. `setupsRefused`: the constructor refused one (Chromium: "Cannot create
   * so many PeerConnections").
   */
  setups: number;
  setupsRefused: number;
  linksOpened: number;
  linksClosed: number;
  connectRetries: number;
  connectFailures: number;
  /** Direct-only attempts to replace a relayed link (link-upgrade.ts), those that failed, and links moved. */
  upgradeTries: number;
  upgradeFailures: number;
  linkUpgrades: number;
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
    setups: 0,
    setupsRefused: 0,
    linksOpened: 0,
    linksClosed: 0,
    connectRetries: 0,
    connectFailures: 0,
    upgradeTries: 0,
    upgradeFailures: 0,
    linkUpgrades: 0,
    badSignals: 0,
    refusedIdentity: 0,
    misbehaviour: { garbage: 0, oversize: 0, flood: 0 },
    peersDisconnected: 0,
    handlerErrors: 0,
  };
}
