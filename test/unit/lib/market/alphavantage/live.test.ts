import { describe, expect, it } from '@jest/globals';
import { assertTickV2, TICK_SCHEMA_V2 } from '../../../../../lib/contract/tick';
import { liveRequestsPerInvocation } from '../../../../../lib/market/alphavantage/settings';
import { MarketUnknownSymbolError } from '../../../../../lib/market/errors';
import type { LiveMinute } from '../../../../../lib/market/source';
import { fixture } from '../../../../../local/pipeline/alphavantage-fixtures';

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

  it('asks GLOBAL_QUOTE with the stage’s entitlement', async () => {
    const asked = serve(sessionAnswers);
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    await minuteOf(source, ['AAPL']);
    const quote = asked.find((query) => query.get('function') === 'GLOBAL_QUOTE');
    expect(quote?.get('entitlement')).toBe('realtime');
  });

  it('a key that gets end-of-day quotes: says so once, names the setting, and stops asking in this container', async () => {
    // What GLOBAL_QUOTE answers without an entitlement during a session: the last session's quote.
    const asked = serve((fn, symbol) => {
      if (fn === 'OVERVIEW') return [200, overviews[symbol]];
      const quote = structuredClone(quoteOf(symbol)) as { 'Global Quote': Record<string, string> };
      quote['Global Quote']['07. latest trading day'] = '2026-11-19';
      return [200, quote];
    });
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    const minute = await minuteOf(source, ['AAPL', 'MSFT', 'KO']);
    expect(minute.ticks).toEqual([]);
    // The minute's slice of the group starts at a symbol of the rotation: the one quoted, and named.
    const [first] = minute.covered;
    const explanation = `your Alpha Vantage key returns end-of-day quotes (the quote for ${first} at 2026-11-20 09:35 New York is from 2026-11-19): live quotes need a premium plan with the realtime or delayed entitlement, asked for by alphaVantageEntitlement (now realtime); this container publishes no live quotes until it is replaced`;
    // Two quotes from an earlier session and none from today: the key, not the symbols. The third is not asked.
    expect(minute.missing?.map((entry) => entry.reason)).toEqual([explanation, explanation]);
    expect(asked.filter((query) => query.get('function') === 'GLOBAL_QUOTE')).toHaveLength(2);
    const next = await minuteOf(source, ['MSFT'], SESSION_MINUTE + 60_000);
    expect(next).toEqual({ ticks: [], covered: [], skipped: explanation });
    expect(asked.filter((query) => query.get('function') === 'GLOBAL_QUOTE')).toHaveLength(2);
  });

  it('a symbol whose quote is from an earlier session (halted, not traded yet) is skipped alone; the others publish', async () => {
    const asked = serve((fn, symbol) => {
      if (fn === 'OVERVIEW') return [200, overviews[symbol]];
      const quote = structuredClone(quoteOf(symbol)) as { 'Global Quote': Record<string, string> };
      if (symbol === 'MSFT') quote['Global Quote']['07. latest trading day'] = '2026-11-19';
      return [200, quote];
    });
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    const minute = await minuteOf(source, ['AAPL', 'MSFT', 'KO']);
    expect(minute.ticks.map((tick) => tick.symbol).sort()).toEqual(['AAPL', 'KO']);
    expect(minute.missing).toEqual([
      {
        symbol: 'MSFT',
        reason:
          'the quote for MSFT is from 2026-11-19, an earlier session (halted, or not traded yet today): skipped this minute',
      },
    ]);
    // Nothing latched: the next minute asks every symbol again, MSFT included.
    const next = await minuteOf(source, ['AAPL', 'MSFT', 'KO'], SESSION_MINUTE + 60_000);
    expect(next.ticks.map((tick) => tick.symbol).sort()).toEqual(['AAPL', 'KO']);
    expect(
      asked.filter((query) => query.get('symbol') === 'MSFT' && query.get('function') === 'GLOBAL_QUOTE'),
    ).toHaveLength(2);
  });

  it('delayed quotes follow the session they describe: none stamped before 09:30, the last quarter hour after 16:00', async () => {
    const asked = serve((fn, symbol) => {
      if (fn === 'OVERVIEW') return [200, overviews[symbol]];
      const quote = quoteOf(symbol) as { 'Global Quote': Record<string, string> };
      return [200, { 'Global Quote - DATA DELAYED BY 15 MINUTES': quote['Global Quote'] }];
    });
    const at = (newYork: string) => Date.parse(`2026-11-20T${newYork}:00.000-05:00`);
    const minuteAt = async (newYork: string) => {
      const { source } = liveSource(fakeClock(at(newYork)), { entitlement: 'delayed' });
      return minuteOf(source, ['AAPL'], at(newYork));
    };
    // 09:40 asks for 09:25: the last session's close, not published, not even asked.
    const early = await minuteAt('09:40');
    expect(early.ticks).toEqual([]);
    expect(early.skipped).toBe(
      'outside regular US trading hours (09:30-16:00 New York, Monday to Friday): 2026-11-20T14:25:00.000Z is Fri 09:25 in New York (a delayed quote asked at 2026-11-20T14:40:00.000Z describes 15 minutes earlier)',
    );
    expect(asked.filter((query) => query.get('function') === 'GLOBAL_QUOTE')).toHaveLength(0);
    // 09:46 describes 09:31, the session's first minute.
    expect((await minuteAt('09:46')).ticks.map((tick) => tick.timestamp)).toEqual([
      '2026-11-20T14:31:00.000Z',
    ]);
    // 16:10 describes 15:55: published after the close; 16:15 describes 16:00, the last; 16:16 nothing.
    expect((await minuteAt('16:10')).ticks.map((tick) => tick.timestamp)).toEqual([
      '2026-11-20T20:55:00.000Z',
    ]);
    expect((await minuteAt('16:15')).ticks.map((tick) => tick.timestamp)).toEqual([
      '2026-11-20T21:00:00.000Z',
    ]);
    expect((await minuteAt('16:16')).ticks).toEqual([]);
  });

  it('a market holiday: publishes nothing and asks nothing, naming the holiday', async () => {
    const asked = serve(sessionAnswers);
    const { source } = liveSource(fakeClock(Date.parse('2026-11-26T15:00:00.000Z')));
    const minute = await minuteOf(source, ['AAPL'], Date.parse('2026-11-26T15:00:00.000Z'));
    expect(minute).toEqual({
      ticks: [],
      covered: [],
      skipped: 'the US markets are closed for Thanksgiving Day (2026-11-26)',
    });
    expect(asked).toHaveLength(0);
  });

  it('an early close: asks until 13:00 New York, then publishes nothing and says why', async () => {
    const asked = serve(sessionAnswers);
    // Friday 2026-11-27, the day after Thanksgiving: 13:00 and 13:01 New York.
    const lastMinute = Date.parse('2026-11-27T18:00:00.000Z');
    const { source } = liveSource(fakeClock(lastMinute), { maxQuoteDelayMs: 366 * 86_400_000 });
    await minuteOf(source, ['AAPL'], lastMinute);
    expect(asked.filter((query) => query.get('function') === 'GLOBAL_QUOTE')).toHaveLength(1);
    const after = await minuteOf(source, ['AAPL'], lastMinute + 60_000);
    expect(after).toEqual({
      ticks: [],
      covered: [],
      skipped: 'the US markets closed at 13:00 New York on the day after Thanksgiving (2026-11-27)',
    });
    expect(asked.filter((query) => query.get('function') === 'GLOBAL_QUOTE')).toHaveLength(1);
  });

  it('reads a delayed quote from its own key and stamps it with the minute it describes, 15 minutes earlier', async () => {
    const asked = serve((fn, symbol) => {
      if (fn === 'OVERVIEW') return [200, overviews[symbol]];
      const quote = quoteOf(symbol) as { 'Global Quote': Record<string, string> };
      return [200, { 'Global Quote - DATA DELAYED BY 15 MINUTES': quote['Global Quote'] }];
    });
    // 10:00 New York: the quote describes 09:45.
    const asking = SESSION_MINUTE + 25 * 60_000;
    const { source } = liveSource(fakeClock(asking), { entitlement: 'delayed' });
    const minute = await minuteOf(source, ['AAPL'], asking);
    expect(asked.find((query) => query.get('function') === 'GLOBAL_QUOTE')?.get('entitlement')).toBe(
      'delayed',
    );
    const price = Number(
      (quoteOf('AAPL') as { 'Global Quote': Record<string, string> })['Global Quote']['05. price'],
    );
    expect(minute.ticks).toEqual([
      expect.objectContaining({
        symbol: 'AAPL',
        price,
        timestamp: new Date(asking - 15 * 60_000).toISOString(),
        seq: (asking - 15 * 60_000) / 60_000,
      }),
    ]);
  });

  it('a free plan runs no live quotes: nothing asked, and the reason names the plan and what works', async () => {
    const asked = serve(sessionAnswers);
    const { source } = liveSource(fakeClock(SESSION_MINUTE), { plan: 'free' });
    const minute = await minuteOf(source, ['AAPL']);
    expect(minute.ticks).toEqual([]);
    expect(minute.skipped).toBe(
      'a free Alpha Vantage key (alphaVantagePlan: free) has 25 requests a day and end-of-day quotes only: live quotes need a premium plan with alphaVantageEntitlement realtime or delayed; backfillHistory works on a free key',
    );
    expect(asked).toHaveLength(0);
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
      fn === 'OVERVIEW' ? [200, overviews.AAPL] : [200, fixture('provider/global-quote-unknown.json')],
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
