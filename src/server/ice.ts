// The ICE servers a rendezvous server hands to every peer that joins through it (`cumulus serve
// --ice-server URL`, repeatable). STUN entries go out as they are. TURN entries get a credential
// issued to that peer alone and valid for a limited time, by the TURN REST API convention that
// coturn implements with `use-auth-secret` / `static-auth-secret`: the username is
// `<expiry, seconds since the epoch>:<peer id>` and the credential is
// base64(HMAC-SHA1(secret, username)). coturn checks both without asking anyone, refuses an
// expired or forged one, and the shared secret itself never leaves the server.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PeerId } from '../core/id.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { IceConfig, IceServer } from '../services/signal/rendezvous.js';

export interface IceSettings {
  /** stun:, stuns:, turn: or turns: URLs, as given to --ice-server. */
  urls: readonly string[];
  /** coturn's static-auth-secret; required when any URL is a TURN one. */
  turnSecret?: string;
  /** How long an issued TURN credential works (default DEFAULT_TURN_TTL_S). */
  turnTtlS?: number;
}

/**
 * How long a TURN credential works: long enough that a peer renews it (at half its life) a few
 * times a day at most, short enough that a credential copied out of a tab is soon worthless.
 */
export const DEFAULT_TURN_TTL_S = 3600;
export const MAX_TURN_TTL_S = 24 * 3600;
/** As many as the welcome's schema carries. */
export const MAX_ICE_SERVERS = 8;

const ICE_URL = /^(stun|stuns|turn|turns):(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

/** Check one --ice-server URL; throws InvalidArgumentError naming what is wrong. */
export function parseIceUrl(url: string): { url: string; turn: boolean } {
  if (url.length > 256 || !ICE_URL.test(url)) {
    throw new InvalidArgumentError(`--ice-server ${JSON.stringify(url)}: expected stun:HOST[:PORT] or turn:HOST[:PORT][?transport=udp|tcp] (also stuns:, turns:)`);
  }
  const port = /:(\d{1,5})(\?|$)/.exec(url.replace(/^\w+:/, ''))?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw new InvalidArgumentError(`--ice-server ${url}: port out of range`);
  return { url, turn: url.startsWith('turn') };
}

/** The TURN REST API credential for a username. */
export function turnCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

export class IceIssuer {
  private readonly stun: string[] = [];
  private readonly turn: string[] = [];
  private readonly ttlS: number;

  constructor(private readonly settings: IceSettings, private readonly nowMs: () => number = Date.now) {
    if (settings.urls.length > MAX_ICE_SERVERS) throw new InvalidArgumentError(`at most ${MAX_ICE_SERVERS} --ice-server URLs`);
    for (const u of settings.urls) {
      const p = parseIceUrl(u);
      (p.turn ? this.turn : this.stun).push(p.url);
    }
    if (this.turn.length > 0 && !settings.turnSecret) {
      throw new InvalidArgumentError('turn: servers need the TURN secret (--turn-secret-file or CUMULUS_TURN_SECRET): the server issues each peer its own expiring credential');
    }
    this.ttlS = settings.turnTtlS ?? DEFAULT_TURN_TTL_S;
    if (!Number.isInteger(this.ttlS) || this.ttlS < 60 || this.ttlS > MAX_TURN_TTL_S) throw new InvalidArgumentError(`--turn-ttl takes 60 to ${MAX_TURN_TTL_S} seconds`);
  }

  get empty(): boolean {
    return this.stun.length + this.turn.length === 0;
  }

  /** The servers for one peer, TURN ones with a credential of its own that expires in ttl seconds. */
  forPeer(id: PeerId): IceConfig {
    const servers: IceServer[] = this.stun.map((u) => ({ urls: [u] }));
    if (this.turn.length === 0) return { servers };
    const expiresS = Math.floor(this.nowMs() / 1000) + this.ttlS;
    const username = `${expiresS}:${id}`;
    servers.push({ urls: [...this.turn], username, credential: turnCredential(this.settings.turnSecret!, username) });
    return { servers, expiresMs: expiresS * 1000 };
  }
}

/** The TURN secret from a file (its first line) or CUMULUS_TURN_SECRET; undefined when neither is set. */
export function loadTurnSecret(file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file) {
    const secret = readFileSync(file, 'utf8').split('\n')[0]!.trim();
    if (!secret) throw new InvalidArgumentError(`--turn-secret-file ${file} is empty`);
    return secret;
  }
  return env.CUMULUS_TURN_SECRET || undefined;
}
