// A deliberately slow web application, the kind the coordination drop-in protects: GET /form/<r>
// serves a page with one POST form (and, when enabled, the drop-in's script tag), and each
// POST /post/<mode>/<r> takes delayMs before it answers with the same page again, so a browser
// can post in a loop. It counts the POSTs in flight per resource and the most it ever saw at once:
// the figure the drop-in must keep at or below its capacity. Node http on 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowAppOptions {
  /** The Cumulus server whose /coord-dropin.js the pages load; none: pages without the drop-in. */
  cumulusUrl: string | null;
  delayMs: number;
  capacity: number;
  /** How long a queued POST may wait for a slot (queue mode). */
  waitMs: number;
}

export interface SlowAppStats {
  posts: number;
  /** POSTs in flight right now, per resource. */
  inFlight: Record<string, number>;
  /** The most POSTs ever in flight at once, per resource. */
  maxInFlight: Record<string, number>;
}

export interface SlowApp {
  readonly url: string;
  readonly stats: SlowAppStats;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;
const NAME = /^[a-z0-9-]{1,32}$/;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(o: SlowAppOptions, mode: string, r: string, posted: string | null): string {
  const tag = o.cumulusUrl
    ? `<script src="${escape(o.cumulusUrl)}/coord-dropin.js" data-capacity="${o.capacity}" data-mode="${escape(mode)}" data-wait-ms="${o.waitMs}"></script>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>slow app</title></head><body>
${posted === null ? '' : `<p id="posted" data-msg="${escape(posted)}">Thank you: ${escape(posted)}</p>`}
<form method="post" action="/post/${escape(mode)}/${escape(r)}"><input name="msg" value=""><button type="submit">Send</button></form>
${tag}</body></html>`;
}

export async function startSlowApp(o: SlowAppOptions): Promise<SlowApp> {
  const stats: SlowAppStats = { posts: 0, inFlight: {}, maxInFlight: {} };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parts = url.pathname.split('/').filter(Boolean);
    const send = (status: number, body: string): void => void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
    if (req.method === 'GET' && parts[0] === 'form' && parts.length === 2 && NAME.test(parts[1]!)) {
      const mode = url.searchParams.get('mode') ?? 'queue';
      if (mode !== 'queue' && mode !== 'throttle') return send(400, 'mode is queue or throttle');
      return send(200, page(o, mode, parts[1]!, null));
    }
    if (req.method !== 'POST' || parts[0] !== 'post' || parts.length !== 3 || !NAME.test(parts[2]!) || (parts[1] !== 'queue' && parts[1] !== 'throttle')) return send(404, 'not found');
    const [, mode, r] = parts as [string, string, string];
    // Counted from the moment the request arrives until its response is finished (or torn down).
    stats.posts++;
    const now = (stats.inFlight[r] ?? 0) + 1;
    stats.inFlight[r] = now;
    stats.maxInFlight[r] = Math.max(stats.maxInFlight[r] ?? 0, now);
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      stats.inFlight[r]!--;
    };
    res.once('finish', end);
    res.once('close', end);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_BODY_BYTES) req.destroy();
    });
    req.on('end', () => {
      const msg = new URLSearchParams(body).get('msg') ?? '';
      setTimeout(() => send(200, page(o, mode, r, msg.slice(0, 200))), o.delayMs);
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
