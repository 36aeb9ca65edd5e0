// The checker of the gossip scenario: the truth about the live peers against each peer's
// estimates, per sample and over the run.
import type { PeerId } from '../../core/id.js';
import type { Attributes } from '../../gossip/attributes.js';
import { SLICE_QUANTILES } from '../../gossip/constants.js';
import type { GossipService } from '../../gossip/service.js';

export interface PeerRecord {
  id: PeerId;
  gossip: GossipService;
  /** What the peer would report if honest: the truth the estimates are measured against. */
  honest: Omit<Attributes, 'uptimeS'>;
  liar: boolean;
  startedMs: number;
  /** The slicing attribute as reported (clamped), in log1p space: the true rank is by it. */
  sliceU: number;
}

export interface Sample {
  peers: number;
  /** Fraction of live peers that have finished an epoch (and so show estimates). */
  withEstimates: number;
  sizeErrP50: number;
  sizeErrMax: number;
  sumErrP50: number;
  sumErrMax: number;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

function sample(live: readonly PeerRecord[]): Sample {
  const n = live.length;
  const trueSum = live.reduce((s, p) => s + p.honest.storageOfferedBytes, 0);
  const sizeErr: number[] = [];
  const sumErr: number[] = [];
  for (const p of live) {
    const e = p.gossip.estimates();
    if (!e) continue;
    sizeErr.push(Math.abs(e.size - n) / n);
    sumErr.push(Math.abs(e.sum.storageOfferedBytes - trueSum) / trueSum);
  }
  sizeErr.sort((a, b) => a - b);
  sumErr.sort((a, b) => a - b);
  return {
    peers: n,
    withEstimates: round(sizeErr.length / Math.max(1, n)),
    sizeErrP50: round(quantile(sizeErr, 0.5)),
    sizeErrMax: round(sizeErr.at(-1) ?? 0),
    sumErrP50: round(quantile(sumErr, 0.5)),
    sumErrMax: round(sumErr.at(-1) ?? 0),
  };
}

/** In-degree spread of the peer sample: the coefficient of variation over live peers of how many live views hold each. */
export function indegreeCv(live: readonly PeerRecord[]): number {
  const indeg = new Map<PeerId, number>(live.map((p) => [p.id, 0]));
  for (const p of live) for (const q of p.gossip.sampling.view.peers()) if (indeg.has(q)) indeg.set(q, indeg.get(q)! + 1);
  const xs = [...indeg.values()];
  const mean = xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length));
  return mean === 0 ? 0 : sd / mean;
}

/** Fraction of live peers whose estimated decile is their true one (peers without estimates count as wrong). */
export function sliceAccuracy(live: readonly PeerRecord[]): number {
  const us = live.map((p) => p.sliceU).sort((a, b) => a - b);
  let right = 0;
  for (const p of live) {
    let lo = 0;
    let hi = us.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (us[mid]! < p.sliceU) lo = mid + 1;
      else hi = mid;
    }
    const below = lo / us.length;
    const truth = SLICE_QUANTILES.filter((q) => below >= q).length;
    if (p.gossip.estimates()?.decile === truth) right++;
  }
  return right / Math.max(1, live.length);
}

function summary(run: { samples: Array<{ atMs: number; churning: boolean; figures: Sample }>; live: readonly PeerRecord[]; sentMessages: number; peerSeconds: number; departures: number; digest: string }): Record<string, unknown> {
  const stable = run.samples.filter((s) => !s.churning).at(-1)?.figures;
  const churning = run.samples.filter((s) => s.churning).map((s) => s.figures);
  const worst = (k: keyof Sample): number => Math.max(0, ...churning.map((s) => s[k]));
  return {
    peers: run.live.length,
    sizeErrP50: stable?.sizeErrP50 ?? null,
    sizeErrMax: stable?.sizeErrMax ?? null,
    sumErrP50: stable?.sumErrP50 ?? null,
    sumErrMax: stable?.sumErrMax ?? null,
    churnSizeErrP50: churning.length ? worst('sizeErrP50') : null,
    churnSizeErrMax: churning.length ? worst('sizeErrMax') : null,
    churnSumErrP50: churning.length ? worst('sumErrP50') : null,
    departures: run.departures,
    msgsPerPeerPerSec: round(run.sentMessages / Math.max(1, run.peerSeconds), 3),
    viewIndegreeCv: round(indegreeCv(run.live)),
    sliceAccuracy: round(sliceAccuracy(run.live)),
    digest: run.digest,
  };
}

export const gossipFigures = { sample, summary };
