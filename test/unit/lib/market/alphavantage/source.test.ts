import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { type AnyTick, assertTickV2, TICK_SCHEMA_V2 } from '../../../../../lib/contract/tick';
import type { TickPublisher } from '../../../../../lib/kafka/client';
import {
  type AlphaVantageSettings,
  alphaVantageClient,
  alphaVantageHistorySource,
  alphaVantageLiveSource,
  liveRequestsPerInvocation,
  monthsOf,
  THROTTLE_COOL_DOWN_MS,
} from '../../../../../lib/market/alphavantage/source';
import {
  MarketAuthError,
  MarketDataError,
  MarketThrottledError,
  MarketUnknownSymbolError,
} from '../../../../../lib/market/errors';
import type { LiveMinute } from '../../../../../lib/market/source';
import { isRegularSession, newYorkToUtcMs } from '../../../../../lib/market/us-market-hours';
import { backfillHistory, parseBackfillRequest } from '../../../../../lib/produce/backfill';
import {
  fixture,
  type Interception,
  interceptAlphaVantage,
} from '../../../../../local/alphavantage-fixtures';

const KEY = 'AV-TEST-KEY-7Q2P';
const ORIGIN = 'https://www.alphavantage.co';
/** Friday 2026-11-20, 09:35 New York: inside the regular session. */
const SESSION_MINUTE = Date.parse('2026-11-20T14:35:00.000Z');

const settings: AlphaVantageSettings = {
  baseUrl: `${ORIGIN}/query`,
  callsPerMinute: 75,
  backfillCallsPerMinute: 1,
  scheduleGroups: 2,
  timeoutMs: 200,
  retries: 2,
  maxQuoteDelayMs: 120_000,
  backfillTimeBudgetMs: 13 * 60_000,
};

const quotes = fixture<Record<string, Record<string, Record<string, unknown>>>>('session-global-quote.json');
const overviews = fixture<Record<string, Record<string, string>>>('session-overview.json');
const quoteOf = (symbol: string, minute = SESSION_MINUTE) => quotes[symbol]?.[new Date(minute).toISOString()];

