// The SDK's calls about the cloud itself (Cumulus.stats and the slice calls), over the gateway's
// /stats and /:user/slices routes.

/** One number per attribute a peer reports to gossip. */
export interface CloudAttributes {
  cores: number;
  storageOfferedBytes: number;
  storageUsedBytes: number;
  tasksRunning: number;
  uptimeS: number;
}

/** The cloud's live estimates, as the gateway's peer learned them by gossip. */
export interface CloudStats {
  /** Peers in the cloud (estimated). */
  peers: number;
  epoch: number;
  sum: CloudAttributes;
  mean: CloudAttributes;
  max: CloudAttributes;
  /** The attribute deciles (and slices' `top`) rank peers by, and its 10% … 90% points. */
  sliceBy: keyof CloudAttributes;
  deciles: number[];
  via: { peer: string; decile: number; viewSize: number; gossipSent: number; gossipRefused: number };
}

/** A slice: its members in id order, which is its ring, and each member's successor as it reported it. */
export interface Slice {
  name: string;
  owner: string;
  size: number;
  top: number;
  by: keyof CloudAttributes;
  members: string[];
  /** ring[i] is the successor members[i] reported at the keeper's last probe: members[i + 1] once the ring has formed. */
  ring: string[];
  /** Members replaced since the slice was created. */
  repairs: number;
}

export interface SliceSummary {
  name: string;
  size: number;
  top: number;
  by: keyof CloudAttributes;
  /** Members now (fewer than size while free peers are lacking). */
  members: number;
}

type Call = (method: string, path: string, what: string, query?: Record<string, string | number | undefined>) => Promise<Response>;

export class CloudCalls {
  constructor(
    private readonly call: Call,
    private readonly user: string,
  ) {}

  async stats(): Promise<CloudStats> {
    return (await (await this.call('GET', '/stats', 'stats')).json()) as CloudStats;
  }

  async slices(): Promise<SliceSummary[]> {
    return (await (await this.call('GET', `/${this.user}/slices`, 'slice ls')).json()) as SliceSummary[];
  }

  async create(name: string, opts: { size: number; top?: number; by?: keyof CloudAttributes }): Promise<Slice> {
    const res = await this.call('PUT', this.path(name), `slice create ${name}`, { size: opts.size, top: opts.top, by: opts.by });
    return (await res.json()) as Slice;
  }

  async show(name: string): Promise<Slice> {
    return (await (await this.call('GET', this.path(name), `slice show ${name}`)).json()) as Slice;
  }

  async resize(name: string, count: number): Promise<Slice> {
    const op = count >= 0 ? 'grow' : 'shrink';
    return (await (await this.call('POST', `${this.path(name)}/${op}`, `slice ${op} ${name}`, { count: Math.abs(count) })).json()) as Slice;
  }

  async remove(name: string): Promise<void> {
    await (await this.call('DELETE', this.path(name), `slice rm ${name}`)).body?.cancel();
  }

  private path(name: string): string {
    return `/${this.user}/slices/${encodeURIComponent(name)}`;
  }
}
