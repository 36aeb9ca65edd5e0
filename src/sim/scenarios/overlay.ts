// The `overlay` scenario: peers join one after another through random live peers (arrivals
// overlap, at a rate that grows with the ring up to --join-rate), the ring stabilizes, then random
// lookups run and are checked against the true owner.
// With --churn MEDIAN_S, peers leave and new ones join with Weibull sessions of that median
// while the lookups run; then churn stops and we time how long the ring takes to be exact again.
import { bytesToHex, idFromHex, type Id } from '../../core/id.js';
import { sessionSampler } from '../churn.js';
import { Simulator } from '../simulator.js';
import { OverlayNet, type OverlayPeer } from './overlay-net.js';
import type { OptionValues } from '../../core/options.js';
import { STABILIZE_INTERVAL_MS } from '../../overlay/constants.js';
import { DEFAULT_SIGNALING, type SignalingStats } from '../signaling.js';
import { defineScenario, NODES_OPTION, SEED_OPTION, type ScenarioResult } from './options.js';

/** Weibull shape of session times: below 1, heavy-tailed as measured in deployed P2P systems. */
const SESSION_SHAPE = 0.5;
/** How long lookups and churn run together, at most. */
const CHURN_WINDOW_MS = 120_000;
/** Maintenance traffic is measured over this quiet window after convergence. */
const TRAFFIC_WINDOW_MS = 10_000;
/**
 * Arrivals per second per peer already in place: a community grows by word of mouth, not by a
 * hundred thousand tabs opening at once on a ring of one. The rate is capped by --join-rate.
 */
const GROWTH_PER_S = 0.5;
/** The slowest arrival rate, while the ring is a handful of peers. */
const MIN_JOIN_RATE_PER_S = 2;
/** Default cap on arrivals: N / 20 per second, at most this many (100,000 peers in under a minute). */
const JOIN_RATE_MAX_PER_S = 5000;

export interface OverlayResult extends ScenarioResult {
  nodes: number;
  lookups: number;
  success: number;
  hopsAvg: number;
  hopsP99: number;
  hopsMax: number;
  ringConsistent: boolean;
  convergeMs: number;
  joinStabilizeMsP50: number;
  joinStabilizeMsMax: number;
  messagesPerNodePerSec: number;
  wallMs: number;
}

/** How a signaled run's links were set up (absent with --connect plain); see signalingFigures. */
export interface SignalingFigures {
  linksViaServer: number;
  linksViaOverlay: number;
  overlayLinkShare: number;
  serverMessages: number;
  relayedLinkShare: number;
  relayKBps: number;
  answerTimeouts: number;
}

export const OVERLAY_OPTIONS = {
  nodes: NODES_OPTION,
  churn: { type: 'number', default: 0, min: 0, unit: 's', description: 'median session of churning peers while the lookups run; 0: no churn' },
  lookups: { type: 'integer', default: 1000, min: 0, description: 'random lookups, checked against the true owner' },
  seed: SEED_OPTION,
  stabilize: { type: 'integer', default: STABILIZE_INTERVAL_MS, min: 1, unit: 'ms', description: 'period of stabilize, fix-fingers and check-predecessor' },
  connect: {
    type: 'choice', choices: ['signaled', 'plain'], default: 'signaled',
    description: 'signaled: each link by offer and answer, through the server for a first contact and the overlay after, relayed behind a symmetric NAT (sim/signaling.ts); plain: links connect without signaling',
  },
  symmetricNat: { type: 'number', default: DEFAULT_SIGNALING.symmetricNatShare, min: 0, max: 1, description: 'share of peers behind a symmetric NAT (their links are relayed); with --connect signaled' },
  joinRate: {
    type: 'number', min: 0.001, unit: 'peers/s',
    description: `cap on arrivals per second; by default nodes / 20, kept within ${MIN_JOIN_RATE_PER_S} to ${JOIN_RATE_MAX_PER_S}`,
  },
} as const;

export type OverlayOptions = OptionValues<typeof OVERLAY_OPTIONS>;

