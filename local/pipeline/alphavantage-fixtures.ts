/**
 * Serves the recorded Alpha Vantage fixtures (local/pipeline/fixtures/alphavantage/) in place of the provider, with undici's
 * MockAgent as this process's fetch dispatcher: the local stack runs the real produceTicks and backfillHistory
 * handlers in this process, so their adapter gets these answers without a key or a network. Only `fetch` is
 * intercepted (Kafka and S3 connections are untouched). GLOBAL_QUOTE answers with the quote recorded at the minute
 * `clock()` gives (the schedule minute being run), OVERVIEW and TIME_SERIES_INTRADAY with their recorded bodies;
 * unknown symbols and a wrong key get the provider's answers for them. Used by `npm run pipeline -- --source
 * alphavantage --fixtures`, the tests and the unit tests' own answers (interceptAlphaVantage).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Dispatcher,
  getGlobalDispatcher,
  MockAgent,
  setGlobalDispatcher,
  fetch as undiciFetch,
} from 'undici';

/** The fixtures' folder. */
export const ALPHA_VANTAGE_FIXTURES = join(__dirname, 'fixtures', 'alphavantage');
/**
 * The key the local runs use. Like the live API, the fixture server accepts any non-empty key (a wrong key is
 * generally accepted there); only a missing one gets the provider's "apikey is invalid or missing" answer.
 */
export const FIXTURE_API_KEY = 'fixtures-demo-key';
/** Where the fixture server answers: the provider's own URL, intercepted. */
export const FIXTURE_BASE_URL = 'https://www.alphavantage.co/query';
/** The session before the recorded one: what an end-of-day quote during it names. */
export const FIXTURE_PREVIOUS_SESSION = '2026-11-19';
/** The recorded session: 2026-11-20, 09:31 to 09:45 New York (14:31 to 14:45 UTC). */
export const FIXTURE_SESSION = { startMs: Date.parse('2026-11-20T14:31:00.000Z'), minutes: 15 } as const;

