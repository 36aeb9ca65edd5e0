// The volunteer page's view (preact, without JSX so the sources compile with plain tsc): what is
// happening in plain words, what this tab gives, and the volunteer's limits with pause and leave.
// State lives in volunteer.ts; these are pure functions of it plus the callbacks they are handed.
import { h, type ComponentChild } from 'preact';
import type { LendingFigures, LendingLimits } from '../host/lending.js';
import { MAX_TAB_QUOTA_MB, MAX_TAB_WORKERS } from './volunteer-limits.js';

export type Phase = 'ready' | 'unsupported' | 'connecting' | 'joined' | 'leaving' | 'left' | 'failed';

export interface ViewState {
  phase: Phase;
  /** Why the tab cannot join, or why joining failed. */
  problem: string | null;
  figures: LendingFigures | null;
  limits: LendingLimits;
  /** What the last limit change said (a quota the browser cannot give, surplus moved). */
  note: string | null;
  id: string | null;
  successor: string | null;
  predecessor: string | null;
  serverUp: boolean;
  /** Whether the device is charging; null when the browser does not tell, undefined until asked. */
  charging?: boolean | null;
}

export interface Actions {
  join(): void;
  leave(): void;
  setLimits(change: Partial<LendingLimits>): void;
}

const MB = 1024 * 1024;

export function mb(bytes: number): string {
  return bytes >= 100 * MB ? `${Math.round(bytes / MB)} MB` : `${(bytes / MB).toFixed(1)} MB`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * How long the tab has been up, to the minute: a figure that moved every second would redraw an
 * idle tab every second, and the volunteer does not need the seconds.
 */
export function uptime(ms: number): string {
  return ms < 60_000 ? 'under a minute' : duration(ms);
}

/** The state in plain words. */
export function sentence(v: ViewState): string {
  const f = v.figures;
  switch (v.phase) {
    case 'ready': return 'Not lending yet. Join to lend this tab\'s spare storage and CPU to the community cloud while it stays open.';
    case 'unsupported': return v.problem ?? 'This browser cannot join.';
    case 'connecting': return 'Connecting: finding peers through the server and linking to them…';
    case 'leaving': return 'Leaving: handing what this tab holds over to other peers first…';
    case 'left': return 'Left the cloud. What this tab held was handed over. Join again whenever you like.';
    case 'failed': return `Could not join: ${v.problem ?? 'unknown error'}`;
    case 'joined': {
      const linked = `Joined, linked to ${f?.links ?? 0} peer${f?.links === 1 ? '' : 's'}`;
      if (v.limits.paused) return `${linked}. Paused: lending nothing until you resume.`;
      if (f?.why === 'discharging') return `${linked}. On battery: lending nothing until this device is charging again.`;
      if (f?.why === 'visible') return `${linked}. Lending storage; tasks wait until this tab is hidden.`;
      return `${linked}. Lending up to ${mb(v.limits.quotaBytes)} of storage and ${v.limits.workers} worker${v.limits.workers === 1 ? '' : 's'}.`;
    }
  }
}

function figure(id: string, label: string, value: string): ComponentChild {
  return h('div', { class: 'fig' }, h('dt', null, label), h('dd', { id }, value));
}

function figuresView(v: ViewState): ComponentChild {
  const f = v.figures;
  const dash = '—';
  return h('section', { 'aria-labelledby': 'gives' },
    h('h2', { id: 'gives' }, 'What this tab gives'),
    h('dl', { class: 'figs' },
      figure('stored', 'Storage held', f ? `${mb(f.storedBytes)} of ${mb(f.quotaBytes)}` : dash),
      figure('served', 'Served to others', f ? mb(f.bytesServed) : dash),
      figure('tasks', 'Tasks run', f ? String(f.tasksRun) : dash),
      figure('task-time', 'Time lent to tasks', f ? duration(f.taskMs) : dash),
      figure('uptime', 'Up for', f ? uptime(f.uptimeMs) : dash),
      figure('links', 'Peers linked', f ? String(f.links) : dash)));
}

function numberField(id: string, label: string, value: number, min: number, max: number, onSet: (n: number) => void, hint: string): ComponentChild {
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    // Uncontrolled (defaultValue): the page redraws every second with new figures, and a
    // controlled value would put the old limit back into the field while the volunteer types.
    h('input', {
      id, type: 'number', min, max, step: 1, defaultValue: String(value), 'aria-describedby': `${id}-hint`,
      onChange: (e: Event) => {
        const input = e.currentTarget as HTMLInputElement;
        const n = Number(input.value);
        if (!Number.isFinite(n)) return;
        const clamped = Math.min(max, Math.max(min, Math.round(n)));
        input.value = String(clamped);
        onSet(clamped);
      },
    }),
    h('small', { id: `${id}-hint` }, hint));
}