export function runOverlay(opts: OverlayOptions): OverlayResult & Partial<SignalingFigures> {
  const started = performance.now();
  const { nodes, lookups, seed } = opts;
  const churnS = opts.churn;
  const stabilizeMs = opts.stabilize;
  const joinRate = opts.joinRate ?? Math.min(JOIN_RATE_MAX_PER_S, Math.max(MIN_JOIN_RATE_PER_S, nodes / 20));
  const sim = new Simulator({ seed });
  const net = new OverlayNet(sim, { stabilizeIntervalMs: stabilizeMs, fixFingersIntervalMs: stabilizeMs, checkPredecessorIntervalMs: stabilizeMs });
  const rng = sim.stream('overlay-scenario');
  const signaling = opts.connect === 'signaled' ? net.modelSignaling({ ...DEFAULT_SIGNALING, symmetricNatShare: opts.symmetricNat }) : null;

  arrive(sim, net, nodes, joinRate);
  let converge = runUntilConsistent(sim, net, 30 * stabilizeMs, stabilizeMs);

  // Let finger repair catch up with the arrivals, measuring maintenance traffic as it goes.
  const before = net.framesOut();
  const t0 = sim.now();
  sim.run({ untilMs: t0 + TRAFFIC_WINDOW_MS });
  const messagesPerNodePerSec = (net.framesOut() - before) / net.live().length / (TRAFFIC_WINDOW_MS / 1000);

  const stats = { ok: 0, done: 0, hops: [] as number[] };
  const lookupWindowMs = churnS > 0 ? CHURN_WINDOW_MS : Math.max(1000, lookups / 10);
  let stopChurn = () => undefined as void;
  if (churnS > 0) stopChurn = startChurn(sim, net, churnS * 1000);
  const fresh = churnS > 0;
  const base = sim.now();
  // A link set-up is a peer connection made: by each end of a plain connect, by the offerer and
  // the answerer of each signaled offer.
  const setups = () => (signaling === null ? 2 * sim.stats.connects : signaling.stats.offers + signaling.stats.answers);
  const setupsBefore = setups();
  const peersAtBase = net.live().length;
  for (let i = 0; i < lookups; i++) {
    sim.schedule((i * lookupWindowMs) / lookups, () => {
      const from = net.randomJoined();
      if (from === null) return void stats.done++;
      const key = idFromHex(bytesToHex(rng.bytes(20))) as Id;
      from.ring.lookupCb(key, undefined, (e, r) => {
        stats.done++;
        if (e || !r) return;
        if (r.owner === net.trueOwner(key, fresh)) {
          stats.ok++;
          stats.hops.push(r.hops);
        }
      });
    });
  }
  sim.run({ until: () => stats.done >= lookups, untilMs: base + lookupWindowMs + 60_000 });
  const setupsPerPeerHour = setupRate(setups() - setupsBefore, peersAtBase, sim.now() - base);
  if (churnS > 0) {
    stopChurn();
    sim.run({ untilMs: Math.max(sim.now(), base + lookupWindowMs) });
    converge = runUntilConsistent(sim, net, 30 * stabilizeMs, stabilizeMs);
  }
  const join = joinFigures(net.peers);
  return {
    nodes,
    lookups,
    success: round(stats.ok / Math.max(1, lookups), 4),
    ...hopFigures(stats.hops),
    ringConsistent: converge >= 0,
    convergeMs: converge,
    joinStabilizeMsP50: join.placeP50,
    joinStabilizeMsMax: join.placeMax,
    messagesPerNodePerSec: round(messagesPerNodePerSec, 2),
    wallMs: Math.round(performance.now() - started),
    seed,
    joinTotalMsP50: join.totalP50,
    joinTotalMsMax: join.totalMax,
    livePeers: net.live().length,
    joinFailures: net.joinFailures,
    linksAvg: round(avg(net.live().map((p) => p.mux.linkCount())), 1),
    linksMax: Math.max(...net.live().map((p) => p.mux.linkCount())),
    evictions: net.peers.reduce((n, p) => n + p.mux.stats.evictions, 0),
    setupsPerPeerHour,
    ...(signaling === null ? {} : signalingFigures(net, signaling.stats, sim.now())),
    digest: sim.digest(),
  };
}

/**
 * Link set-ups (peer connections made) per peer and hour over the lookup window (the churn window
 * under --churn): a tab may create about 500 in its life, so a peer that stays a day must average
 * under ~20 an hour.
 */
function setupRate(setups: number, peers: number, windowMs: number): number {
  return round(setups / Math.max(1, peers) / Math.max(1e-9, windowMs / 3_600_000), 1);
}

/**
 * How the run's links were set up: links by the path that signaled their offer (RoutedSignaler's
 * counts, over every peer that ever ran), links relayed for a symmetric NAT and the bytes relays
 * carried per second of the run, and offers that timed out without an answer.
 */