/** One fixture file's JSON. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(ALPHA_VANTAGE_FIXTURES, name), 'utf8')) as T;
}

/** An interception of the provider's URL; `stop()` puts the previous fetch dispatcher back. */
export interface Interception {
  /** Every request's query (function, symbol, apikey…), in order. */
  readonly requests: URLSearchParams[];
  /**
   * A fetch through the MockAgent itself, for code that cannot see this process's global dispatcher: jest runs
   * tests in a sandbox whose global fetch belongs to the outer realm.
   */
  fetch(url: string, init: { signal: AbortSignal }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Answers every GET to `baseUrl` with `answer(query)` (status and JSON body) until `stop()`, through a MockAgent
 * set as the global dispatcher; requests to other origins pass through, except that `disableNetConnect` refuses
 * them (unit tests, where nothing may reach a network).
 */
export function interceptAlphaVantage(params: {
  answer: (query: URLSearchParams) => [number, unknown];
  baseUrl?: string;
  /** Origins still reachable when disableNetConnect is set, e.g. a test's own server on 127.0.0.1. */
  allow?: string[];
  disableNetConnect?: boolean;
}): Interception {
  const { origin, pathname } = new URL(params.baseUrl ?? FIXTURE_BASE_URL);
  const previous: Dispatcher = getGlobalDispatcher();
  const agent = new MockAgent();
  if (params.disableNetConnect) {
    agent.disableNetConnect();
    for (const allowed of params.allow ?? []) agent.enableNetConnect(allowed);
  } else agent.enableNetConnect();
  const requests: URLSearchParams[] = [];
  agent
    .get(origin)
    .intercept({ path: (path) => path.split('?')[0] === pathname, method: 'GET' })
    .reply((request) => {
      const query = new URL(request.path, origin).searchParams;
      requests.push(query);
      const [statusCode, body] = params.answer(query);
      return {
        statusCode,
        data: typeof body === 'string' ? body : JSON.stringify(body),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  setGlobalDispatcher(agent);
  return {
    requests,
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>,
    async stop() {
      setGlobalDispatcher(previous);
      await agent.close();
    },
  };
}

/** Starts answering Alpha Vantage requests from the fixtures until `stop()`. */
export function serveAlphaVantageFixtures(params: { clock: () => number }): Interception {
  const quotes = fixture<Record<string, Record<string, unknown>>>('session-global-quote.json');
  const overviews = fixture<Record<string, unknown>>('session-overview.json');
  const intraday = fixture<Record<string, unknown>>('session-intraday-2026-11.json');
  // The provider's own answers for what the session did not record (local/pipeline/fixtures/alphavantage/provider/).
  const missingKey = fixture('provider/error-missing-key.json');
  const demoKey = fixture('provider/information-demo-key.json');
  const unknownOverview = fixture('provider/overview-unknown.json');
  const unknownQuote = fixture('provider/global-quote-unknown.json');
  const invalidCall = fixture('provider/error-invalid-call.json');
  const emptySeries = fixture('empty-series.json');
  return interceptAlphaVantage({
    answer: (query) => {
      const fn = query.get('function') ?? '';
      const symbol = query.get('symbol') ?? '';
      if (!query.get('apikey')) return [200, missingKey];
      // The public demo key answers only the documentation's own examples.
      if (query.get('apikey') === 'demo') return [200, demoKey];
      if (fn === 'OVERVIEW') return [200, overviews[symbol] ?? unknownOverview];
      if (fn === 'GLOBAL_QUOTE') {
        const recorded = quotes[symbol];
        if (!recorded) return [200, unknownQuote];
        // The quote of the minute being run; before or after the session, its first or last.
        const minutes = Object.keys(recorded).sort();
        const entitlement = query.get('entitlement');
        // A delayed quote is the one of 15 minutes earlier.
        const asOf =
          Math.floor(params.clock() / 60_000) * 60_000 - (entitlement === 'delayed' ? 15 * 60_000 : 0);
        const now = new Date(asOf).toISOString();
        const at = minutes.filter((minute) => minute <= now).at(-1) ?? minutes[0] ?? '';
        const body = recorded[at] as { 'Global Quote': Record<string, string> };
        if (entitlement === 'delayed')
          return [200, { 'Global Quote - DATA DELAYED BY 15 MINUTES': body['Global Quote'] }];
        if (entitlement === 'realtime') return [200, body];
        // Without an entitlement the provider answers the last session's end-of-day quote.
        return [
          200,
          { 'Global Quote': { ...body['Global Quote'], '07. latest trading day': FIXTURE_PREVIOUS_SESSION } },
        ];
      }
      if (fn === 'TIME_SERIES_INTRADAY') {
        if (!(symbol in quotes)) return [200, invalidCall];
        if (query.get('month') === '2026-11' && intraday[symbol]) return [200, intraday[symbol]];
        return [200, emptySeries];
      }
      return [200, { 'Error Message': `Invalid API call: the fixtures have no ${fn}` }];
    },
  });
}

/**
 * The producers' settings for a local run on the fixtures: the Alpha Vantage source with the fixtures' key instead
 * of a secret. The recorded minutes lie in the past, so the quote-delay guard is opened wide for them.
 */
export const FIXTURE_ENVIRONMENT: Record<string, string> = {
  MARKET_SOURCE: 'alphavantage',
  ALPHA_VANTAGE_KEY_SECRET_ID: '',
  ALPHA_VANTAGE_API_KEY: FIXTURE_API_KEY,
  ALPHA_VANTAGE_BASE_URL: FIXTURE_BASE_URL,
  // What a key that can run live quotes has: a premium plan, realtime quotes.
  ALPHA_VANTAGE_PLAN: 'premium',
  ALPHA_VANTAGE_ENTITLEMENT: 'realtime',
  ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS: String(366 * 86_400),
};
