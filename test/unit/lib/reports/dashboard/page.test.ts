import { describe, expect, it } from '@jest/globals';
import { SYMBOL_PROFILES } from '../../../../../lib/market/simulated/symbols';
import { parseCsv, parseReportTime } from '../../../../../lib/reports/csv';
import { downsample, intradayChart } from '../../../../../lib/reports/dashboard/charts';
import { PREVIEW_ROWS, renderDashboard } from '../../../../../lib/reports/dashboard/page';

const csvRows = (header: string[], rows: (string | number)[][]) => [
  header,
  ...rows.map((row) => row.map(String)),
];

/** Report tables for `symbols` over `minutes` minutes from 00:00 UTC, shaped as the report SQL returns them. */
function dayOfTables(symbols: string[], minutes: number) {
  const ohlc: (string | number)[][] = [];
  for (const [s, symbol] of symbols.entries())
    for (let m = 0; m < minutes; m++) {
      const close = 100 + s + Math.sin(m / 30) * 2;
      const minute = new Date(Date.UTC(2026, 10, 20, 0, m)).toISOString().slice(0, 16);
      ohlc.push([symbol, minute, close, close + 0.1, close - 0.1, close, 1000 + m, 60]);
    }
  return new Map([
    ['ohlc_1m', csvRows(['symbol', 'minute', 'open', 'high', 'low', 'close', 'volume', 'ticks'], ohlc)],
    [
      'latest_price',
      csvRows(
        ['symbol', 'price', 'bid', 'ask', 'as_of'],
        symbols.map((symbol, s) => [symbol, 101 + s, 100.99 + s, 101.01 + s, '2026-11-20T23:59:59.000Z']),
      ),
    ],
    [
      'vwap_daily',
      csvRows(
        ['symbol', 'vwap', 'total_volume', 'ticks'],
        symbols.map((symbol, s) => [symbol, 100 + s, 5, 5]),
      ),
    ],
    [
      'biggest_movers',
      csvRows(
        ['symbol', 'first_price', 'last_price', 'pct_change'],
        symbols
          .slice(0, 10)
          .map((symbol, s) => [symbol, 100, 100, s % 2 === 0 ? 1.5 - s / 10 : -(1 + s / 10)]),
      ),
    ],
  ]);
}

const page = (tables: Map<string, string[][]>, final = false) =>
  renderDashboard({
    day: '2026-11-20',
    final,
    execution: 'run-1',
    publishedAt: '2026-11-21T00:05:00.000Z',
    reports: [...tables.keys()].map((name) => ({
      name,
      rows: (tables.get(name)?.length ?? 1) - 1,
      bytesScanned: 10,
      href: `${name}/latest.csv`,
    })),
    tables,
  });

