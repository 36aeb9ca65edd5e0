// The dashboard's charts over time (uPlot): one series set per chart, fed a point per feed frame and
// keeping the last HISTORY_POINTS (ten minutes at one frame a second).
import uPlot from 'uplot';
import type { DashboardSnapshot } from '../host/dashboard-snapshot.js';

export const HISTORY_POINTS = 600;
const MB = 1024 * 1024;

interface ChartSpec {
  title: string;
  series: Array<{ label: string; colour: string; value: (s: DashboardSnapshot, prev: DashboardSnapshot | null) => number | null }>;
}

export const CHARTS: ChartSpec[] = [
  { title: 'Peers', series: [
    { label: 'connected', colour: '#444', value: (s) => s.peers.connected },
    { label: 'on the ring', colour: '#6a1b9a', value: (s) => s.peers.onRing },
    { label: 'browsers', colour: '#1565c0', value: (s) => s.peers.browsers },
    { label: 'Node', colour: '#2e7d32', value: (s) => s.peers.nodes },
  ] },
  { title: 'Joins and leaves (per second)', series: [
    { label: 'joins', colour: '#2e7d32', value: (s, p) => (p ? s.joins - p.joins : 0) },
    { label: 'leaves', colour: '#c62828', value: (s, p) => (p ? s.leaves - p.leaves : 0) },
  ] },
  { title: 'Storage (MB, gossip estimate)', series: [
    { label: 'offered', colour: '#1565c0', value: (s) => (s.cloud ? s.cloud.storageOfferedBytes / MB : null) },
    { label: 'used', colour: '#ef6c00', value: (s) => (s.cloud ? s.cloud.storageUsedBytes / MB : null) },
  ] },
  { title: 'Work', series: [
    { label: 'tasks running (jobs followed)', colour: '#6a1b9a', value: (s) => s.jobs.reduce((a, j) => a + j.running, 0) },
    { label: 'leases held (drop-in)', colour: '#00838f', value: (s) => s.coord?.held ?? null },
    { label: 'pages queued (drop-in)', colour: '#c62828', value: (s) => (s.coord ? s.coord.resources.reduce((a, r) => a + r.waiting, 0) : null) },
  ] },
];

export class Charts {
  private readonly plots: uPlot[] = [];
  private readonly boxes: HTMLElement[] = [];
  private readonly data: Array<Array<Array<number | null>>> = [];
  private prev: DashboardSnapshot | null = null;

  constructor(host: HTMLElement) {
    for (const spec of CHARTS) {
      const box = document.createElement('figure');
      box.className = 'chart';
      host.appendChild(box);
      this.boxes.push(box);
      const cols: Array<Array<number | null>> = [[], ...spec.series.map(() => [])];
      this.data.push(cols);
      this.plots.push(new uPlot({
        title: spec.title, width: this.width(box), height: 180,
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.colour, width: 2 }))],
        axes: [{}, { size: 50 }],
      }, cols as uPlot.AlignedData, box));
    }
    addEventListener('resize', () => this.plots.forEach((p, i) => p.setSize({ width: this.width(this.boxes[i]!), height: 180 })));
  }

  /** The chart's width: its grid cell's (the plot itself must not widen the cell). */
  private width(box: HTMLElement): number {
    return Math.max(200, box.clientWidth - 4);
  }

  push(s: DashboardSnapshot): void {
    CHARTS.forEach((spec, i) => {
      const cols = this.data[i]!;
      cols[0]!.push(s.tMs / 1000);
      spec.series.forEach((ser, k) => cols[k + 1]!.push(ser.value(s, this.prev)));
      if (cols[0]!.length > HISTORY_POINTS) for (const c of cols) c.shift();
      this.plots[i]!.setData(cols as uPlot.AlignedData);
    });
    this.prev = s;
  }
}
