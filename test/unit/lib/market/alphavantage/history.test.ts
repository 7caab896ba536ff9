import { describe, expect, it } from '@jest/globals';
import type { AnyTick } from '../../../../../lib/contract/tick';
import { parseIntraday } from '../../../../../lib/market/alphavantage/parse';
import { backfillHistory, parseBackfillRequest } from '../../../../../lib/produce/backfill';
import type { TickPublisher } from '../../../../../lib/produce/publisher';
import { fixture } from '../../../../../local/pipeline/alphavantage-fixtures';

import { historySource, KEY, overviews, serve } from './harness';

describe('Alpha Vantage history (TIME_SERIES_INTRADAY by month)', () => {
  const intraday = fixture<Record<string, unknown>>('session-intraday-2026-11.json');
  const historyAnswers = (fn: string, symbol: string, query: URLSearchParams): [number, unknown] => {
    if (fn === 'OVERVIEW') return [200, overviews[symbol] ?? {}];
    if (symbol === 'ZZZZ') return [200, fixture('provider/error-invalid-call.json')];
    return [200, query.get('month') === '2026-11' ? intraday[symbol] : fixture('empty-series.json')];
  };

  async function collect(
    source: ReturnType<typeof historySource>['source'],
    request: Parameters<typeof source.pages>[0],
  ) {
    const pages = [];
    for await (const page of source.pages(request)) pages.push(page);
    return pages;
  }

  it('keeps regular-hours bars by itself: pre- and post-market bars in an answer are not published', async () => {
    // The recorded answer's shape, with a pre-market (04:00 New York) and a post-market (16:00, ending 16:01) bar
    // beside a session bar: what extended_hours=false should leave out, if the provider ever sends them anyway.
    const bar = {
      '1. open': '86.4900',
      '2. high': '86.5000',
      '3. low': '86.4750',
      '4. close': '86.5000',
      '5. volume': '10494',
    };
    const answer = {
      'Meta Data': (
        fixture<Record<string, unknown>>('provider/time-series-intraday-msft.json') as Record<string, unknown>
      )['Meta Data'],
      'Time Series (1min)': {
        '2026-11-20 16:00:00': bar,
        '2026-11-20 15:59:00': bar,
        '2026-11-20 04:00:00': bar,
      },
    };
    serve((fn, symbol) => (fn === 'OVERVIEW' ? [200, overviews[symbol] ?? {}] : [200, answer]));
    const { source } = historySource();
    const pages = await collect(source, {
      symbols: ['MSFT'],
      startMs: Date.parse('2026-11-20T00:00:00.000Z'),
      endMs: Date.parse('2026-11-21T00:00:00.000Z'),
      intervalSeconds: 60,
    });
    // Only the bar labelled 15:59, ending at 16:00 New York (21:00 UTC).
    expect(pages.flat().map((tick) => tick.timestamp)).toEqual(['2026-11-20T21:00:00.000Z']);
  });

  it('stamps each bar at its end: the provider labels a bar by its start and its close is the price at its end', async () => {
    const asked = serve(historyAnswers);
    const { source } = historySource();
    const pages = await collect(source, {
      symbols: ['AAPL'],
      startMs: Date.parse('2026-11-20T14:30:00.000Z'),
      endMs: Date.parse('2026-11-20T14:45:00.000Z'),
      intervalSeconds: 300,
    });
    const bars = (intraday.AAPL as { 'Time Series (1min)': Record<string, Record<string, string>> })[
      'Time Series (1min)'
    ];
    expect(pages).toHaveLength(1);
    // The bars labelled 09:34 and 09:39 end at 09:35 and 09:40 New York (14:35 and 14:40 UTC): the 5-minute grid.
    expect(pages[0]).toEqual(
      ['09:34', '09:39'].map((label, index) => ({
        symbol: 'AAPL',
        price: Number(bars[`2026-11-20 ${label}:00`]?.['4. close']),
        volume: Number(bars[`2026-11-20 ${label}:00`]?.['5. volume']),
        timestamp: new Date(Date.parse('2026-11-20T14:35:00.000Z') + index * 300_000).toISOString(),
        market_cap: null,
        pe_ratio: null,
        bid: null,
        ask: null,
        exchange: 'NASDAQ',
        seq: Date.parse('2026-11-20T14:35:00.000Z') / 60_000 + index * 5,
      })),
    );
    const intradayQuery = asked.find((query) => query.get('function') === 'TIME_SERIES_INTRADAY');
    expect(Object.fromEntries(intradayQuery ?? [])).toEqual({
      function: 'TIME_SERIES_INTRADAY',
      symbol: 'AAPL',
      interval: '1min',
      month: '2026-11',
      outputsize: 'full',
      extended_hours: 'false',
      apikey: KEY,
    });
  });

  it('publishes nothing for an empty series and says which symbol and month', async () => {
    serve(historyAnswers);
    const { source } = historySource();
    const empty: string[] = [];
    const pages = await collect(source, {
      symbols: ['MSFT'],
      startMs: Date.parse('2026-10-05T00:00:00.000Z'),
      endMs: Date.parse('2026-10-06T00:00:00.000Z'),
      intervalSeconds: 60,
      onEmpty: (what) => empty.push(what),
    });
    expect(pages).toEqual([]);
    expect(empty).toEqual(['MSFT 2026-10: no minute bars in the range']);
  });

  it('fails on an unknown symbol with the provider message', async () => {
    serve((fn, symbol, query) =>
      fn === 'OVERVIEW' ? [200, overviews.AAPL] : historyAnswers(fn, symbol, query),
    );
    const { source } = historySource();
    await expect(
      collect(source, {
        symbols: ['ZZZZ'],
        startMs: Date.parse('2026-11-20T14:30:00Z'),
        endMs: Date.parse('2026-11-20T15:00:00Z'),
        intervalSeconds: 60,
      }),
    ).rejects.toThrow(
      /^Alpha Vantage called TIME_SERIES_INTRADAY for ZZZZ an invalid call: an unknown symbol, or a parameter it does not take \("Invalid API call/,
    );
  });

  // Two overviews and two months: four requests, so three waits.
  it.each([
    ['a premium key, to the backfill share of its per-minute limit', 'premium', 60_000],
    ['a free key, at its burst limit of about one request a second', 'free', 1200],
  ] as const)('paces the requests of %s', async (_plan, plan, spacingMs) => {
    serve(historyAnswers);
    const { source, clock } = historySource(undefined, { plan });
    await collect(source, {
      symbols: ['AAPL', 'MSFT'],
      startMs: Date.parse('2026-11-20T14:30:00.000Z'),
      endMs: Date.parse('2026-11-20T15:00:00.000Z'),
      intervalSeconds: 60,
    });
    expect(clock.sleeps).toEqual([spacingMs, spacingMs, spacingMs]);
  });

  it('refuses, before any request, a range a free key cannot fetch within its daily requests', () => {
    const asked = serve(historyAnswers);
    const { source } = historySource(undefined, { plan: 'free', dailyRequests: 25 });
    // Twelve symbols over one month: 12 months of series and 12 overviews fit in 25; thirteen do not.
    const month = { startMs: Date.parse('2026-11-02T00:00:00Z'), endMs: Date.parse('2026-11-28T00:00:00Z') };
    const symbols = Array.from({ length: 13 }, (_, index) => `SYM${index}`);
    expect(() =>
      source.check?.({ symbols: symbols.slice(0, 12), ...month, intervalSeconds: 60 }),
    ).not.toThrow();
    expect(() => source.check?.({ symbols, ...month, intervalSeconds: 60 })).toThrow(
      'invalid backfillHistory request: the range needs 26 Alpha Vantage requests (one per symbol and month, and an OVERVIEW per symbol); a free key has 25 a day (alphaVantageDailyRequests), shared by everything using it: backfill fewer symbols or months a day',
    );
    expect(asked).toHaveLength(0);
  });

  it('refuses, before any request, an interval finer than its bars and a range one invocation cannot pace', () => {
    const asked = serve(historyAnswers);
    const { source } = historySource();
    const day = { startMs: Date.parse('2026-11-20T00:00:00Z'), endMs: Date.parse('2026-11-21T00:00:00Z') };
    expect(() => source.check?.({ symbols: ['AAPL'], ...day, intervalSeconds: 30 })).toThrow(
      'invalid backfillHistory request: intervalSeconds must be a multiple of 60 with the alphavantage source (it has 1-minute bars), got 30',
    );
    const symbols = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA', 'META', 'TSLA', 'NFLX'];
    expect(() => source.check?.({ symbols, ...day, intervalSeconds: 60 })).toThrow(
      /the range needs 16 Alpha Vantage requests .* at 1 per minute \(alphaVantageBackfillCallsPerMinute\) that is 15 min, more than the 13 min one invocation may wait/,
    );
    // Seven symbols (14 requests, 13 min of waiting) fit.
    expect(() => source.check?.({ symbols: symbols.slice(0, 7), ...day, intervalSeconds: 60 })).not.toThrow();
    expect(asked).toHaveLength(0);
  });
});

describe('backfillHistory from Alpha Vantage', () => {
  it('publishes the minute bars as tick.v2 and lists the months without bars', async () => {
    const intraday = fixture<Record<string, unknown>>('session-intraday-2026-11.json');
    serve((fn, symbol, query) => {
      if (fn === 'OVERVIEW') return [200, overviews[symbol]];
      return [200, query.get('month') === '2026-11' ? intraday[symbol] : fixture('empty-series.json')];
    });
    const { source } = historySource();
    const sent: { ticks: readonly AnyTick[]; source: string; schema?: string }[] = [];
    const publisher: TickPublisher = {
      topic: 'stock-ticks',
      async publish(batch) {
        sent.push(batch);
        return { published: batch.ticks.length, sends: 1 };
      },
      async disconnect() {},
    };
    const summary = await backfillHistory({
      request: parseBackfillRequest({
        symbols: ['MSFT'],
        from: '2026-10-31T14:30:00Z',
        to: '2026-11-20T14:40:00Z',
        intervalSeconds: 60,
      }),
      source,
      publisher,
    });
    // The bars labelled 09:30 to 09:38 end at 09:31 to 09:39: the first minute of the session is 09:31, as live.
    expect(summary).toMatchObject({
      published: 9,
      source: 'alphavantage',
      schema: 'tick.v2',
      firstTimestamp: '2026-11-20T14:31:00.000Z',
      lastTimestamp: '2026-11-20T14:39:00.000Z',
      empty: ['MSFT 2026-10: no minute bars in the range'],
    });
    expect(sent.map((batch) => [batch.source, batch.schema, batch.ticks.length])).toEqual([
      ['backfill-history/alphavantage', 'tick.v2', 9],
    ]);
  });
});

describe('TIME_SERIES_INTRADAY as the provider answers it', () => {
  it('parses a recorded series (newest first, US/Eastern) into bars that end a minute after their label', () => {
    const bars = parseIntraday('MSFT', fixture('provider/time-series-intraday-msft.json'));
    // 2017-12-18 is in standard time: New York is UTC-5.
    expect(
      bars.map((bar) => [
        new Date(bar.startMs).toISOString(),
        new Date(bar.endMs).toISOString(),
        bar.close,
        bar.volume,
      ]),
    ).toEqual([
      ['2017-12-18T19:52:00.000Z', '2017-12-18T19:53:00.000Z', 86.499, 59822],
      ['2017-12-18T19:53:00.000Z', '2017-12-18T19:54:00.000Z', 86.47, 13249],
      ['2017-12-18T19:54:00.000Z', '2017-12-18T19:55:00.000Z', 86.4931, 24345],
      ['2017-12-18T19:55:00.000Z', '2017-12-18T19:56:00.000Z', 86.5, 12682],
      ['2017-12-18T19:56:00.000Z', '2017-12-18T19:57:00.000Z', 86.5, 10494],
    ]);
  });

  it.each([
    // label (New York)       session day in daylight-saving time (UTC-4) or not (UTC-5)
    ['2026-03-06 09:30:00', '2026-03-06T14:31:00.000Z'], // the Friday before the change: EST, the session's first bar
    ['2026-03-09 15:59:00', '2026-03-09T20:00:00.000Z'], // the Monday after: EDT, the last bar ends at the 16:00 close
    ['2026-10-30 15:59:00', '2026-10-30T20:00:00.000Z'], // before the change back: EDT
    ['2026-11-02 09:30:00', '2026-11-02T14:31:00.000Z'], // after it: EST
  ])('stamps the bar labelled %s New York at %s, across daylight-saving changes', (label, end) => {
    const series = {
      'Meta Data': { '6. Time Zone': 'US/Eastern' },
      'Time Series (1min)': { [label]: { '4. close': '1.0000', '5. volume': '1' } },
    };
    expect(parseIntraday('AAPL', series).map((bar) => new Date(bar.endMs).toISOString())).toEqual([end]);
  });
});
