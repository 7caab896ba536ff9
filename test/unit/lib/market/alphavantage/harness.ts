import { afterEach } from '@jest/globals';
import { alphaVantageClient } from '../../../../../lib/market/alphavantage/client';
import { alphaVantageHistorySource } from '../../../../../lib/market/alphavantage/history';
import { alphaVantageLiveSource } from '../../../../../lib/market/alphavantage/live';
import type { AlphaVantageSettings } from '../../../../../lib/market/alphavantage/settings';
import {
  fixture,
  type Interception,
  interceptAlphaVantage,
} from '../../../../../local/pipeline/alphavantage-fixtures';

/** Shared set-up of the Alpha Vantage adapter tests: settings, recorded answers served by undici's MockAgent, a clock. */
export const KEY = 'AV-TEST-KEY-7Q2P';
export const ORIGIN = 'https://www.alphavantage.co';
/** Friday 2026-11-20, 09:35 New York: inside the regular session. */
export const SESSION_MINUTE = Date.parse('2026-11-20T14:35:00.000Z');

export const settings: AlphaVantageSettings = {
  baseUrl: `${ORIGIN}/query`,
  plan: 'premium',
  entitlement: 'realtime',
  dailyRequests: 25,
  callsPerMinute: 75,
  backfillCallsPerMinute: 1,
  scheduleGroups: 2,
  timeoutMs: 200,
  retries: 2,
  maxQuoteDelayMs: 120_000,
  backfillTimeBudgetMs: 13 * 60_000,
};

export const quotes =
  fixture<Record<string, Record<string, Record<string, unknown>>>>('session-global-quote.json');
export const overviews = fixture<Record<string, Record<string, string>>>('session-overview.json');
export const quoteOf = (symbol: string, minute = SESSION_MINUTE) =>
  quotes[symbol]?.[new Date(minute).toISOString()];

/** A clock the tests move; sleeps advance it instead of waiting. */
export function fakeClock(startMs: number) {
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
export function serve(
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
export const interceptedFetch = (url: string, init: { signal: AbortSignal }) => {
  if (!interception) throw new Error('serve() first');
  return interception.fetch(url, init);
};

export const sessionAnswers = (fn: string, symbol: string): [number, unknown] =>
  fn === 'OVERVIEW' ? [200, overviews[symbol] ?? {}] : [200, quoteOf(symbol) ?? { 'Global Quote': {} }];

afterEach(async () => {
  await interception?.stop();
  interception = undefined;
});

export function liveSource(
  clock: ReturnType<typeof fakeClock>,
  overrides: Partial<AlphaVantageSettings> = {},
) {
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

export const minuteOf = (
  source: ReturnType<typeof liveSource>['source'],
  symbols: string[],
  timeMs = SESSION_MINUTE,
) => source.minute({ symbols, startMs: timeMs - 60_000, endMs: timeMs, timeMs, ticksPerSecond: 1 });

export function historySource(
  clock = fakeClock(Date.parse('2026-11-24T12:00:00.000Z')),
  overrides: Partial<AlphaVantageSettings> = {},
) {
  const planned = { ...settings, ...overrides };
  const client = alphaVantageClient({
    settings: planned,
    apiKey: async () => KEY,
    fetch: interceptedFetch,
    now: clock.read,
    sleep: clock.sleep,
  });
  return {
    clock,
    source: alphaVantageHistorySource({ client, settings: planned, now: clock.read, sleep: clock.sleep }),
  };
}
