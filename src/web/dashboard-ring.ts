// The dashboard's ring: every peer on a circle at its id's angle (browsers, Node peers and the
// server's own peer in their own colours and shapes; peers not yet in place hollow), each member's
// successor link along the circle (the next member by id), and the server's peer's own links
// (its successors and fingers) drawn across. Drawn on a canvas so a thousand points stay cheap;
// pointing at or tapping a peer shows its details.
import type { DashboardSnapshot, RingPoint } from '../host/dashboard-snapshot.js';

const COLOURS = { browser: '#1565c0', node: '#2e7d32', server: '#c62828' } as const;
const TWO_PI = Math.PI * 2;
/** The top 52 bits of an id are plenty for an angle. */
function angleOf(id: string): number {
  return (parseInt(id.slice(0, 13), 16) / 2 ** 52) * TWO_PI - Math.PI / 2;
}

export interface Placed extends RingPoint {
  x: number;
  y: number;
}

export class RingView {
  private placed: Placed[] = [];
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly onPick: (p: Placed | null) => void) {
    this.ctx = canvas.getContext('2d')!;
    const pick = (e: MouseEvent) => this.onPick(this.nearest(e));
    canvas.addEventListener('mousemove', pick);
    canvas.addEventListener('click', pick);
  }

  draw(s: DashboardSnapshot): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const size = Math.max(200, Math.min(c.clientWidth, 560));
    if (c.width !== Math.round(size * dpr)) {
      c.width = Math.round(size * dpr);
      c.height = Math.round(size * dpr);
      c.style.height = `${size}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    const r = size / 2 - 16;
    const cx = size / 2;
    const cy = size / 2;
    ctx.strokeStyle = '#bbb';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, TWO_PI);
    ctx.stroke();
    this.placed = s.ring.map((p) => ({ ...p, x: cx + r * Math.cos(angleOf(p.id)), y: cy + r * Math.sin(angleOf(p.id)) }));
    const at = new Map(this.placed.map((p) => [p.id, p]));
    // Successor links: from each member to the next member by id, outside the circle.
    const members = this.placed.filter((p) => p.onRing);
    ctx.strokeStyle = '#888';
    for (let i = 0; i < members.length && members.length > 1; i++) {
      const a = members[i]!;
      const b = members[(i + 1) % members.length]!;
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.quadraticCurveTo(cx + (a.x + b.x - 2 * cx) * 0.6, cy + (a.y + b.y - 2 * cy) * 0.6, b.x, b.y);
      ctx.stroke();
    }
    const server = s.server ? at.get(s.server.id) : undefined;
    if (server && s.server) {
      const line = (to: string, colour: string, dash: number[]) => {
        const t = at.get(to);
        if (!t) return;
        ctx.strokeStyle = colour;
        ctx.setLineDash(dash);
        ctx.beginPath();
        ctx.moveTo(server.x, server.y);
        ctx.lineTo(t.x, t.y);
        ctx.stroke();
      };
      for (const f of s.server.fingers) line(f, '#ef9a9a', [4, 3]);
      for (const id of s.server.successors) line(id, COLOURS.server, []);
      if (s.server.attached) for (const id of s.server.links) line(id, COLOURS.server, [1, 2]);
      ctx.setLineDash([]);
    }
    const dot = Math.max(2, Math.min(6, 600 / Math.max(1, this.placed.length)));
    for (const p of this.placed) {
      ctx.fillStyle = ctx.strokeStyle = COLOURS[p.kind];
      ctx.beginPath();
      if (p.kind === 'server') ctx.rect(p.x - dot - 1, p.y - dot - 1, 2 * dot + 2, 2 * dot + 2);
      else ctx.arc(p.x, p.y, dot, 0, TWO_PI);
      if (p.onRing) ctx.fill();
      else ctx.stroke();
    }
  }

  private nearest(e: MouseEvent): Placed | null {
    const b = this.canvas.getBoundingClientRect();
    const x = e.clientX - b.left;
    const y = e.clientY - b.top;
    let best: Placed | null = null;
    let bestD = 12 * 12;
    for (const p of this.placed) {
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = p;
      }
    }
    return best;
  }
}
