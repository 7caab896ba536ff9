import { TICK_SCHEMA_V2, type TickV2 } from '../../contract/tick';
import { InvalidRequestError } from '../../shared/errors';
import { MarketAuthError, MarketDataError, MarketThrottledError, MarketUnknownSymbolError } from '../errors';
import type { HistorySource, LiveMinute, LiveSource } from '../source';
import { inRegularSession, newYorkTime, newYorkToUtcMs } from '../us-market-hours';

/** How the adapter talks to Alpha Vantage (`lib/config.ts` reads them from the environment). */
export interface AlphaVantageSettings {
  /** `https://www.alphavantage.co/query`. */
  baseUrl: string;
  /** The plan's limit: requests per minute for the key, shared by every function that uses it. */
  callsPerMinute: number;
  /** The share of it backfillHistory paces itself to; the live schedules share the rest. */
  backfillCallsPerMinute: number;
  /** How many schedules invoke produceTicks every minute (each gets an equal share of the live requests). */
  scheduleGroups: number;
  /** Per request: how long to wait for an answer, and how many times to try again after a network error or 5xx. */
  timeoutMs: number;
  retries: number;
  /** A quote is stamped with its schedule minute; a run later than this after it publishes nothing. */
  maxQuoteDelayMs: number;
  /** How long a backfill invocation may spend waiting for its request slots (under the function's timeout). */
  backfillTimeBudgetMs: number;
}

/** How long a container stops asking after a throttle note: the provider's limits are per minute or per day. */
export const THROTTLE_COOL_DOWN_MS = 60_000;
/** Company overviews (market cap, P/E, exchange) change daily at most. */
export const OVERVIEW_TTL_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/** The requests one produceTicks invocation may make: its schedule's share of what backfills leave. */
export function liveRequestsPerInvocation(settings: AlphaVantageSettings): number {
  return Math.floor((settings.callsPerMinute - settings.backfillCallsPerMinute) / settings.scheduleGroups);
}

type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;
type Json = Record<string, unknown>;