function signalingFigures(net: OverlayNet, s: SignalingStats, nowMs: number): SignalingFigures {
  let viaServer = 0;
  let viaOverlay = 0;
  for (const p of net.peers) {
    viaServer += p.signaler?.stats.linksViaServer ?? 0;
    viaOverlay += p.signaler?.stats.linksViaOverlay ?? 0;
  }
  return {
    linksViaServer: viaServer,
    linksViaOverlay: viaOverlay,
    overlayLinkShare: round(viaOverlay / Math.max(1, viaServer + viaOverlay), 3),
    serverMessages: s.serverMessages,
    relayedLinkShare: round(s.relayedLinks / Math.max(1, s.relayedLinks + s.directLinks), 3),
    relayKBps: round(s.relayBytes / 1024 / Math.max(1e-9, nowMs / 1000), 1),
    answerTimeouts: s.answerTimeouts,
  };
}

/** Add peers through random peers in place, each arrival after the last, until there are `nodes`. */
function arrive(sim: Simulator, net: OverlayNet, nodes: number, joinRate: number): void {
  net.add(null);
  let added = 1;
  const next = () => {
    net.addThroughRandom();
    added++;
    const rate = Math.min(joinRate, Math.max(MIN_JOIN_RATE_PER_S, net.joinedCount * GROWTH_PER_S));
    if (added < nodes) sim.schedule(1000 / rate, next);
  };
  if (nodes > 1) sim.schedule(1000 / MIN_JOIN_RATE_PER_S, next);
  sim.run({ until: () => added >= nodes });
}

/** Run until the checker passes; the virtual time that took, or -1 past boundMs. */
function runUntilConsistent(sim: Simulator, net: OverlayNet, boundMs: number, stabilizeMs: number): number {
  const start = sim.now();
  const stepMs = Math.max(50, stabilizeMs / 10);
  for (;;) {
    if (net.consistent()) return Math.round(sim.now() - start);
    if (sim.now() - start >= boundMs) return -1;
    sim.run({ untilMs: sim.now() + stepMs });
  }
}

/** Replace peers as their Weibull sessions end (half leave gracefully, half crash); returns stop(). */
function startChurn(sim: Simulator, net: OverlayNet, medianMs: number): () => void {
  const rng = sim.stream('overlay-churn');
  const session = sessionSampler({ kind: 'weibull', shape: SESSION_SHAPE, medianMs }, rng.fork('session'));
  let stopped = false;
  const arm = (p: OverlayPeer) => {
    sim.schedule(session(), () => {
      if (stopped || !p.alive) return;
      if (rng.next() < 0.5) net.leave(p);
      else net.crash(p);
      arm(net.addThroughRandom());
    });
  };
  for (const p of net.live()) arm(p);
  return () => {
    stopped = true;
  };
}

function hopFigures(hops: number[]): { hopsAvg: number; hopsP99: number; hopsMax: number } {
  if (hops.length === 0) return { hopsAvg: 0, hopsP99: 0, hopsMax: 0 };
  const s = [...hops].sort((a, b) => a - b);
  return { hopsAvg: round(avg(s), 2), hopsP99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!, hopsMax: s[s.length - 1]! };
}

/**
 * Join figures: joinStabilizeMs runs from the moment a joiner knows its successor (its
 * bootstrap's answer) until it is in its place, predecessor known and confirmed by its successor;
 * joinTotalMs from the join() call, bootstrap link and lookup included.
 */
function joinFigures(peers: OverlayPeer[]): { placeP50: number; placeMax: number; totalP50: number; totalMax: number } {
  const place = sorted(peers.slice(1).map((p) => p.placeTookMs));
  const total = sorted(peers.slice(1).map((p) => p.joinTookMs));
  const p50 = (xs: number[]) => (xs.length === 0 ? 0 : Math.round(xs[xs.length >> 1]!));
  const max = (xs: number[]) => (xs.length === 0 ? 0 : Math.round(xs[xs.length - 1]!));
  return { placeP50: p50(place), placeMax: max(place), totalP50: p50(total), totalMax: max(total) };
}

function sorted(xs: Array<number | null>): number[] {
  return xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
}

function avg(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const OVERLAY_SCENARIO = defineScenario({
  description: 'peers join a Chord ring, it stabilizes, random lookups are checked (optionally under churn)',
  options: OVERLAY_OPTIONS,
  run: runOverlay,
});
