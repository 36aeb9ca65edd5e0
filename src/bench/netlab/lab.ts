// The network lab: network namespaces, veth pairs and nftables rules that stand in for the
// internet on one machine. A "public" namespace holds the rendezvous server and coturn; each home
// is a namespace behind a NAT router namespace of its own (full-cone-like, port-restricted or
// symmetric). Only documentation-range addresses (RFC 5737) are used, inside namespaces the lab
// creates, and nothing routes out of the lab: the public namespace has no default route and the
// routers' only way out is the public network. close() ends every process the lab started (by
// pid) and deletes every namespace, which takes their links and nftables rules with them; an
// exit hook does the same if the process dies first.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stopProcess } from '../../host/volunteer-process.js';
import { natRules, type NatKind } from './nat.js';

export type { NatKind } from './nat.js';

export interface LabHome {
  readonly name: string;
  readonly nat: NatKind;
  /** The namespace volunteers of this home run in. */
  readonly ns: string;
  /** The namespace of the home's NAT router (where its nftables rules live). */
  readonly routerNs: string;
  /** The home's address on its LAN (198.51.100.0/24). */
  readonly lanAddr: string;
  /** The NAT router's address on the public network (203.0.113.0/24). */
  readonly wanAddr: string;
}

export interface Lab {
  readonly tag: string;
  /** The public namespace: the rendezvous server and coturn run here. */
  readonly pubNs: string;
  /** The server's and coturn's address on the public network. */
  readonly pubAddr: string;
  readonly homes: readonly LabHome[];
  /** Start a process inside a namespace; the lab ends it (by pid) on close. */
  spawn(ns: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /** Run a command inside a namespace and return its stdout (throws on failure). */
  run(ns: string, cmd: string, args: string[]): string;
  /** Forget a process the caller has ended itself. */
  untrack(child: ChildProcess): void;
  close(): Promise<void>;
}

export const LAB_PUBLIC_NET = '203.0.113';
export const LAB_HOME_NET = '198.51.100';
/** The server's and coturn's address: the public network's .10. */
const PUB_HOST = 10;
/** Each home gets a /26 of 198.51.100.0/24: router .1, home .2 within it. */
const HOME_BLOCK = 64;
const MAX_HOMES = 4;

/** Why the lab cannot run here, or null when it can (root, ip, nft, turnserver). */
export function labUnavailable(): string | null {
  if (process.getuid?.() !== 0) return `the network lab needs root (id -u is ${process.getuid?.()}): it creates network namespaces`;
  for (const [tool, pkg] of [['ip', 'iproute2'], ['nft', 'nftables'], ['turnserver', 'coturn']] as const) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `the network lab needs ${tool} (Debian package ${pkg}; scripts/ensure-netlab.sh installs it)`;
    }
  }
  try {
    const probe = `clprobe${process.pid}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (e) {
    return `ip netns add failed here: ${(e as Error).message}`;
  }
  return null;
}

export async function createLab(homes: readonly NatKind[]): Promise<Lab> {
  const why = labUnavailable();
  if (why) throw new Error(why);
  if (homes.length === 0 || homes.length > MAX_HOMES) throw new Error(`a lab has 1 to ${MAX_HOMES} homes`);
  const tag = `c${randomBytes(2).toString('hex')}`;
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  const ip = (...args: string[]) => void execFileSync('ip', args, { stdio: 'pipe' });
  const inNs = (ns: string, ...args: string[]) => ip('-n', ns, ...args);
  const sysctl = (ns: string, kv: string) => void execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', kv], { stdio: 'pipe' });
  const addNs = (ns: string) => {
    ip('netns', 'add', ns);
    namespaces.push(ns);
    inNs(ns, 'link', 'set', 'lo', 'up');
  };
  const removeAll = () => {
    for (const ns of namespaces.splice(0).reverse()) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
  };
  // If this process dies without close(), the namespaces (and the rules in them) go anyway; the
  // processes inside them are ended by pid first.
  const onExit = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    removeAll();
  };
  process.once('exit', onExit);
  // Killed by a signal, Node runs no exit hook of its own: clean up, then die as asked.
  const onSignal = (sig: NodeJS.Signals) => {
    try {
      onExit();
    } finally {
      process.kill(process.pid, sig);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unhook = () => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };

  const pubNs = `${tag}-pub`;
  const pubAddr = `${LAB_PUBLIC_NET}.${PUB_HOST}`;
  const built: LabHome[] = [];
  try {
    addNs(pubNs);
    inNs(pubNs, 'link', 'add', 'br0', 'type', 'bridge');
    inNs(pubNs, 'addr', 'add', `${pubAddr}/24`, 'dev', 'br0');
    inNs(pubNs, 'link', 'set', 'br0', 'up');
    homes.forEach((nat, i) => {
      const router = `${tag}-nat${i}`;
      const home = `${tag}-home${i}`;
      addNs(router);
      addNs(home);
      const wanAddr = `${LAB_PUBLIC_NET}.${21 + i}`;
      const base = i * HOME_BLOCK;
      const gw = `${LAB_HOME_NET}.${base + 1}`;
      const lanAddr = `${LAB_HOME_NET}.${base + 2}`;
      // The router's WAN end joins the public bridge; its LAN end faces the home.
      ip('link', 'add', 'wan', 'netns', router, 'type', 'veth', 'peer', 'name', `p${i}`, 'netns', pubNs);
      inNs(pubNs, 'link', 'set', `p${i}`, 'master', 'br0', 'up');
      inNs(router, 'addr', 'add', `${wanAddr}/24`, 'dev', 'wan');
      inNs(router, 'link', 'set', 'wan', 'up');
      ip('link', 'add', 'lan', 'netns', router, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', home);
      inNs(router, 'addr', 'add', `${gw}/26`, 'dev', 'lan');
      inNs(router, 'link', 'set', 'lan', 'up');
      inNs(home, 'addr', 'add', `${lanAddr}/26`, 'dev', 'eth0');
      inNs(home, 'link', 'set', 'eth0', 'up');
      // The home's default route ends at its router, which has none: nothing leaves the lab.
      inNs(home, 'route', 'add', 'default', 'via', gw);
      sysctl(router, 'net.ipv4.ip_forward=1');
      execFileSync('ip', ['netns', 'exec', router, 'nft', '-f', '-'], { input: natRules(nat, lanAddr), stdio: ['pipe', 'pipe', 'pipe'] });
      built.push({ name: `home${i}`, nat, ns: home, routerNs: router, lanAddr, wanAddr });
    });
  } catch (e) {
    removeAll();
    unhook();
    throw new Error(`building the network lab failed: ${(e as Error).message}`, { cause: e });
  }

  let closed = false;
  return {
    tag, pubNs, pubAddr, homes: built,
    spawn: (ns, cmd, args, opts = {}) => {
      const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore', ...opts });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    run: (ns, cmd, args) => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    untrack: (child) => void children.delete(child),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...children].map((c) => stopProcess(c)));
      removeAll();
      unhook();
    },
  };
}

/** Namespaces left by a lab whose process was killed outright (SIGKILL skips exit hooks). */
export function staleLabNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => /^c[0-9a-f]{4}-(pub|nat\d|home\d)$/.test(n));
}
