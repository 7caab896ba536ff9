import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LIVE_CACHE_CONTROL } from './live-layout';

/** How often the live page reads the snapshot again. */
export const PAGE_REFRESH_MS = 5_000;

/**
 * The live page: one static HTML file with its script, kept beside the snapshot in the results bucket. It reads
 * `snapshot.json` and `alerts.json` next to itself every few seconds, or the URLs its fragment names
 * (`#snapshot=<url>&alerts=<url>`: the presigned URLs `tickstream live --url` prints, since the bucket is private
 * and a presigned page cannot sign the page's own requests). Data is written into the page as text, never as HTML.
 */
export function renderLivePage(params: { stage: string; refreshMs?: number }): string {
  const refreshMs = params.refreshMs ?? PAGE_REFRESH_MS;
  const stage = params.stage.replace(/[^\w-]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tickstream ${stage} live</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #1d2733; }
  h1 { font-size: 1.2rem; margin: 0 0 .25rem; }
  #status { color: #5b6675; margin-bottom: 1rem; }
  table { border-collapse: collapse; }
  th, td { padding: .25rem .75rem; text-align: right; border-bottom: 1px solid #e3e7ec; }
  th:first-child, td:first-child { text-align: left; }
  .up { color: #107c41; } .down { color: #c62828; }
  .stale td { color: #9aa3ad; }
  #alerts li.open { color: #c62828; }
  svg { vertical-align: middle; }
</style>
</head>
<body>
<h1>tickstream ${stage}: live</h1>
<div id="status" data-testid="status">loading…</div>
<table>
  <thead><tr><th>symbol</th><th>last</th><th>change</th><th>high</th><th>low</th><th>volume</th><th>tick time</th><th>age</th><th>last minutes</th></tr></thead>
  <tbody id="rows"></tbody>
</table>
<h2>Alerts</h2>
<ul id="alerts"></ul>
<script>
(() => {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const sources = { snapshot: fragment.get('snapshot') || 'snapshot.json', alerts: fragment.get('alerts') || 'alerts.json' };
  const cell = (row, text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  };
  const age = (seconds) => seconds < 120 ? seconds + 's' : seconds < 7200 ? Math.floor(seconds / 60) + 'm' : Math.floor(seconds / 3600) + 'h';
  const sparkline = (closes) => {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', '120');
    svg.setAttribute('height', '24');
    if (closes.length > 1) {
      const values = closes.map((c) => c[1]);
      const min = Math.min(...values), max = Math.max(...values), span = max - min || 1;
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', '#2f6fb2');
      line.setAttribute('points', values.map((v, i) => (i * 118 / (values.length - 1) + 1).toFixed(1) + ',' + (22 - (v - min) * 20 / span).toFixed(1)).join(' '));
      svg.appendChild(line);
    }
    return svg;
  };
  const fetchJson = async (url) => {
    const response = await fetch(url, { cache: 'no-store' });
    if (response.status === 404 || response.status === 403) return null;
    // (A TypeError, as fetch's own failures are: the catch below shows either.)
    if (!response.ok) throw new TypeError(url.split('?')[0] + ': HTTP ' + response.status);
    return response.json();
  };
  const render = (snapshot, alerts) => {
    const now = Date.now();
    const rows = document.getElementById('rows');
    const symbols = Object.values(snapshot ? snapshot.symbols : {}).sort((a, b) => a.symbol < b.symbol ? -1 : 1);
    rows.replaceChildren(...symbols.map((s) => {
      const tr = document.createElement('tr');
      tr.dataset.symbol = s.symbol;
      const seconds = Math.max(0, Math.round((now - Date.parse(s.tickTime)) / 1000));
      if (seconds > 300) tr.className = 'stale';
      const change = (s.last / s.open - 1) * 100;
      cell(tr, s.symbol);
      cell(tr, String(s.last)).dataset.field = 'last';
      cell(tr, (change >= 0 ? '+' : '') + change.toFixed(2) + '%', change >= 0 ? 'up' : 'down');
      cell(tr, String(s.high));
      cell(tr, String(s.low));
      cell(tr, s.volume === null ? '-' : s.volume.toLocaleString('en-US'));
      cell(tr, s.tickTime.slice(11, 19)).dataset.field = 'tickTime';
      cell(tr, age(seconds));
      cell(tr, '').appendChild(sparkline(s.closes));
      return tr;
    }));
    const list = document.getElementById('alerts');
    const open = alerts ? Object.values(alerts.open) : [];
    const recent = alerts ? alerts.history.slice(-10).reverse() : [];
    const items = [
      ...open.map((e) => { const li = document.createElement('li'); li.className = 'open'; li.textContent = 'OPEN since ' + e.since.slice(11, 19) + ' UTC: ' + e.what; return li; }),
      ...recent.map((e) => { const li = document.createElement('li'); li.textContent = e.at.slice(11, 19) + ' UTC ' + e.change + ': ' + (e.change === 'opened' ? e.episode.what : e.episode.id + ' (' + (e.resolution || '') + ')'); return li; }),
    ];
    if (items.length === 0) { const li = document.createElement('li'); li.textContent = 'none'; items.push(li); }
    list.replaceChildren(...items);
    document.getElementById('status').textContent = snapshot && snapshot.updatedAt
      ? symbols.length + ' symbols, updated ' + snapshot.updatedAt.slice(11, 19) + ' UTC, newest tick ' + snapshot.newestTick.slice(11, 19) + ' UTC; refreshed ' + new Date(now).toISOString().slice(11, 19) + ' UTC'
      : 'nothing has landed yet';
  };
  const refresh = async () => {
    try {
      const [snapshot, alerts] = await Promise.all([fetchJson(sources.snapshot), fetchJson(sources.alerts)]);
      render(snapshot, alerts);
    } catch (error) {
      document.getElementById('status').textContent = 'cannot read the snapshot: ' + error.message + ' (retrying)';
    }
    setTimeout(refresh, ${refreshMs});
  };
  refresh();
})();
</script>
</body>
</html>
`;
}

/** Writes the live page beside the snapshot it reads (publishReports each run; the local pipeline at its start). */
export async function publishLivePage(params: {
  s3: { send(command: PutObjectCommand): Promise<unknown> };
  bucket: string;
  key: string;
  stage: string;
}): Promise<void> {
  await params.s3.send(
    new PutObjectCommand({
      Bucket: params.bucket,
      Key: params.key,
      Body: renderLivePage({ stage: params.stage }),
      ContentType: 'text/html; charset=utf-8',
      CacheControl: LIVE_CACHE_CONTROL,
    }),
  );
}