/** One Alpha Vantage request, answered with its JSON body or a MarketDataError that names the call and symbol. */
export interface AlphaVantageClient {
  query(params: { fn: string; symbol: string; query?: Record<string, string> }): Promise<Json>;
  /** Requests sent (attempts included), for summaries and tests. */
  readonly requests: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const THROTTLE_NOTE =
  /call frequency|rate limit|requests per (minute|day)|calls per (minute|day)|spreading out/i;

/**
 * An Alpha Vantage client over `fetch`. The provider answers throttling, a bad key and unknown symbols with HTTP
 * 200 and a JSON note instead of data, so every body is checked before it is used: a throttle note raises
 * MarketThrottledError and makes this container wait THROTTLE_COOL_DOWN_MS before asking again; a bad key raises
 * MarketAuthError; `Invalid API call` raises MarketUnknownSymbolError. Each attempt has a timeout; network errors,
 * timeouts, 429 and 5xx are retried `retries` times with backoff. The key is read through `apiKey` (once, by its
 * caller's cache) and never appears in an error: the URL that carries it is never quoted.
 */
export function alphaVantageClient(params: {
  settings: AlphaVantageSettings;
  apiKey: () => Promise<string>;
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}): AlphaVantageClient {
  const { settings, apiKey, sleep = defaultSleep, now = Date.now } = params;
  // The global fetch at call time, not at creation: an HTTP interception library installed later still sees it.
  const send: Fetch = params.fetch ?? ((url, init) => globalThis.fetch(url, init));
  let coolDownUntil = 0;
  let requests = 0;
  const limit = `this stage's alphaVantageCallsPerMinute is ${settings.callsPerMinute}`;

  const redact = (text: string, key: string) => (key ? text.replaceAll(key, '***') : text);

  return {
    get requests() {
      return requests;
    },
    async query({ fn, symbol, query = {} }) {
      const what = `${fn} for ${symbol}`;
      if (now() < coolDownUntil)
        throw new MarketThrottledError(
          `Alpha Vantage throttled an earlier request; ${what} was not sent (this container waits until ${new Date(coolDownUntil).toISOString()}; ${limit})`,
          symbol,
        );
      const key = await apiKey();
      const url = new URL(settings.baseUrl);
      for (const [name, value] of Object.entries({ function: fn, symbol, ...query, apikey: key }))
        url.searchParams.set(name, value);
      let body: unknown;
      for (let attempt = 0; ; attempt++) {
        let retryable: string;
        try {
          requests++;
          const response = await send(url.toString(), { signal: AbortSignal.timeout(settings.timeoutMs) });
          if (response.ok) {
            const text = await response.text();
            try {
              body = JSON.parse(text);
            } catch {
              throw new MarketDataError(
                `Alpha Vantage answered ${what} with something that is not JSON`,
                symbol,
              );
            }
            break;
          }
          if (response.status !== 429 && response.status < 500)
            throw new MarketDataError(`Alpha Vantage answered ${what} with HTTP ${response.status}`, symbol);
          retryable = `HTTP ${response.status}`;
        } catch (error) {
          if (error instanceof MarketDataError) throw error;
          const name = (error as Error).name;
          retryable =
            name === 'TimeoutError'
              ? `no answer within ${settings.timeoutMs} ms`
              : redact(`${name}: ${(error as Error).message}`, key);
        }
        if (attempt >= settings.retries)
          throw new MarketDataError(
            `Alpha Vantage did not answer ${what} after ${attempt + 1} attempt(s): ${retryable}`,
            symbol,
          );
        await sleep(500 * 2 ** attempt);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new MarketDataError(`Alpha Vantage answered ${what} with JSON that is not an object`, symbol);
      const json = body as Json;
      const note = [json.Note, json.Information].find((value): value is string => typeof value === 'string');
      if (note !== undefined) {
        const said = redact(note, key);
        if (THROTTLE_NOTE.test(note)) {
          coolDownUntil = now() + THROTTLE_COOL_DOWN_MS;
          throw new MarketThrottledError(
            `Alpha Vantage throttled ${what}: the plan's limit is reached (${limit}); it said: "${said}". Nothing from this response was published; this container waits ${THROTTLE_COOL_DOWN_MS / 1000} s before asking again`,
            symbol,
          );
        }
        throw new MarketDataError(
          `Alpha Vantage answered ${what} with a note instead of data: "${said}"`,
          symbol,
        );
      }
      const errorMessage = json['Error Message'];
      if (typeof errorMessage === 'string') {
        if (/apikey/i.test(errorMessage))
          throw new MarketAuthError(
            `Alpha Vantage rejected the API key (${what}): "${redact(errorMessage, key)}". Check the secret alphaVantageKeySecretArn names`,
          );
        throw new MarketUnknownSymbolError(
          `Alpha Vantage has no ${fn} data for symbol ${symbol}: "${redact(errorMessage, key)}"`,
          symbol,
        );
      }
      return json;
    },
  };
}

/** What the tick takes from a company overview. */
export interface Overview {
  exchange: TickV2['exchange'];
  marketCap: number | null;
  peRatio: number | null;
}

/** A decimal the provider sends as a string ("225.9700"); "None", "-" or "" mean it has none. */
function optionalDecimal(value: unknown): number | null {
  if (typeof value !== 'string' || value === '' || value === 'None' || value === '-') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

function requiredDecimal(value: unknown, field: string, what: string, symbol: string): number {
  const number = optionalDecimal(value);
  if (number === null)
    throw new MarketDataError(
      `Alpha Vantage ${what} has no number in "${field}" (${JSON.stringify(value)})`,
      symbol,
    );
  return number;
}

/** Maps an OVERVIEW body; `{}` is the provider's answer for a symbol it does not cover. */
export function parseOverview(symbol: string, json: Json): Overview {
  if (Object.keys(json).length === 0)
    throw new MarketUnknownSymbolError(
      `Alpha Vantage has no OVERVIEW for symbol ${symbol} (it answered {})`,
      symbol,
    );
  const exchange = json.Exchange;
  if (exchange !== 'NASDAQ' && exchange !== 'NYSE')
    throw new MarketDataError(
      `${symbol} is listed on ${JSON.stringify(exchange)} by Alpha Vantage's OVERVIEW; the tick contract carries NASDAQ and NYSE only`,
      symbol,
    );
  return {
    exchange,
    marketCap: optionalDecimal(json.MarketCapitalization),
    peRatio: optionalDecimal(json.PERatio),
  };
}

/** The fields of a GLOBAL_QUOTE body a tick uses; `{"Global Quote": {}}` is its answer for an unknown symbol. */
export function parseGlobalQuote(symbol: string, json: Json): { price: number; latestTradingDay: string } {
  const quote = json['Global Quote'];
  if (typeof quote !== 'object' || quote === null || Object.keys(quote).length === 0)
    throw new MarketUnknownSymbolError(
      `Alpha Vantage has no GLOBAL_QUOTE for symbol ${symbol} (it answered an empty quote)`,
      symbol,
    );
  const fields = quote as Json;
  if (fields['01. symbol'] !== symbol)
    throw new MarketDataError(
      `Alpha Vantage answered GLOBAL_QUOTE for ${symbol} with a quote of ${JSON.stringify(fields['01. symbol'])}`,
      symbol,
    );
  return {
    price: requiredDecimal(fields['05. price'], '05. price', 'GLOBAL_QUOTE', symbol),
    latestTradingDay: String(fields['07. latest trading day'] ?? ''),
  };
}

/** One minute bar of a TIME_SERIES_INTRADAY body, its time converted from New York to UTC. */
export interface MinuteBar {
  timeMs: number;
  close: number;
  volume: number;
}

/** Maps a TIME_SERIES_INTRADAY (1min) body to bars in time order; an empty series gives none. */
export function parseIntraday(symbol: string, json: Json): MinuteBar[] {
  const series = json['Time Series (1min)'];
  if (typeof series !== 'object' || series === null)
    throw new MarketDataError(
      `Alpha Vantage answered TIME_SERIES_INTRADAY for ${symbol} without a 1min series`,
      symbol,
    );
  const zone = (json['Meta Data'] as Json | undefined)?.['6. Time Zone'];
  if (zone !== undefined && zone !== 'US/Eastern')
    throw new MarketDataError(
      `Alpha Vantage's series for ${symbol} is in ${String(zone)}, not US/Eastern`,
      symbol,
    );
  const bars = Object.entries(series as Record<string, Json>).map(([time, bar]) => ({
    timeMs: newYorkToUtcMs(time),
    close: requiredDecimal(bar['4. close'], '4. close', 'TIME_SERIES_INTRADAY', symbol),
    volume: Math.round(requiredDecimal(bar['5. volume'], '5. volume', 'TIME_SERIES_INTRADAY', symbol)),
  }));
  return bars.sort((a, b) => a.timeMs - b.timeMs);
}

/** Company overviews by symbol, kept OVERVIEW_TTL_MS in this container. */
function overviewCache(params: { client: AlphaVantageClient; now: () => number }) {
  const cached = new Map<string, { overview: Overview; fetchedAt: number }>();
  const fresh = (symbol: string) => {
    const entry = cached.get(symbol);
    return entry !== undefined && params.now() - entry.fetchedAt < OVERVIEW_TTL_MS
      ? entry.overview
      : undefined;
  };
  return {
    has: (symbol: string): boolean => fresh(symbol) !== undefined,
    async get(symbol: string): Promise<Overview> {
      const overview = fresh(symbol);
      if (overview) return overview;
      const fetched = parseOverview(symbol, await params.client.query({ fn: 'OVERVIEW', symbol }));
      cached.set(symbol, { overview: fetched, fetchedAt: params.now() });
      return fetched;
    },
  };
}

const toIso = (timeMs: number) => new Date(timeMs).toISOString();

/**
 * Live quotes from GLOBAL_QUOTE, one per symbol per run, stamped with the schedule minute (the provider gives
 * no time of day). Runs outside the regular US session, or later than `maxQuoteDelayMs` after their minute,
 * publish nothing and say why. Each run spends at most its schedule's share of the plan's per-minute limit
 * (see liveRequestsPerInvocation), counting the OVERVIEW a symbol needs once a day: when a group holds more symbols
 * than that, consecutive minutes take consecutive slices of it, so every symbol is quoted in turn and the plan's
 * limit is never exceeded. A symbol whose request fails is reported; the others' ticks are still returned.
 */
export function alphaVantageLiveSource(params: {
  client: AlphaVantageClient;
  settings: AlphaVantageSettings;
  now?: () => number;
}): LiveSource {
  const { client, settings, now = Date.now } = params;
  const overviews = overviewCache({ client, now });
  const budget = liveRequestsPerInvocation(settings);
  return {
    name: 'alphavantage',
    schema: TICK_SCHEMA_V2,
    async minute({ symbols, timeMs }): Promise<LiveMinute> {
      const quotedAt = Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
      const newYork = newYorkTime(quotedAt);
      if (!inRegularSession(newYork))
        return {
          ticks: [],
          covered: [],
          skipped: `outside regular US trading hours (09:30-16:00 New York, Monday to Friday): ${toIso(quotedAt)} is ${newYork.weekday} ${newYork.time} in New York`,
        };
      const delay = now() - quotedAt;
      if (delay > settings.maxQuoteDelayMs)
        return {
          ticks: [],
          covered: [],
          skipped: `the run came ${Math.round(delay / 1000)} s after its minute ${toIso(quotedAt)}: a quote taken now would carry the wrong time`,
        };
      if (budget < 1)
        throw new MarketDataError(
          `no Alpha Vantage requests are left for the live schedules: ${settings.callsPerMinute} calls per minute, ${settings.backfillCallsPerMinute} kept for backfills, ${settings.scheduleGroups} schedule group(s)`,
          undefined,
        );
      const requestsBefore = client.requests;
      const ticks: TickV2[] = [];
      const covered: string[] = [];
      const missing: { symbol: string; reason: string }[] = [];
      const failures: MarketDataError[] = [];
      const today = newYork.date;
      // Consecutive minutes start at consecutive slices of the group.
      const start = ((quotedAt / MINUTE_MS) * budget) % symbols.length;
      let spent = 0;
      for (let i = 0; i < symbols.length && spent < budget; i++) {
        const symbol = symbols[(start + i) % symbols.length] as string;
        try {
          if (!overviews.has(symbol)) spent++;
          const overview = await overviews.get(symbol);
          if (spent >= budget) break;
          spent++;
          covered.push(symbol);
          const quote = parseGlobalQuote(symbol, await client.query({ fn: 'GLOBAL_QUOTE', symbol }));
          if (quote.latestTradingDay !== today) {
            missing.push({
              symbol,
              reason: `no trading today: the latest trading day is ${quote.latestTradingDay} (a market holiday?)`,
            });
            continue;
          }
          ticks.push({
            symbol,
            price: quote.price,
            volume: null,
            timestamp: toIso(quotedAt),
            market_cap: overview.marketCap,
            pe_ratio: overview.peRatio,
            bid: null,
            ask: null,
            exchange: overview.exchange,
            seq: quotedAt / MINUTE_MS,
          });
        } catch (error) {
          if (!(error instanceof MarketDataError)) throw error;
          failures.push(error);
          // After a throttle note every further request would be refused too.
          if (error instanceof MarketThrottledError || error instanceof MarketAuthError) break;
        }
      }
      return {
        ticks,
        covered,
        requests: client.requests - requestsBefore,
        ...(missing.length > 0 ? { missing } : {}),
        ...(failures.length > 0 ? { failures } : {}),
      };
    },
  };
}

/** The months (`YYYY-MM`, UTC) a range [startMs, endMs) touches, widened by a day for New York's offset. */
export function monthsOf(startMs: number, endMs: number): string[] {
  const months: string[] = [];
  const cursor = new Date(startMs - 86_400_000);
  cursor.setUTCDate(1);
  while (cursor.getTime() < endMs + 86_400_000) {
    const month = cursor.toISOString().slice(0, 7);
    if (months.at(-1) !== month) months.push(month);
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/**
 * History from TIME_SERIES_INTRADAY (1min, regular hours, one request per symbol and month via `month=YYYY-MM`,
 * outputsize=full): each bar's close and volume at the bar's minute, sampled every `intervalSeconds` (a multiple
 * of 60). Market cap and P/E are not known for past minutes and stay null; the exchange comes from the OVERVIEW.
 * Requests are paced to `backfillCallsPerMinute`; `check` refuses a range needing more requests than the
 * invocation's time budget allows, before any is made. One page per symbol and month.
 */
export function alphaVantageHistorySource(params: {
  client: AlphaVantageClient;
  settings: AlphaVantageSettings;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): HistorySource {
  const { client, settings, now = Date.now, sleep = defaultSleep } = params;
  const overviews = overviewCache({ client, now });
  const spacingMs = MINUTE_MS / settings.backfillCallsPerMinute;
  let nextSlot = 0;
  const paced = async <T>(request: () => Promise<T>): Promise<T> => {
    const wait = nextSlot - now();
    if (wait > 0) await sleep(wait);
    nextSlot = Math.max(now(), nextSlot) + spacingMs;
    return request();
  };
  const requestsFor = (symbols: readonly string[], startMs: number, endMs: number) =>
    symbols.length * monthsOf(startMs, endMs).length +
    symbols.filter((symbol) => !overviews.has(symbol)).length;
  return {
    name: 'alphavantage',
    schema: TICK_SCHEMA_V2,
    check({ symbols, startMs, endMs, intervalSeconds }) {
      if (intervalSeconds % 60 !== 0)
        throw new InvalidRequestError(
          'backfillHistory request',
          `intervalSeconds must be a multiple of 60 with the alphavantage source (it has 1-minute bars), got ${intervalSeconds}`,
        );
      const requests = requestsFor(symbols, startMs, endMs);
      const needMs = (requests - 1) * spacingMs;
      if (needMs > settings.backfillTimeBudgetMs)
        throw new InvalidRequestError(
          'backfillHistory request',
          `the range needs ${requests} Alpha Vantage requests (one per symbol and month, and an OVERVIEW per symbol); at ${settings.backfillCallsPerMinute} per minute (alphaVantageBackfillCallsPerMinute) that is ${Math.ceil(needMs / MINUTE_MS)} min, more than the ${Math.floor(settings.backfillTimeBudgetMs / MINUTE_MS)} min one invocation may wait: split it into fewer symbols or months`,
        );
    },
    async *pages({ symbols, startMs, endMs, intervalSeconds, onEmpty }) {
      const everyMinutes = intervalSeconds / 60;
      for (const symbol of symbols) {
        const overview = overviews.has(symbol)
          ? await overviews.get(symbol)
          : await paced(() => overviews.get(symbol));
        for (const month of monthsOf(startMs, endMs)) {
          const json = await paced(() =>
            client.query({
              fn: 'TIME_SERIES_INTRADAY',
              symbol,
              query: { interval: '1min', month, outputsize: 'full', extended_hours: 'false' },
            }),
          );
          const ticks: TickV2[] = parseIntraday(symbol, json)
            .filter(
              (bar) =>
                bar.timeMs >= startMs &&
                bar.timeMs < endMs &&
                Math.round(bar.timeMs / MINUTE_MS) % everyMinutes === 0,
            )
            .map((bar) => ({
              symbol,
              price: bar.close,
              volume: bar.volume,
              timestamp: toIso(bar.timeMs),
              market_cap: null,
              pe_ratio: null,
              bid: null,
              ask: null,
              exchange: overview.exchange,
              seq: Math.round(bar.timeMs / MINUTE_MS),
            }));
          if (ticks.length > 0) yield ticks;
          else onEmpty?.(`${symbol} ${month}: no minute bars in the range`);
        }
      }
    },
  };
}