function limitsView(v: ViewState, a: Actions): ComponentChild {
  const l = v.limits;
  const set = a.setLimits;
  return h('section', { 'aria-labelledby': 'limits' },
    h('h2', { id: 'limits' }, 'Your limits'),
    h('p', { class: 'hint' }, 'Kept in this browser. A change takes effect at once; storage above a lower limit is moved to other peers first.'),
    numberField('quota-mb', 'Storage (MB)', Math.round(l.quotaBytes / MB), 0, MAX_TAB_QUOTA_MB, (n) => set({ quotaBytes: n * MB }), 'what this tab may keep for others'),
    numberField('workers', 'Workers', l.workers, 1, MAX_TAB_WORKERS, (n) => set({ workers: n }), 'tasks run at once, one CPU core each'),
    numberField('duty', 'CPU share (%)', l.dutyPct, 10, 100, (n) => set({ dutyPct: n }), 'of each 10 s during which tasks are taken'),
    h('div', { class: 'field check' },
      h('input', { id: 'only-hidden', type: 'checkbox', checked: l.onlyWhenHidden, onChange: (e: Event) => set({ onlyWhenHidden: (e.currentTarget as HTMLInputElement).checked }) }),
      h('label', { for: 'only-hidden' }, 'Run tasks only while this tab is hidden')),
    chargingField(v, a),
    v.note ? h('p', { id: 'note', role: 'status' }, v.note) : null);
}

/** "Only while charging", usable where the browser tells whether the device is charging. */
function chargingField(v: ViewState, a: Actions): ComponentChild {
  const unknown = v.charging === null;
  return h('div', { class: 'field check' },
    h('input', {
      id: 'only-charging', type: 'checkbox', checked: v.limits.onlyWhenCharging, disabled: unknown, 'aria-describedby': 'only-charging-hint',
      onChange: (e: Event) => a.setLimits({ onlyWhenCharging: (e.currentTarget as HTMLInputElement).checked }),
    }),
    h('label', { for: 'only-charging' }, 'Lend only while this device is charging'),
    h('small', { id: 'only-charging-hint' }, unknown
      ? 'This browser does not tell whether the device is charging, so this limit cannot apply here.'
      : v.charging === undefined ? '' : v.charging ? 'Charging now.' : 'On battery now.'));
}

function details(v: ViewState): ComponentChild {
  return h('details', null, h('summary', null, 'Peer details'),
    h('dl', { class: 'ids' },
      h('dt', null, 'peer id'), h('dd', { id: 'id' }, v.id ?? '—'),
      h('dt', null, 'successor'), h('dd', { id: 'successor' }, v.successor ?? '—'),
      h('dt', null, 'predecessor'), h('dd', { id: 'predecessor' }, v.predecessor ?? '—'),
      h('dt', null, 'rendezvous server'), h('dd', { id: 'server' }, v.serverUp ? 'reachable' : 'down (the ring carries on)')));
}

export function App(props: { v: ViewState; a: Actions }): ComponentChild {
  const { v, a } = props;
  const joined = v.phase === 'joined';
  const canJoin = v.phase === 'ready' || v.phase === 'left' || v.phase === 'failed';
  return h('main', null,
    h('h1', null, 'Cumulus volunteer'),
    h('p', { id: 'state', role: 'status', 'aria-live': 'polite', class: `state ${v.phase}` }, sentence(v)),
    h('div', { class: 'actions' },
      canJoin ? h('button', { id: 'join', class: 'primary', onClick: a.join }, 'Join') : null,
      joined ? h('button', { id: 'pause', onClick: () => a.setLimits({ paused: !v.limits.paused }) }, v.limits.paused ? 'Resume' : 'Pause') : null,
      joined ? h('button', { id: 'leave', onClick: a.leave }, 'Leave') : null),
    v.phase === 'unsupported' ? null : figuresView(v),
    v.phase === 'unsupported' ? null : limitsView(v, a),
    joined ? details(v) : null,
    h('p', { class: 'foot' }, h('a', { href: '/dashboard' }, 'Watch the whole cloud on the dashboard')));
}