/** A clock the tests move; sleeps advance it instead of waiting. */
function fakeClock(startMs: number) {
  const clock = {
    now: startMs,
    sleeps: [] as number[],
    read: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
  return clock;
}

let interception: Interception | undefined;

/** Answers every request by function and symbol (undici's MockAgent); returns the queries asked, in order. */
function serve(
  answer: (fn: string, symbol: string, query: URLSearchParams) => [number, unknown],
  allow: string[] = [],
) {
  interception = interceptAlphaVantage({
    answer: (query) => answer(query.get('function') ?? '', query.get('symbol') ?? '', query),
    baseUrl: settings.baseUrl,
    disableNetConnect: true,
    allow,
  });
  return interception.requests;
}

/** The interception's fetch (jest's sandbox does not see the global dispatcher). */
const interceptedFetch = (url: string, init: { signal: AbortSignal }) => {
  if (!interception) throw new Error('serve() first');
  return interception.fetch(url, init);
};

const sessionAnswers = (fn: string, symbol: string): [number, unknown] =>
  fn === 'OVERVIEW' ? [200, overviews[symbol] ?? {}] : [200, quoteOf(symbol) ?? { 'Global Quote': {} }];

afterEach(async () => {
  await interception?.stop();
  interception = undefined;
});

function liveSource(clock: ReturnType<typeof fakeClock>, overrides: Partial<AlphaVantageSettings> = {}) {
  const merged = { ...settings, ...overrides };
  const client = alphaVantageClient({
    settings: merged,
    apiKey: async () => KEY,
    fetch: interceptedFetch,
    now: clock.read,
    sleep: clock.sleep,
  });
  return { client, source: alphaVantageLiveSource({ client, settings: merged, now: clock.read }) };
}

const minuteOf = (
  source: ReturnType<typeof liveSource>['source'],
  symbols: string[],
  timeMs = SESSION_MINUTE,
) => source.minute({ symbols, startMs: timeMs - 60_000, endMs: timeMs, timeMs, ticksPerSecond: 1 });

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

describe('throttling, bad keys, timeouts and retries', () => {
  it('turns the throttle note into an error naming the symbol and the limit, and asks nothing for a minute', async () => {
    const asked = serve((fn, symbol) =>
      fn === 'OVERVIEW' ? [200, overviews[symbol]] : [200, fixture('throttle-note.json')],
    );
    const clock = fakeClock(SESSION_MINUTE);
    const { source } = liveSource(clock);
    const minute = await minuteOf(source, ['AAPL', 'MSFT']);
    expect(minute.ticks).toEqual([]);
    // The first throttle note stops the run: every further request would be refused too.
    expect(minute.failures).toHaveLength(1);
    const [throttled] = minute.failures ?? [];
    expect(throttled).toBeInstanceOf(MarketThrottledError);
    // The run starts where this minute's slice of the group starts; that symbol is the one named.
    expect(throttled?.symbol).toBe(minute.covered[0]);
    expect(throttled?.message).toMatch(
      /^Alpha Vantage throttled GLOBAL_QUOTE for (AAPL|MSFT): the plan's limit is reached \(this stage's alphaVantageCallsPerMinute is 75\); it said: "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute/,
    );
    expect(asked).toHaveLength(2);

    clock.now += THROTTLE_COOL_DOWN_MS - 1_000;
    const cooling = await minuteOf(source, ['MSFT'], SESSION_MINUTE + 59_000);
    expect(cooling.failures?.[0]?.message).toMatch(
      /^Alpha Vantage throttled an earlier request; (OVERVIEW|GLOBAL_QUOTE) for MSFT was not sent \(this container waits until 2026-11-20T14:36:00.000Z; this stage's alphaVantageCallsPerMinute is 75\)$/,
    );
    expect(asked).toHaveLength(2);

    clock.now += 1_000;
    await minuteOf(source, ['MSFT'], SESSION_MINUTE + 60_000);
    expect(asked).toHaveLength(3);
  });

  it('treats the daily-limit Information note as throttling too', async () => {
    serve(() => [200, fixture('daily-limit-information.json')]);
    const { client } = liveSource(fakeClock(SESSION_MINUTE));
    await expect(client.query({ fn: 'GLOBAL_QUOTE', symbol: 'KO' })).rejects.toThrow(
      /^Alpha Vantage throttled GLOBAL_QUOTE for KO: .*25 requests per day/,
    );
  });

  it('turns an invalid key into MarketAuthError without ever showing the key', async () => {
    serve(() => [200, fixture('invalid-key.json')]);
    const { client } = liveSource(fakeClock(SESSION_MINUTE));
    const failure = client.query({ fn: 'GLOBAL_QUOTE', symbol: 'AAPL' });
    await expect(failure).rejects.toBeInstanceOf(MarketAuthError);
    await expect(failure).rejects.toThrow(/rejected the API key \(GLOBAL_QUOTE for AAPL\)/);
    await expect(failure).rejects.not.toThrow(KEY);
  });

  it('retries a 503 with backoff and gives up after the retry budget, naming the call', async () => {
    const asked = serve(() => [503, 'busy']);
    const clock = fakeClock(SESSION_MINUTE);
    const { client } = liveSource(clock);
    await expect(client.query({ fn: 'GLOBAL_QUOTE', symbol: 'AAPL' })).rejects.toThrow(
      'Alpha Vantage did not answer GLOBAL_QUOTE for AAPL after 3 attempt(s): HTTP 503',
    );
    expect(asked).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('times out a request that does not answer and retries it', async () => {
    // A real server on this machine: the first request gets no answer, the second its quote.
    let received = 0;
    const server = createServer((_request, response) => {
      received++;
      if (received === 1) return; // never answered: the client's timeout must end it
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(quoteOf('AAPL')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    serve(() => [500, 'not asked'], [`127.0.0.1:${port}`]);
    try {
      const clock = fakeClock(SESSION_MINUTE);
      const client = alphaVantageClient({
        settings: { ...settings, baseUrl: `http://127.0.0.1:${port}/query`, timeoutMs: 300 },
        apiKey: async () => KEY,
        fetch: interceptedFetch,
        now: clock.read,
        sleep: clock.sleep,
      });
      const started = performance.now();
      await expect(client.query({ fn: 'GLOBAL_QUOTE', symbol: 'AAPL' })).resolves.toEqual(quoteOf('AAPL'));
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(received).toBe(2);
      expect(clock.sleeps).toEqual([500]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('gives up on a request that never answers after the retry budget, naming the timeout', async () => {
    const send = jest.fn(async (_url: string, init: { signal: AbortSignal }) => {
      expect(init.signal).toBeInstanceOf(AbortSignal);
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    });
    const clock = fakeClock(SESSION_MINUTE);
    const client = alphaVantageClient({
      settings,
      apiKey: async () => KEY,
      fetch: send,
      now: clock.read,
      sleep: clock.sleep,
    });
    await expect(client.query({ fn: 'OVERVIEW', symbol: 'KO' })).rejects.toThrow(
      'Alpha Vantage did not answer OVERVIEW for KO after 3 attempt(s): no answer within 200 ms',
    );
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('does not retry a 4xx other than 429, and never quotes the URL with the key', async () => {
    const asked = serve(() => [403, 'forbidden']);
    const { client } = liveSource(fakeClock(SESSION_MINUTE));
    const failure = client.query({ fn: 'OVERVIEW', symbol: 'AAPL' });
    await expect(failure).rejects.toThrow('Alpha Vantage answered OVERVIEW for AAPL with HTTP 403');
    await expect(failure).rejects.not.toThrow(KEY);
    expect(asked).toHaveLength(1);
  });

  it('refuses a body that is not JSON (a maintenance page)', async () => {
    serve(() => [200, '<html>maintenance</html>']);
    const { client } = liveSource(fakeClock(SESSION_MINUTE));
    await expect(client.query({ fn: 'GLOBAL_QUOTE', symbol: 'AAPL' })).rejects.toThrow(
      new MarketDataError(
        'Alpha Vantage answered GLOBAL_QUOTE for AAPL with something that is not JSON',
        'AAPL',
      ),
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
function historySource(clock = fakeClock(Date.parse('2026-11-24T12:00:00.000Z'))) {
  const client = alphaVantageClient({
    settings,
    apiKey: async () => KEY,
    fetch: interceptedFetch,
    now: clock.read,
    sleep: clock.sleep,
  });
  return {
    clock,
    source: alphaVantageHistorySource({ client, settings, now: clock.read, sleep: clock.sleep }),
  };
}

describe('Alpha Vantage history (TIME_SERIES_INTRADAY by month)', () => {
  const intraday = fixture<Record<string, unknown>>('session-intraday-2026-11.json');
  const historyAnswers = (fn: string, symbol: string, query: URLSearchParams): [number, unknown] => {
    if (fn === 'OVERVIEW') return [200, overviews[symbol] ?? {}];
    if (symbol === 'ZZZZ') return [200, fixture('unknown-symbol-intraday.json')];
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

  it('maps minute bars (New York time) to ticks at their UTC minute, sampled at the interval, within the range', async () => {
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
    expect(pages[0]).toEqual(
      ['09:30', '09:35', '09:40'].map((time, index) => ({
        symbol: 'AAPL',
        price: Number(bars[`2026-11-20 ${time}:00`]?.['4. close']),
        volume: Number(bars[`2026-11-20 ${time}:00`]?.['5. volume']),
        timestamp: new Date(Date.parse('2026-11-20T14:30:00.000Z') + index * 300_000).toISOString(),
        market_cap: null,
        pe_ratio: null,
        bid: null,
        ask: null,
        exchange: 'NASDAQ',
        seq: Date.parse('2026-11-20T14:30:00.000Z') / 60_000 + index * 5,
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
    ).rejects.toThrow(/^Alpha Vantage has no TIME_SERIES_INTRADAY data for symbol ZZZZ: "Invalid API call/);
  });

  it('paces its requests to the backfill share of the limit', async () => {
    serve(historyAnswers);
    const { source, clock } = historySource();
    await collect(source, {
      symbols: ['AAPL', 'MSFT'],
      startMs: Date.parse('2026-11-20T14:30:00.000Z'),
      endMs: Date.parse('2026-11-20T15:00:00.000Z'),
      intervalSeconds: 60,
    });
    // Two overviews and two months: four requests, one a minute.
    expect(clock.sleeps).toEqual([60_000, 60_000, 60_000]);
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

describe('New York time', () => {
  it('converts wall-clock times on both sides of daylight-saving changes', () => {
    expect(new Date(newYorkToUtcMs('2026-11-20 09:30:00')).toISOString()).toBe('2026-11-20T14:30:00.000Z');
    expect(new Date(newYorkToUtcMs('2026-07-01 09:30:00')).toISOString()).toBe('2026-07-01T13:30:00.000Z');
    expect(new Date(newYorkToUtcMs('2026-03-08 03:30:00')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(new Date(newYorkToUtcMs('2026-11-01 00:30:00')).toISOString()).toBe('2026-11-01T04:30:00.000Z');
  });

  it('knows the regular session: after 09:30 and up to 16:00 on weekdays', () => {
    expect(isRegularSession(Date.parse('2026-11-20T14:31:00Z'))).toBe(true);
    expect(isRegularSession(Date.parse('2026-11-20T21:00:00Z'))).toBe(true);
    expect(isRegularSession(Date.parse('2026-11-20T14:30:00Z'))).toBe(false);
    expect(isRegularSession(Date.parse('2026-11-20T21:01:00Z'))).toBe(false);
    expect(isRegularSession(Date.parse('2026-07-01T13:31:00Z'))).toBe(true);
    expect(isRegularSession(Date.parse('2026-11-22T15:00:00Z'))).toBe(false);
  });

  it('lists the months a range touches, a day wider for the New York offset', () => {
    expect(monthsOf(Date.parse('2026-11-20T00:00:00Z'), Date.parse('2026-11-21T00:00:00Z'))).toEqual([
      '2026-11',
    ]);
    expect(monthsOf(Date.parse('2026-10-31T12:00:00Z'), Date.parse('2026-12-01T00:00:00Z'))).toEqual([
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
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
    expect(summary).toMatchObject({
      published: 10,
      source: 'alphavantage',
      schema: 'tick.v2',
      firstTimestamp: '2026-11-20T14:30:00.000Z',
      lastTimestamp: '2026-11-20T14:39:00.000Z',
      empty: ['MSFT 2026-10: no minute bars in the range'],
    });
    expect(sent.map((batch) => [batch.source, batch.schema, batch.ticks.length])).toEqual([
      ['backfill-history/alphavantage', 'tick.v2', 10],
    ]);
  });
});
