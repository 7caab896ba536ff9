import { describe, expect, it } from '@jest/globals';
import { assertTickV2, TICK_SCHEMA_V2 } from '../../../../../lib/contract/tick';
import { liveRequestsPerInvocation } from '../../../../../lib/market/alphavantage/settings';
import { MarketUnknownSymbolError } from '../../../../../lib/market/errors';
import type { LiveMinute } from '../../../../../lib/market/source';
import { fixture } from '../../../../../local/alphavantage-fixtures';

import {
  fakeClock,
  KEY,
  liveSource,
  minuteOf,
  overviews,
  quoteOf,
  SESSION_MINUTE,
  serve,
  sessionAnswers,
  settings,
} from './harness';

describe('Alpha Vantage live quotes (GLOBAL_QUOTE + OVERVIEW)', () => {
  it('maps a quote and the company overview to a tick.v2, field by field', async () => {
    const asked = serve(sessionAnswers);
    const { source } = liveSource(fakeClock(SESSION_MINUTE + 5_000));
    const minute = await minuteOf(source, ['AAPL']);
    const quote = quoteOf('AAPL')?.['Global Quote'] as Record<string, string>;
    const overview = overviews.AAPL as Record<string, string>;
    expect(source.schema).toBe(TICK_SCHEMA_V2);
    expect(minute.ticks).toEqual([
      {
        symbol: 'AAPL',
        price: Number(quote['05. price']),
        volume: null,
        timestamp: '2026-11-20T14:35:00.000Z',
        market_cap: Number(overview.MarketCapitalization),
        pe_ratio: Number(overview.PERatio),
        bid: null,
        ask: null,
        exchange: 'NASDAQ',
        seq: SESSION_MINUTE / 60_000,
      },
    ]);
    expect(minute.ticks.map(assertTickV2)).toHaveLength(1);
    expect(asked.map((query) => [query.get('function'), query.get('symbol'), query.get('apikey')])).toEqual([
      ['OVERVIEW', 'AAPL', KEY],
      ['GLOBAL_QUOTE', 'AAPL', KEY],
    ]);
  });

  it('asks for the overview once a day per container, the quote every minute', async () => {
    const asked = serve(sessionAnswers);
    const clock = fakeClock(SESSION_MINUTE + 1_000);
    const { source } = liveSource(clock);
    await minuteOf(source, ['MSFT']);
    clock.now += 60_000;
    await minuteOf(source, ['MSFT'], SESSION_MINUTE + 60_000);
    expect(asked.map((query) => query.get('function'))).toEqual(['OVERVIEW', 'GLOBAL_QUOTE', 'GLOBAL_QUOTE']);
    clock.now += 24 * 3_600_000;
    await minuteOf(source, ['MSFT'], SESSION_MINUTE + 7 * 24 * 3_600_000);
    // A week later (a Friday again) the overview is a day old: asked again.
    expect(asked.filter((query) => query.get('function') === 'OVERVIEW')).toHaveLength(2);
  });

  it('leaves a P/E of "None" null (negative earnings)', async () => {
    serve(sessionAnswers);
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    expect(overviews.INTC?.PERatio).toBe('None');
    const minute = await minuteOf(source, ['INTC']);
    expect(minute.ticks[0]?.pe_ratio).toBeNull();
    expect(minute.ticks[0]?.exchange).toBe('NASDAQ');
  });

  it('publishes nothing outside regular US trading hours and on weekends, without a request, and says why', async () => {
    const asked = serve(sessionAnswers);
    const early = Date.parse('2026-11-20T14:30:00.000Z'); // 09:30 New York: the open, no quote yet
    const saturday = Date.parse('2026-11-21T15:00:00.000Z');
    const evening = Date.parse('2026-11-20T21:01:00.000Z'); // 16:01 New York
    for (const timeMs of [early, saturday, evening]) {
      const { source } = liveSource(fakeClock(timeMs));
      const minute = await minuteOf(source, ['AAPL'], timeMs);
      expect(minute.ticks).toEqual([]);
      expect(minute.skipped).toMatch(/^outside regular US trading hours/);
    }
    const { source } = liveSource(fakeClock(saturday));
    expect((await minuteOf(source, ['AAPL'], saturday)).skipped).toContain('Sat 10:00 in New York');
    expect(asked).toHaveLength(0);
  });

  it('publishes nothing when the run comes too late for its minute (a retried invocation)', async () => {
    const asked = serve(sessionAnswers);
    const { source } = liveSource(fakeClock(SESSION_MINUTE + 3 * 60_000));
    const minute = await minuteOf(source, ['AAPL']);
    expect(minute.ticks).toEqual([]);
    expect(minute.skipped).toBe(
      'the run came 180 s after its minute 2026-11-20T14:35:00.000Z: a quote taken now would carry the wrong time',
    );
    expect(asked).toHaveLength(0);
  });

  it('reports a quote of an earlier trading day (a market holiday) as missing, not as a tick', async () => {
    serve((fn, symbol) => {
      if (fn === 'OVERVIEW') return [200, overviews[symbol]];
      const quote = structuredClone(quoteOf(symbol)) as { 'Global Quote': Record<string, string> };
      quote['Global Quote']['07. latest trading day'] = '2026-11-19';
      return [200, quote];
    });
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    const minute = await minuteOf(source, ['AAPL']);
    expect(minute.ticks).toEqual([]);
    expect(minute.missing).toEqual([
      {
        symbol: 'AAPL',
        reason: 'no trading today: the latest trading day is 2026-11-19 (a market holiday?)',
      },
    ]);
  });

  it('reports an unknown symbol and still returns the ticks of the others', async () => {
    serve(sessionAnswers);
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    const minute = await minuteOf(source, ['AAPL', 'ZZZZ', 'MSFT']);
    expect(minute.ticks.map((tick) => tick.symbol).sort()).toEqual(['AAPL', 'MSFT']);
    expect(minute.failures).toHaveLength(1);
    expect(minute.failures?.[0]).toBeInstanceOf(MarketUnknownSymbolError);
    expect(minute.failures?.[0]?.message).toBe(
      'Alpha Vantage has no OVERVIEW for symbol ZZZZ (it answered {})',
    );
  });

  it('answers a GLOBAL_QUOTE of {"Global Quote": {}} with an unknown-symbol error', async () => {
    serve((fn) =>
      fn === 'OVERVIEW' ? [200, overviews.AAPL] : [200, fixture('unknown-symbol-global-quote.json')],
    );
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    const minute = await minuteOf(source, ['AAPL']);
    expect(minute.failures?.[0]?.message).toBe(
      'Alpha Vantage has no GLOBAL_QUOTE for symbol AAPL (it answered an empty quote)',
    );
  });
});