describe('the dashboard', () => {
  const symbols = [...SYMBOL_PROFILES.keys()];

  it('draws a full day of 30 symbols in under 1.5 MB, one intraday chart per symbol', () => {
    const html = page(dayOfTables(symbols, 1440));
    expect(symbols).toHaveLength(30);
    expect(Buffer.byteLength(html)).toBeLessThan(1.5 * 1024 * 1024);
    const prices = [...html.matchAll(/<path class="price" d="([^"]*)"/g)].map((match) => match[1] ?? '');
    expect(prices).toHaveLength(30);
    // About one point a pixel column: 1440 minutes drawn as 288 five-minute closes.
    expect(prices.every((d) => d.split('L').length === 288)).toBe(true);
    expect(html).toContain('aria-label="AAPL: 5-minute closes and volume"');
    expect(html).not.toMatch(/<script|https?:\/\/|NaN/);
  });

  it('draws the biggest movers as bars either side of zero, coloured by direction', () => {
    const html = page(dayOfTables(symbols.slice(0, 10), 5));
    const movers = html.slice(html.indexOf('id="movers"'), html.indexOf('id="vwap"'));
    expect(movers.match(/<rect class="up"/g)).toHaveLength(5);
    expect(movers.match(/<rect class="down"/g)).toHaveLength(5);
    expect(movers).toContain('>+1.50%</text>');
    expect(movers).toContain('>-1.10%</text>');
  });

  it('shows last price against VWAP in basis points, and the quotes table with spread and VWAP', () => {
    const html = page(dayOfTables(['AAPL'], 5));
    // Last 101 against VWAP 100: +100 bp, +1.000%.
    expect(html).toContain('>+100.0 bp</text>');
    expect(html).toContain(
      '<td>AAPL</td><td class="num">101</td><td class="num">100.99</td><td class="num">101.01</td><td class="num">0.0200</td><td class="num">100.0000</td><td class="num">+1.000%</td>',
    );
  });

  it('reads the values as Athena writes them: doubles in exponent form, NULL as an empty field, Trino timestamps', () => {
    // Result files as Athena (Trino) renders them (test/integration/athena-results.test.ts checks the renderer
    // against Trino itself): every value quoted, NULL unquoted and empty, doubles as Trino's text.
    const tables = new Map([
      [
        'ohlc_1m',
        parseCsv(
          '"symbol","minute","open","high","low","close","volume","ticks"\n' +
            '"AAPL","2026-11-20 00:00:00.000 UTC","1.0E2","100.5","99.5","1.002E2","1200","60"\n' +
            '"AAPL","2026-11-20 00:01:00.000 UTC","100.2","100.9","100.1","100.8","900","60"\n',
        ),
      ],
      [
        'latest_price',
        parseCsv('"symbol","price","bid","ask","as_of"\n"AAPL","101.0",,,"2026-11-20T00:01:59.000Z"\n'),
      ],
      ['vwap_daily', parseCsv('"symbol","vwap","total_volume","ticks"\n"AAPL","1.0E2","2100","120"\n')],
      [
        'biggest_movers',
        parseCsv('"symbol","first_price","last_price","pct_change"\n"AAPL","100.0","100.8","8.0E-1"\n'),
      ],
    ]);
    const html = page(tables);
    expect(html).toContain('AAPL: 1-minute closes and volume');
    expect(html).not.toContain('no ticks');
    // Last 101.0 against VWAP 1.0E2: +100 bp; a quote without bid and ask has no spread.
    expect(html).toContain('>+100.0 bp</text>');
    expect(html).toContain(
      '<td>AAPL</td><td class="num">101.0</td><td class="num"></td><td class="num"></td><td class="num"></td><td class="num">100.0000</td><td class="num">+1.000%</td>',
    );
    expect(parseReportTime('2026-11-20 00:01:00.000 UTC')).toBe(Date.UTC(2026, 10, 20, 0, 1));
    expect(parseReportTime('2026-11-20T00:01')).toBe(Date.UTC(2026, 10, 20, 0, 1));
    expect(parseReportTime('2026-11-20T00:01:59.000Z')).toBe(Date.UTC(2026, 10, 20, 0, 1, 59));
    expect(parseReportTime('yesterday')).toBeNaN();
  });

  it('summarizes long reports: the first rows and a note, the rest in the CSV it links', () => {
    const html = page(dayOfTables(['AAPL', 'MSFT'], 300));
    expect(html).toContain(`(first ${PREVIEW_ROWS} of 600 rows)`);
    expect(html).toContain('<a href="ohlc_1m/latest.csv">CSV</a>');
  });

  it('says whether the day is final or still in progress', () => {
    const tables = dayOfTables(['AAPL'], 3);
    expect(page(tables, true)).toContain('<p>Final: the day had ended when this run started.');
    expect(page(tables, false)).toContain('<p>Partial: the day was in progress;');
  });

  it('escapes what the data holds and leaves out the charts of missing reports', () => {
    const tables = new Map([
      ['latest_price', csvRows(['symbol', 'price', 'bid', 'ask', 'as_of'], [['<b>X', 1, 1, 1, 'now']])],
    ]);
    const html = page(tables);
    expect(html).toContain('<td>&lt;b&gt;X</td>');
    expect(html).not.toContain('id="intraday"');
    expect(html).not.toContain('id="movers"');
  });
});

describe('intraday chart', () => {
  it('keeps every minute of a short day and merges a long one, summing volume and keeping the last close', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ time: i * 60_000, close: i, volume: 1 }));
    expect(downsample(points, 320)).toEqual({ points, minutes: 1 });
    expect(downsample(points, 4)).toEqual({
      points: [
        { time: 0, close: 2, volume: 3 },
        { time: 180_000, close: 5, volume: 3 },
        { time: 360_000, close: 8, volume: 3 },
        { time: 540_000, close: 9, volume: 1 },
      ],
      minutes: 3,
    });
  });

  it('keeps every bar and every price point inside the chart, a few points or a full day', () => {
    for (const count of [1, 3, 1440]) {
      const points = Array.from({ length: count }, (_, i) => ({
        time: i * 60_000,
        close: 10 + (i % 7),
        volume: i,
      }));
      const svg = intradayChart({ symbol: 'X', points, width: 320 });
      const bars = [...svg.matchAll(/M([\d.]+),[\d.]+V[\d.]+h([\d.]+)V/g)].map(
        (m) => Number(m[1]) + Number(m[2]),
      );
      const xs = [...(/class="price" d="([^"]*)"/.exec(svg)?.[1] ?? '').matchAll(/[ML]([\d.]+),/g)].map((m) =>
        Number(m[1]),
      );
      expect(bars.length).toBeGreaterThan(0);
      expect(Math.max(...bars, ...xs)).toBeLessThanOrEqual(318);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(2);
    }
  });

  it('labels the price range and the first and last minute', () => {
    const svg = intradayChart({
      symbol: 'KO',
      points: [
        { time: Date.UTC(2026, 10, 20, 14, 30), close: 60.5, volume: 10 },
        { time: Date.UTC(2026, 10, 20, 14, 31), close: 61.5, volume: 20 },
      ],
    });
    expect(svg).toContain('>14:30</text>');
    expect(svg).toContain('>14:31 UTC</text>');
    expect(svg).toMatch(/>60\.\d\d<\/text>/);
    expect(svg).toMatch(/<path class="price" d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
  });
});
