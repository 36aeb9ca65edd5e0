// The live dashboard's script (bundled like the volunteer page): it reads one server-sent-events
// feed (/dashboard/feed, src/server/dashboard-feed.ts), draws the ring (dashboard-ring.ts), the
// charts over time (dashboard-charts.ts) and the counts and jobs (preact, below).
import { h, render, type ComponentChild } from 'preact';
import type { DashboardSnapshot } from '../host/dashboard-snapshot.js';
import { RingView, type Placed } from './dashboard-ring.js';
import { Charts } from './dashboard-charts.js';

const MB = 1024 * 1024;

function count(id: string, label: string, value: string): ComponentChild {
  return h('div', { class: 'count' }, h('dt', null, label), h('dd', { id }, value));
}

function Counts(props: { s: DashboardSnapshot | null; live: boolean }): ComponentChild {
  const s = props.s;
  const n = (v: number | undefined) => (v === undefined ? '—' : String(v));
  return h('section', { 'aria-labelledby': 'counts-h' },
    h('h2', { id: 'counts-h' }, 'Now'),
    h('p', { id: 'feed-state', role: 'status' }, props.live ? 'Live: updated every second.' : 'Connecting to the feed…'),
    h('dl', { class: 'counts' },
      count('count-peers', 'Peers connected', n(s?.peers.connected)),
      count('count-onring', 'On the ring', n(s?.peers.onRing)),
      count('count-browsers', 'Browsers', n(s?.peers.browsers)),
      count('count-nodes', 'Node peers', n(s?.peers.nodes)),
      count('count-joins', 'Joins', n(s?.joins)),
      count('count-leaves', 'Leaves', n(s?.leaves)),
      count('count-storage', 'Storage used / offered', s?.cloud ? `${(s.cloud.storageUsedBytes / MB).toFixed(1)} / ${(s.cloud.storageOfferedBytes / MB).toFixed(0)} MB` : '—'),
      count('count-leases', 'Leases held', s?.coord ? String(s.coord.held) : '—')));
}

function Jobs(props: { s: DashboardSnapshot | null }): ComponentChild {
  const jobs = props.s?.jobs ?? [];
  return h('section', { 'aria-labelledby': 'jobs-h' },
    h('h2', { id: 'jobs-h' }, 'Jobs'),
    jobs.length === 0 ? h('p', { id: 'no-jobs' }, 'No job submitted through this server yet.') : h('ul', { id: 'jobs', class: 'jobs' },
      ...jobs.map((j) => h('li', { 'data-job': j.id },
        h('span', null, `${j.name ?? j.id.slice(0, 12)} (${j.user}): ${j.state}, ${j.done} of ${j.tasks} tasks`),
        h('progress', { max: Math.max(1, j.tasks), value: j.done, 'aria-label': `progress of job ${j.name ?? j.id}` })))));
}

/** Coordination resources the drop-in gateway holds leases of or queues pages for, busiest first. */
function Coordination(props: { s: DashboardSnapshot | null }): ComponentChild {
  const rs = props.s?.coord?.resources ?? [];
  return h('section', { 'aria-labelledby': 'coord-h' },
    h('h2', { id: 'coord-h' }, 'Coordination'),
    rs.length === 0 ? h('p', { id: 'no-coord' }, 'No resource held or queued for through this server now.') : h('table', { id: 'coord', class: 'coord' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Resource'), h('th', { scope: 'col' }, 'Held'), h('th', { scope: 'col' }, 'Queued'))),
      h('tbody', null, ...rs.map((r) => h('tr', { 'data-resource': r.name },
        h('td', null, h('code', { title: r.name }, r.name.length > 21 ? `${r.name.slice(0, 20)}…` : r.name)),
        h('td', { class: 'held' }, `${r.held} of ${r.capacity}${r.spare > 0 ? ` (+${r.spare} spare)` : ''}`),
        h('td', { class: 'queued' }, `${r.waiting}${r.asking > 0 ? ` (${r.asking} asked)` : ''}`))))));
}

function Picked(props: { p: Placed | null }): ComponentChild {
  const p = props.p;
  return h('p', { id: 'peer-details', 'aria-live': 'polite' },
    p ? `${p.kind === 'server' ? 'server\'s peer' : p.kind === 'browser' ? 'browser tab' : 'Node peer'} ${p.id}${p.onRing ? ', on the ring' : ', not in place yet'}` : 'Point at or tap a peer for its details.');
}

const ring = new RingView(document.getElementById('ring') as HTMLCanvasElement, (p) => {
  picked = p;
  draw();
});
const charts = new Charts(document.getElementById('charts')!);
let last: DashboardSnapshot | null = null;
let picked: Placed | null = null;
let live = false;

function draw(): void {
  render(h('div', null, h(Picked, { p: picked }), h(Counts, { s: last, live }), h(Jobs, { s: last }), h(Coordination, { s: last })), document.getElementById('panel')!);
  const note = document.getElementById('sampled');
  if (note) note.textContent = last?.sampled ? `Showing an even sample of ${last.ring.length} peers by id.` : '';
}

const feed = new EventSource('/dashboard/feed');
feed.onopen = () => {
  live = true;
  draw();
};
feed.onerror = () => {
  live = false;
  draw();
};
feed.onmessage = (e: MessageEvent<string>) => {
  const s = JSON.parse(e.data) as DashboardSnapshot;
  last = s;
  live = true;
  charts.push(s);
  // A hidden dashboard keeps its history but draws nothing.
  if (document.hidden) return;
  ring.draw(s);
  draw();
};
(globalThis as unknown as { cumulusDashboard: { last: () => DashboardSnapshot | null } }).cumulusDashboard = { last: () => last };
draw();
