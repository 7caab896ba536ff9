import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, jest } from '@jest/globals';
import { alphaVantageClient, classifyNote } from '../../../../../lib/market/alphavantage/client';
import { THROTTLE_COOL_DOWN_MS } from '../../../../../lib/market/alphavantage/settings';
import {
  MarketAuthError,
  MarketDailyLimitError,
  MarketDataError,
  MarketInvalidCallError,
  MarketPlanError,
  MarketThrottledError,
} from '../../../../../lib/market/errors';
import { fixture } from '../../../../../local/pipeline/alphavantage-fixtures';

import {
  fakeClock,
  interceptedFetch,
  KEY,
  liveSource,
  minuteOf,
  overviews,
  quoteOf,
  SESSION_MINUTE,
  serve,
  settings,
} from './harness';

describe('throttling, bad keys, timeouts and retries', () => {
  it('the older "higher API call volume" note stops the minute\'s loop as a throttle: one request, nothing published', async () => {
    const asked = serve((fn, symbol) =>
      fn === 'OVERVIEW' ? [200, overviews[symbol]] : [200, fixture('provider/information-call-volume.json')],
    );
    const { source } = liveSource(fakeClock(SESSION_MINUTE));
    const minute = await minuteOf(source, ['AAPL', 'MSFT', 'KO']);
    expect(minute.ticks).toEqual([]);
    expect(minute.failures).toHaveLength(1);
    expect(minute.failures?.[0]).toBeInstanceOf(MarketThrottledError);
    expect(asked.filter((query) => query.get('function') === 'GLOBAL_QUOTE')).toHaveLength(1);
  });

  it('turns the throttle note into an error naming the symbol and the limit, and asks nothing for a minute', async () => {
    const asked = serve((fn, symbol) =>
      fn === 'OVERVIEW' ? [200, overviews[symbol]] : [200, fixture('provider/note-call-frequency.json')],
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

  it('stops until midnight New York after the daily limit, the reset it assumes, and says so', async () => {
    const asked = serve(() => [200, fixture('provider/information-daily-limit.json')]);
    const clock = fakeClock(SESSION_MINUTE);
    const { client } = liveSource(clock);
    const failure = client.query({ fn: 'GLOBAL_QUOTE', symbol: 'KO' });
    await expect(failure).rejects.toBeInstanceOf(MarketDailyLimitError);
    await expect(failure).rejects.toThrow(
      /^Alpha Vantage refused GLOBAL_QUOTE for KO: the key's daily limit is reached \(25 requests a day on a free plan, alphaVantageDailyRequests\); it said: "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day\..*This container asks again after 2026-11-21T05:00:00.000Z \(midnight New York\)$/,
    );
    // Nothing is asked before then: not a minute later, as a per-minute throttle would.
    clock.now = Date.parse('2026-11-21T04:59:59.000Z');
    await expect(client.query({ fn: 'GLOBAL_QUOTE', symbol: 'KO' })).rejects.toThrow(/was not sent/);
    expect(asked).toHaveLength(1);
    clock.now = Date.parse('2026-11-21T05:00:00.000Z');
    await expect(client.query({ fn: 'GLOBAL_QUOTE', symbol: 'KO' })).rejects.toBeInstanceOf(
      MarketDailyLimitError,
    );
    expect(asked).toHaveLength(2);
  });

  it.each([
    [
      'provider/information-burst.json',
      MarketThrottledError,
      /requests came faster than the key allows \(about one a second on a free plan\).*waits 1 s/,
    ],
    ['provider/note-call-frequency.json', MarketThrottledError, /the plan's limit is reached.*waits 60 s/],
    [
      'provider/information-call-volume.json',
      MarketThrottledError,
      /the plan's limit is reached.*waits 60 s/,
    ],
    [
      'provider/information-premium-endpoint.json',
      MarketPlanError,
      /the key's plan does not include it \(this stage's alphaVantagePlan is premium\); it said: "Thank you for using Alpha Vantage! This is a premium endpoint/,
    ],
    [
      'provider/information-demo-key.json',
      MarketAuthError,
      /the demo key only answers the documentation's examples; put a key of your own in the secret/,
    ],
    [
      'provider/error-missing-key.json',
      MarketAuthError,
      /the API key is missing or invalid \("the parameter apikey/,
    ],
    [
      'provider/error-invalid-call.json',
      MarketInvalidCallError,
      /called TIME_SERIES_INTRADAY for ZZZZ an invalid call: an unknown symbol, or a parameter it does not take \("Invalid API call/,
    ],
  ] as const)('answers %s with what it is, never showing the key', async (file, type, message) => {
    serve(() => [200, fixture(file)]);
    const { client } = liveSource(fakeClock(SESSION_MINUTE));
    const failure = client.query({ fn: 'TIME_SERIES_INTRADAY', symbol: 'ZZZZ' });
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toThrow(message);
    await expect(failure).rejects.not.toThrow(KEY);
  });

  it("classifies the provider's notes, the burst note first (it also mentions the daily limit)", () => {
    const note = (file: string) =>
      Object.values(fixture<Record<string, string>>(`provider/${file}`))[0] ?? '';
    expect(
      [
        'information-burst.json',
        'information-daily-limit.json',
        'note-call-frequency.json',
        'information-call-volume.json',
        'information-premium-endpoint.json',
        'information-demo-key.json',
        'error-missing-key.json',
      ].map((file) => classifyNote(note(file))),
    ).toEqual(['burst', 'daily', 'minute', 'minute', 'premium', 'demo', 'key']);
    expect(classifyNote('something new')).toBe('other');
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

  it('retries an answer whose body breaks off while it is read, as a connection that failed', async () => {
    let answers = 0;
    const send = jest.fn(async () => {
      answers++;
      const body =
        answers === 1
          ? Promise.reject(new TypeError('terminated'))
          : Promise.resolve(JSON.stringify(overviews.KO));
      return { ok: true, status: 200, text: () => body } as unknown as Response;
    });
    const clock = fakeClock(SESSION_MINUTE);
    const client = alphaVantageClient({
      settings,
      apiKey: async () => KEY,
      fetch: send,
      now: clock.read,
      sleep: clock.sleep,
    });
    await expect(client.query({ fn: 'OVERVIEW', symbol: 'KO' })).resolves.toEqual(overviews.KO);
    expect(send).toHaveBeenCalledTimes(2);
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
    const failure = await client
      .query({ fn: 'GLOBAL_QUOTE', symbol: 'AAPL' })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MarketDataError);
    expect(failure).toMatchObject({
      message: 'Alpha Vantage answered GLOBAL_QUOTE for AAPL with something that is not JSON',
      symbol: 'AAPL',
      // The parser's own error is kept; the same page again would be refused again.
      cause: expect.objectContaining({ name: 'SyntaxError' }),
      retriable: false,
    });
  });
});
