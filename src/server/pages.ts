// The HTML of the volunteer page (/) and the dashboard (/dashboard): a shell each, whose content the
// bundled script draws (src/web/volunteer.ts, src/web/dashboard.ts). The styles are inline (a few
// hundred bytes), laid out for a phone first and widened on larger screens.
const BASE_CSS = `*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main,.wrap{max-width:60rem;margin:0 auto;padding:1rem}h1{font-size:1.6rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.2rem 0 .4rem}
a{color:#0b57d0}button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #555;background:#f4f4f4;color:#1a1a1a;cursor:pointer;min-height:44px}
button.primary{background:#0b57d0;border-color:#0b57d0;color:#fff}dl{margin:0}dt{font-size:.85rem;color:#444}dd{margin:0;font-weight:600}`;

export const VOLUNTEER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cumulus volunteer</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${BASE_CSS}
.state{font-size:1.1rem;padding:.8rem;border-radius:.4rem;background:#eef3fb;border-left:4px solid #0b57d0}.state.failed,.state.unsupported{background:#fdecea;border-color:#b3261e}
.actions{display:flex;gap:.6rem;flex-wrap:wrap;margin:.8rem 0}.figs{display:grid;grid-template-columns:repeat(2,1fr);gap:.6rem}
.fig{padding:.5rem;border:1px solid #ddd;border-radius:.4rem}.field{display:grid;grid-template-columns:1fr 7rem;gap:.2rem .6rem;align-items:center;margin:.5rem 0}
.field small{grid-column:1/3;color:#444}.field input[type=number]{font:inherit;padding:.4rem;width:100%;min-height:44px}.field.check{grid-template-columns:auto 1fr}
.field.check input{width:1.4rem;height:1.4rem}.hint{color:#444;font-size:.9rem}.ids dd{font-family:ui-monospace,monospace;font-weight:400;word-break:break-all;margin-bottom:.4rem}
@media(min-width:720px){.figs{grid-template-columns:repeat(3,1fr)}}</style>
</head><body>
<div id="app"><main><h1>Cumulus volunteer</h1><p id="state" class="state">Loading…</p></main></div>
<noscript><p>This page needs JavaScript: it is what makes this tab a peer.</p></noscript>
<script type="module" src="/volunteer.js"></script>
</body></html>
`;

export function dashboardHtml(uplotCss: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cumulus dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${BASE_CSS}${uplotCss}
.top{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem}#ring{width:100%;max-width:560px;aspect-ratio:1;display:block}.counts{display:grid;grid-template-columns:repeat(2,1fr);gap:.5rem}
.count{padding:.4rem;border:1px solid #ddd;border-radius:.4rem}.legend span{margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin-right:.3rem;vertical-align:middle}
.jobs{list-style:none;padding:0}.jobs li{margin:.4rem 0}.jobs progress{width:100%}#charts{display:grid;grid-template-columns:minmax(0,1fr);gap:.5rem}.chart{margin:0;min-width:0;overflow:hidden}
.coord{border-collapse:collapse;width:100%;table-layout:fixed}.coord th,.coord td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #ddd;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
#peer-details{font-family:ui-monospace,monospace;word-break:break-all;min-height:3em}
@media(min-width:900px){.top{grid-template-columns:minmax(0,560px) minmax(0,1fr)}#charts{grid-template-columns:repeat(2,minmax(0,1fr))}.counts{grid-template-columns:repeat(4,1fr)}}</style>
</head><body><div class="wrap">
<h1>Cumulus dashboard</h1>
<div class="top"><section aria-labelledby="ring-h"><h2 id="ring-h">The ring</h2>
<p class="legend"><span><i style="background:#1565c0"></i>browser</span><span><i style="background:#2e7d32"></i>Node peer</span><span><i style="background:#c62828;border-radius:0"></i>server's peer</span></p>
<canvas id="ring" role="img" aria-label="the peers on a circle by id, with their successor links and the server's peer's links"></canvas>
<p id="sampled"></p></section>
<div id="panel"></div></div>
<section aria-labelledby="charts-h"><h2 id="charts-h">Over time</h2><div id="charts"></div></section>
<p><a href="/">The volunteer page</a></p>
</div>
<script type="module" src="/dashboard.js"></script>
</body></html>
`;
}
