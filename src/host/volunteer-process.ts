// Start `cumulus volunteer` as a child process with an IPC control channel, and talk to it: the
// benches and `cumulus up` use this. Every child is ended by its pid (never by name), gracefully
// first and with SIGKILL if it does not go in time.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PeerId } from '../core/id.js';
import type { ControlArgs, ControlOp, ControlReply } from './control.js';

export interface VolunteerProcess {
  readonly id: PeerId;
  readonly pid: number;
  readonly child: ChildProcess;
  /** A control request; the second argument is a lookup key or the op's arguments, the third this call's time limit. */
  request(op: ControlOp, args?: string | ControlArgs, timeoutMs?: number): Promise<unknown>;
  /** Leave gracefully (SIGTERM), then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  serverUrl: string;
  dataDir: string;
  /** Longest the volunteer may take to join (default READY_TIMEOUT_MS). */
  readyTimeoutMs?: number;
  /** Where the child's stdout/stderr go; 'ignore' by default (benches print JSON themselves). */
  stdio?: 'ignore' | 'inherit';
  /** Storage the volunteer lends, in MiB (its --quota-mb; the volunteer's default when absent). */
  quotaMb?: number;
  /** Longest a control request may take (default REQUEST_TIMEOUT_MS; a put or get of a large file needs more). */
  requestTimeoutMs?: number;
  /** The volunteer's --ice-interfaces: 'loopback' by default, as every process here is on this machine. */
  iceInterfaces?: string;
  /** Run inside this network namespace (`ip netns exec`, which execs in place: the pid stays the volunteer's). */
  netns?: string;
  /** Arguments for the command instead of `volunteer …` (the network lab starts `serve` this way). */
  args?: string[];
}

const CLI = fileURLToPath(new URL('../cli/main-bin.js', import.meta.url));
/**
 * Longest a volunteer may take to start and join: Node's start, the store, a signaling round trip
 * and a Chord join take a few seconds, many times that on a loaded two-core machine.
 */
const READY_TIMEOUT_MS = 30_000;
/** Longest a control request may take by default: a status or a lookup answers in milliseconds, a small file in seconds. */
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_STDERR_CHARS = 2000;
/** How long a child process gets to leave gracefully (a peer's leave messages drain in well under a second) before SIGKILL. */
export const STOP_GRACE_MS = 5_000;

/** End a child process by its pid: SIGTERM, then SIGKILL if it is still there after graceMs; resolves when it is gone. */
export async function stopProcess(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

export async function spawnVolunteer(opts: SpawnOptions): Promise<VolunteerProcess> {
  const out = opts.stdio ?? 'ignore';
  const args = opts.args ?? ['volunteer', '--server', opts.serverUrl, '--data', opts.dataDir, '--ice-interfaces', opts.iceInterfaces ?? 'loopback',
    ...(opts.quotaMb === undefined ? [] : ['--quota-mb', String(opts.quotaMb)])];
  const child = opts.netns
    ? spawn('ip', ['netns', 'exec', opts.netns, process.execPath, CLI, ...args], { stdio: ['ignore', out, 'pipe', 'ipc'] })
    : fork(CLI, args, { stdio: ['ignore', out, 'pipe', 'ipc'] });
  // The end of what the child says on stderr, to explain a failure.
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (out === 'inherit') process.stderr.write(d);
    stderrTail = (stderrTail + d.toString()).slice(-MAX_STDERR_CHARS);
  });
  const waiters = new Map<number, (r: ControlReply) => void>();
  let nextRid = 1;
  const readyTimeoutMs = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const id = await new Promise<PeerId>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`volunteer ${child.pid} did not join within ${readyTimeoutMs} ms`)), readyTimeoutMs);
    child.once('exit', (code) => reject(new Error(`volunteer exited before joining (code ${code}): ${stderrTail.trim()}`)));
    child.on('message', (m: unknown) => {
      const msg = m as { ready?: boolean; id?: PeerId } & Partial<ControlReply>;
      if (msg.ready && msg.id !== undefined) {
        clearTimeout(timer);
        resolve(msg.id);
      } else if (typeof msg.rid === 'number') waiters.get(msg.rid)?.(msg as ControlReply);
    });
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  const requestTimeoutMs = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const request = (op: ControlOp, a?: string | ControlArgs, timeoutMs = requestTimeoutMs) => new Promise<unknown>((resolve, reject) => {
    const rid = nextRid++;
    const timer = setTimeout(() => {
      waiters.delete(rid);
      reject(new Error(`volunteer ${id.slice(0, 8)}: ${op} got no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    waiters.set(rid, (r) => {
      clearTimeout(timer);
      waiters.delete(rid);
      if (r.ok) resolve(r.result);
      else reject(new Error(r.error ?? 'failed'));
    });
    const extra = typeof a === 'string' ? { key: a } : (a ?? {});
    if (!child.connected || !child.send({ rid, op, ...extra })) {
      clearTimeout(timer);
      waiters.delete(rid);
      reject(new Error(`volunteer ${id.slice(0, 8)} is not running`));
    }
  });
  return { id, pid: child.pid!, child, request, stop: (graceMs?: number) => stopProcess(child, graceMs) };
}
