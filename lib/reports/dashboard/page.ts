import { parseReportTime } from '../csv';
import { divergingBars, escapeHtml, type IntradayPoint, intradayChart } from './charts';

/** What the dashboard says about each report of the run (a slice of the run manifest). */
export interface DashboardReport {
  name: string;
  rows: number;
  bytesScanned: number;
  /** The report's whole CSV, relative to the page. */
  href: string;
}

/** Rows of the first few lines shown for each report; the rest is in its CSV. */
export const PREVIEW_ROWS = 10;

type Table = string[][];

/** The rows of a CSV table (header first) as records keyed by column name; missing columns read as ''. */
function records(table: Table | undefined): Record<string, string>[] {
  const [header = [], ...rows] = table ?? [];
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? ''])));
}

const numberOf = (value: string | undefined) =>
  value === undefined || value === '' ? Number.NaN : Number(value);
const signed = (value: number, digits: number, unit: string) =>
  `${value > 0 ? '+' : ''}${value.toFixed(digits)}${unit}`;

/** Per-symbol 1-minute closes and volumes from the ohlc_1m report, in time order. */
function intradaySeries(table: Table | undefined): Map<string, IntradayPoint[]> {
  const series = new Map<string, IntradayPoint[]>();
  for (const row of records(table)) {
    const point = {
      time: parseReportTime(row.minute ?? ''),
      close: numberOf(row.close),
      volume: numberOf(row.volume) || 0,
    };
    if (!row.symbol || Number.isNaN(point.time) || Number.isNaN(point.close)) continue;
    const points = series.get(row.symbol) ?? [];
    points.push(point);
    series.set(row.symbol, points);
  }
  for (const points of series.values()) points.sort((a, b) => a.time - b.time);
  return series;
}

