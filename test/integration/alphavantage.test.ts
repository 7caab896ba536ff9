import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AnyTick, TickV2 } from '../../lib/contract/tick';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { resolveProfiles } from '../../lib/market/simulated/symbols';
import { parseCsv } from '../../lib/reports/csv';
import { FIXTURE_SESSION, fixture } from '../../local/pipeline/alphavantage-fixtures';
import { runPipeline } from '../support/pipeline';
import { referenceReports } from '../support/reference-reports';

const DAY = '2026-11-20';
const MINUTES = 3;

/** The ticks the Alpha Vantage adapter must make of the fixtures: one quote per symbol and schedule minute. */
function expectedTicks(symbols: string[]): TickV2[] {
  const quotes =
    fixture<Record<string, Record<string, { 'Global Quote': Record<string, string> }>>>(
      'session-global-quote.json',
    );
  const overviews = fixture<Record<string, Record<string, string>>>('session-overview.json');
  const ticks: TickV2[] = [];
  for (let minute = 0; minute < MINUTES; minute++) {
    const timeMs = FIXTURE_SESSION.startMs + minute * 60_000;
    const timestamp = new Date(timeMs).toISOString();
    for (const symbol of symbols) {
      const quote = quotes[symbol]?.[timestamp]?.['Global Quote'] ?? {};
      const overview = overviews[symbol] ?? {};
      ticks.push({
        symbol,
        price: Number(quote['05. price']),
        volume: null,
        timestamp,
        market_cap: Number(overview.MarketCapitalization),
        pe_ratio: overview.PERatio === 'None' ? null : Number(overview.PERatio),
        bid: null,
        ask: null,
        exchange: overview.Exchange as TickV2['exchange'],
        seq: timeMs / 60_000,
      });
    }
  }
  return ticks;
}

describe('npm run pipeline -- --source alphavantage --fixtures', () => {
  const out = mkdtempSync(join(tmpdir(), 'tickstream-alphavantage-'));
  let stdout = '';
  let stderr = '';
  let summary: {
    source: string;
    marketDataRequests: number;
    produced: number;
    landed: number;
    duplicated: number;
    quarantined: number;
    results: string;
    replay: { reportsUnchanged: boolean; distinct: number };
  };

  beforeAll(async () => {
    // The user's command, on the test broker: the real handlers, the adapter on the recorded answers.
    ({ stdout, stderr, summary } = await runPipeline<typeof summary>([
      '--source',
      'alphavantage',
      '--fixtures',
      '--minutes',
      String(MINUTES),
      '--out',
      out,
      '--replay',
    ]));
  });

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  /** A published report's CSV for the day, as the run left it on disk. */
  const publishedCsv = (name: string) => {
    const manifest = JSON.parse(readFileSync(join(summary.results, '_final', `dt=${DAY}.json`), 'utf8')) as {
      reports: { name: string; object: string }[];
    };
    const url = manifest.reports.find((report) => report.name === name)?.object ?? '';
    return readFileSync(join(out, 's3', url.replace('s3://', '')), 'utf8');
  };

  it('publishes every fixture quote once through the real broker into S3, quarantining none', () => {
    // Two schedule groups of ten symbols, three minutes, run twice (--replay): an overview once per symbol (cached
    // for the day), a quote per symbol and run.
    expect(summary).toMatchObject({
      source: 'alphavantage (recorded fixtures)',
      produced: 60,
      landed: 60,
      duplicated: 0,
      quarantined: 0,
      marketDataRequests: 20 + 60 + 60,
    });
    expect(summary.replay).toMatchObject({ reportsUnchanged: true, distinct: 60 });
    expect(`${stdout}\n${stderr}`).not.toMatch(/ERROR|Warning|\n\s+at /);
  });

  it('gives every report exactly what the fixtures say, tick.v2 nulls and all', async () => {
    const symbols = [
      ...['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA', 'META', 'TSLA', 'NFLX', 'AMD', 'INTC'],
      ...['JPM', 'V', 'MA', 'JNJ', 'WMT', 'XOM', 'UNH', 'PG', 'HD', 'KO'],
    ];
    const reference = await referenceReports(expectedTicks(symbols), DAY);
    for (const [name, csv] of Object.entries(reference))
      expect([name, publishedCsv(name)]).toEqual([name, csv]);
    // What the nulls mean in the reports: no bid/ask, no volume, so no VWAP.
    const latest = parseCsv(publishedCsv('latest_price'));
    expect(latest[0]).toEqual(['symbol', 'price', 'bid', 'ask', 'as_of']);
    const aapl = latest.find((row) => row[0] === 'AAPL');
    expect(aapl?.slice(2)).toEqual(['', '', '2026-11-20T14:33:00.000Z']);
    expect(parseCsv(publishedCsv('vwap_daily')).find((row) => row[0] === 'AAPL')).toEqual([
      'AAPL',
      '',
      '',
      '3',
    ]);
  });
});

describe('reports over a day holding tick.v1 and tick.v2 ticks', () => {
  it('weigh only ticks with a volume, and quote the bid and ask of the last tick', async () => {
    const start = Date.parse('2026-11-20T14:31:00.000Z');
    const simulated: AnyTick[] = simulateTicks({
      seed: 'mixed',
      profiles: resolveProfiles(['AAPL']),
      startMs: start,
      endMs: start + 3_000,
      ticksPerSecond: 1,
    });
    const real: TickV2 = {
      symbol: 'AAPL',
      price: 400,
      volume: null,
      timestamp: '2026-11-20T14:32:00.000Z',
      market_cap: null,
      pe_ratio: null,
      bid: null,
      ask: null,
      exchange: 'NASDAQ',
      seq: Date.parse('2026-11-20T14:32:00.000Z') / 60_000,
    };
    const reports = await referenceReports([...simulated, real], DAY);
    const weighted = simulated as { price: number; volume: number }[];
    const volume = weighted.reduce((sum, tick) => sum + tick.volume, 0);
    const vwap = weighted.reduce((sum, tick) => sum + tick.price * tick.volume, 0) / volume;
    const [vwapRow] = parseCsv(reports.vwap_daily ?? '').slice(1);
    expect(vwapRow?.[0]).toBe('AAPL');
    expect(Number(vwapRow?.[1])).toBeCloseTo(vwap, 4);
    expect(vwapRow?.slice(2)).toEqual([String(volume), '4']);
    // The last tick is the real source's quote: its price, and no bid or ask.
    expect(parseCsv(reports.latest_price ?? '').slice(1)).toEqual([
      // A double as Athena (Trino) writes it: 400.0; no bid or ask is NULL, an unquoted empty field.
      ['AAPL', '400.0', '', '', '2026-11-20T14:32:00.000Z'],
    ]);
  });
});