describe('pacing: the plan per-minute limit is never exceeded', () => {
  it('gives each schedule group its share of what backfills leave', () => {
    expect(liveRequestsPerInvocation(settings)).toBe(37);
    expect(liveRequestsPerInvocation({ ...settings, callsPerMinute: 5 })).toBe(2);
  });

  it('spreads a group larger than its share over consecutive minutes, within the limit every minute', async () => {
    // A 5-calls-per-minute plan: one kept for backfills, two schedule groups of 5 symbols -> 2 requests each.
    const small = { callsPerMinute: 5, backfillCallsPerMinute: 1, scheduleGroups: 2 };
    const groups = [
      ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA'],
      ['JPM', 'V', 'MA', 'JNJ', 'WMT'],
    ];
    const asked = serve(sessionAnswers);
    const clock = fakeClock(SESSION_MINUTE);
    const sources = groups.map(() => liveSource(clock, small).source);
    const quoted = new Map<string, number>();
    for (let minute = 0; minute < 10; minute++) {
      const timeMs = SESSION_MINUTE + minute * 60_000;
      clock.now = timeMs + 1_000;
      const before = asked.length;
      const runs: LiveMinute[] = [];
      for (const [index, source] of sources.entries())
        runs.push(await minuteOf(source, groups[index] ?? [], timeMs));
      expect(asked.length - before).toBeLessThanOrEqual(small.callsPerMinute - small.backfillCallsPerMinute);
      for (const run of runs) {
        expect(run.requests).toBeLessThanOrEqual(2);
        for (const tick of run.ticks) quoted.set(tick.symbol, (quoted.get(tick.symbol) ?? 0) + 1);
      }
    }
    // Every symbol is quoted in turn (a cold container first spends requests on overviews).
    expect([...quoted.keys()].sort()).toEqual(groups.flat().sort());
  });
});

/** A history source on a fake clock, answered by the interception. */