function htmlTable(rows: readonly (readonly string[])[], numeric: (column: number) => boolean): string {
  const [header = [], ...body] = rows;
  const cell = (tag: string, value: string, column: number) =>
    `<${tag}${numeric(column) ? ' class="num"' : ''}>${escapeHtml(value)}</${tag}>`;
  return `<table><thead><tr>${header.map((name, i) => cell('th', name, i)).join('')}</tr></thead><tbody>${body
    .map((row) => `<tr>${row.map((value, i) => cell('td', value, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function quotesSection(tables: Map<string, Table>): string {
  const quotes = records(tables.get('latest_price'));
  if (quotes.length === 0) return '';
  const vwaps = new Map(records(tables.get('vwap_daily')).map((row) => [row.symbol, numberOf(row.vwap)]));
  const rows = quotes.map((quote) => {
    const price = numberOf(quote.price);
    const vwap = vwaps.get(quote.symbol) ?? Number.NaN;
    const spread = numberOf(quote.ask) - numberOf(quote.bid);
    return [
      quote.symbol ?? '',
      quote.price ?? '',
      quote.bid ?? '',
      quote.ask ?? '',
      Number.isNaN(spread) ? '' : spread.toFixed(4),
      Number.isNaN(vwap) ? '' : vwap.toFixed(4),
      Number.isNaN(vwap) ? '' : signed((100 * (price - vwap)) / vwap, 3, '%'),
      quote.as_of ?? '',
    ];
  });
  const header = ['symbol', 'last', 'bid', 'ask', 'spread', 'VWAP', 'last vs VWAP', 'as of (UTC)'];
  return `<section id="quotes"><h2>Latest quotes</h2>${htmlTable([header, ...rows], (column) => column > 0 && column < 7)}</section>`;
}

function moversSection(tables: Map<string, Table>): string {
  const movers = records(tables.get('biggest_movers'))
    .map((row) => ({ name: row.symbol ?? '', value: numberOf(row.pct_change) }))
    .filter((item) => !Number.isNaN(item.value));
  if (movers.length === 0) return '';
  return `<section id="movers"><h2>Biggest movers</h2><p>Change from the day's first to its last price.</p>${divergingBars(
    {
      label: 'Biggest movers: % change from first to last price',
      items: movers,
      format: (value) => signed(value, 2, '%'),
    },
  )}</section>`;
}

function vwapSection(tables: Map<string, Table>): string {
  const last = new Map(records(tables.get('latest_price')).map((row) => [row.symbol, numberOf(row.price)]));
  const items = records(tables.get('vwap_daily'))
    .map((row) => {
      const vwap = numberOf(row.vwap);
      const price = last.get(row.symbol) ?? Number.NaN;
      return { name: row.symbol ?? '', value: (10_000 * (price - vwap)) / vwap };
    })
    .filter((item) => Number.isFinite(item.value))
    .sort((a, b) => b.value - a.value);
  if (items.length === 0) return '';
  return `<section id="vwap"><h2>Last price against VWAP</h2><p>Basis points above (right) or below (left) the day's volume-weighted average price.</p>${divergingBars(
    {
      label: 'Last price against VWAP, basis points',
      items,
      format: (value) => `${signed(value, 1, '')} bp`,
    },
  )}</section>`;
}

function intradaySection(tables: Map<string, Table>): string {
  const series = intradaySeries(tables.get('ohlc_1m'));
  if (series.size === 0) return '';
  const cards = [...series.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([symbol, points]) => {
      const first = points[0]?.close ?? Number.NaN;
      const last = points.at(-1)?.close ?? Number.NaN;
      const change = (100 * (last - first)) / first;
      return `<figure class="card"><figcaption><b>${escapeHtml(symbol)}</b> ${last.toFixed(2)} <span class="${change >= 0 ? 'up' : 'down'}">${signed(change, 2, '%')}</span></figcaption>${intradayChart({ symbol, points })}</figure>`;
    });
  return `<section id="intraday"><h2>Intraday price and volume</h2><div class="grid">${cards.join('')}</div></section>`;
}

function reportsSection(reports: readonly DashboardReport[], tables: Map<string, Table>): string {
  const items = reports.map((report) => {
    const table = tables.get(report.name) ?? [];
    const [header = [], ...rows] = table;
    const shown = rows.slice(0, PREVIEW_ROWS);
    const more = rows.length > shown.length ? ` (first ${shown.length} of ${rows.length} rows)` : '';
    const numeric = (column: number) =>
      shown.length > 0 && shown.every((row) => row[column] !== '' && !Number.isNaN(Number(row[column])));
    return `<details><summary><b>${escapeHtml(report.name)}</b>: ${report.rows} rows · ${report.bytesScanned} bytes scanned · <a href="${escapeHtml(report.href)}">CSV</a></summary>${htmlTable([header, ...shown], numeric)}<p class="more">${escapeHtml(more)}</p></details>`;
  });
  return `<section id="reports"><h2>Every report</h2>${items.join('')}</section>`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:1400px;padding:0 1rem;color:#1d2530;background:#fbfcfd}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}p{margin:.2rem 0 .6rem;color:#4a5563}
table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}td,th{border-bottom:1px solid #e3e7ec;padding:.2rem .6rem;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f3f6}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.8rem}
.card{margin:0;background:#fff;border:1px solid #e3e7ec;border-radius:6px;padding:.4rem .5rem}
figcaption{font-size:.85rem;margin-bottom:.2rem}.chart{width:100%;height:auto;display:block}
.chart .price{fill:none;stroke:#1f5fbf;stroke-width:1.3}.chart .volume{fill:#c5cfdb}
.chart text{font-size:10px;fill:#5b6573}.chart .zero{stroke:#9aa5b1}
.up{color:#13795b;fill:#2e9e73}.down{color:#b3261e;fill:#d3544b}
.bars{max-width:560px}.row{display:flex;flex-wrap:wrap;column-gap:3rem}.row section{flex:1 1 480px}details{margin:.3rem 0}summary{cursor:pointer}.more{font-size:.8rem}
`;

/**
 * The run's dashboard: a self-contained HTML page (inline SVG charts, no script, nothing fetched) with the
 * biggest movers, last price against VWAP, each symbol's intraday price and volume, the latest quotes and a
 * summary of every report. Charts whose report is missing are left out.
 */
/** The alerts a dashboard shows: those open and the latest openings and resolutions, and the live page's link. */
export interface DashboardAlerts {
  open: readonly { id: string; since: string; what: string }[];
  recent: readonly {
    at: string;
    change: string;
    episode: { id: string; what: string };
    resolution?: string;
  }[];
  liveHref: string;
}

function alertsSection(alerts: DashboardAlerts): string {
  const open = alerts.open.map(
    (episode) =>
      `<li><strong>open</strong> since ${escapeHtml(episode.since)}: ${escapeHtml(episode.what)}</li>`,
  );
  const recent = [...alerts.recent]
    .reverse()
    .map(
      (event) =>
        `<li>${escapeHtml(event.at)} ${escapeHtml(event.change)}: ${escapeHtml(event.change === 'opened' ? event.episode.what : `${event.episode.id} (${event.resolution ?? ''})`)}</li>`,
    );
  const items = [...open, ...recent];
  return `<section><h2>Alerts</h2><p>As they stood when this page was published; the <a href="${escapeHtml(alerts.liveHref)}">live page</a> follows them.</p><ul>${items.length === 0 ? '<li>none</li>' : items.join('')}</ul></section>`;
}

export function renderDashboard(params: {
  day: string;
  final: boolean;
  execution: string;
  publishedAt: string;
  reports: readonly DashboardReport[];
  tables: Map<string, Table>;
  /** The live alerts when the page was published, and where the live page is from this page. */
  alerts?: DashboardAlerts;
}): string {
  const { day, final, execution, publishedAt, reports, tables, alerts } = params;
  const status = final
    ? 'Final: the day had ended when this run started.'
    : 'Partial: the day was in progress; a later run replaces this page.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tickstream ${escapeHtml(day)}</title><style>${STYLE}</style></head>
<body><header><h1>tickstream market report for ${escapeHtml(day)}</h1>
<p>${status} Run ${escapeHtml(execution)}, published ${escapeHtml(publishedAt)}. Times are UTC. Each report's full result is its CSV.</p></header>
<div class="row">${moversSection(tables)}${vwapSection(tables)}</div>
${intradaySection(tables)}
${quotesSection(tables)}
${alerts ? alertsSection(alerts) : ''}
${reportsSection(reports, tables)}
</body></html>
`;
}
