// Node's RTCPeerConnection (node-datachannel's W3C polyfill) and where it gathers candidates
// (every interface, loopback only, or listed addresses). Browser code never imports this file: it passes its own globalThis.RTCPeerConnection.
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import nodeDataChannel from 'node-datachannel';
import type { PeerConnectionCtor } from './webrtc-net.js';
import { InvalidArgumentError } from '../core/errors.js';

/**
 * The polyfill hands libdatachannel a TURN server as `turn:USER:CREDENTIAL@HOST`, which
 * libdatachannel URL-decodes: a TURN REST username (`<expiry>:<peer id>`) or a base64 credential
 * (`+`, `/`, `=`) must be URL-encoded first, or the colon ends the username and TURN refuses it.
 */
class NodePeerConnection extends RTCPeerConnection {
  constructor(config: Record<string, unknown> = {}) {
    super({ ...config, iceServers: encodeCredentials(config.iceServers) } as ConstructorParameters<typeof RTCPeerConnection>[0]);
  }
}

function encodeCredentials(servers: unknown): unknown {
  if (!Array.isArray(servers)) return servers;
  return servers.map((s: { urls: string | string[]; username?: string; credential?: string }) => ({
    ...s,
    ...(s.username ? { username: encodeURIComponent(s.username) } : {}),
    ...(s.credential ? { credential: encodeURIComponent(s.credential) } : {}),
  }));
}

export const NodeRTCPeerConnection = NodePeerConnection as unknown as PeerConnectionCtor;

/** No STUN, sockets bound to the loopback interface: links between processes on one machine. */
export const LOOPBACK_RTC_CONFIG: Record<string, unknown> = { iceServers: [], bindAddress: '127.0.0.1' };

/** Signal only candidates on 127.0.0.1, so a loopback test never depends on other interfaces. */
export function loopbackCandidatesOnly(candidate: string): boolean {
  return / 127\.0\.0\.1 /.test(candidate);
}

/**
 * Where a Node peer gathers ICE candidates (`--ice-interfaces`): every interface (`all`, the
 * default of `cumulus volunteer` and `cumulus serve`), loopback only (`loopback`: one machine, no
 * STUN or TURN; what `cumulus up`, the benches and tests use), or the listed addresses.
 */
export type IceInterfaces = 'all' | 'loopback' | readonly string[];

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
/** Addresses --ice-interfaces may list. */
const MAX_ICE_ADDRESSES = 16;

export function parseIceInterfaces(value: string): IceInterfaces {
  if (value === 'all' || value === 'loopback') return value;
  const addrs = value.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  if (addrs.length === 0 || addrs.length > MAX_ICE_ADDRESSES || !addrs.every((a) => IPV4.test(a))) {
    throw new InvalidArgumentError(`--ice-interfaces ${JSON.stringify(value)}: expected all, loopback, or up to ${MAX_ICE_ADDRESSES} IPv4 addresses separated by commas`);
  }
  return addrs;
}

export interface NodeRtcSettings {
  rtcConfig: Record<string, unknown>;
  candidateFilter?: (candidate: string) => boolean;
  /** Whether STUN/TURN servers handed out by the rendezvous server are used. */
  useIceServers: boolean;
}

/** The RTCPeerConnection settings and candidate filter for where a Node peer gathers. */
export function nodeRtcSettings(where: IceInterfaces): NodeRtcSettings {
  if (where === 'loopback') return { rtcConfig: LOOPBACK_RTC_CONFIG, candidateFilter: loopbackCandidatesOnly, useIceServers: false };
  if (where === 'all') return { rtcConfig: { iceServers: [] }, useIceServers: true };
  const allowed = new Set(where);
  // With one address libdatachannel binds to it; with several it gathers everywhere and we signal
  // only the host candidates on the listed ones (server-reflexive and relayed ones always).
  return {
    rtcConfig: where.length === 1 ? { iceServers: [], bindAddress: where[0] } : { iceServers: [] },
    candidateFilter: (c) => {
      const f = c.replace(/^a=/, '').split(' ');
      return f[7] !== 'host' || allowed.has(f[4] ?? '');
    },
    useIceServers: true,
  };
}

/**
 * Stop node-datachannel's native threads. Call it once every peer connection in the process is
 * closed (end of a test file, end of a bench child), or the process may not exit.
 */
export function shutdownNodeRtc(): void {
  nodeDataChannel.cleanup();
}
