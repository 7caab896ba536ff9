import { sleep as defaultSleep } from '../../shared/time';
import {
  MarketAuthError,
  MarketDailyLimitError,
  MarketDataError,
  MarketInvalidCallError,
  MarketPlanError,
  MarketThrottledError,
} from '../errors';
import { nextNewYorkMidnight } from '../us-market-hours';
import { type AlphaVantageSettings, BURST_COOL_DOWN_MS, THROTTLE_COOL_DOWN_MS } from './settings';

type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;
/** A decoded JSON body. */
export type Json = Record<string, unknown>;

/** One Alpha Vantage request, answered with its JSON body or a MarketDataError that names the call and symbol. */
export interface AlphaVantageClient {
  query(params: { fn: string; symbol: string; query?: Record<string, string> }): Promise<Json>;
  /** Requests sent (attempts included), for summaries and tests. */
  readonly requests: number;
}

/**
 * What a note in place of data means (Alpha Vantage answers refusals with HTTP 200 and an `Information` or, in
 * older answers, `Note` text; the texts are in local/pipeline/fixtures/alphavantage/provider/, with their sources).
 */
export function classifyNote(
  note: string,
): 'burst' | 'daily' | 'minute' | 'premium' | 'demo' | 'key' | 'other' {
  // The burst note also mentions the free plan's "25 requests per day": it is checked first.
  if (/spreading out|per second/i.test(note)) return 'burst';
  if (/requests per day/i.test(note) && !/per minute/i.test(note)) return 'daily';
  // The older volume note ("…if you are targeting a higher API call volume") is the per-minute throttle too: it
  // names the premium team's address, so it is checked before the premium refusals.
  if (/call frequency|per minute|rate limit|higher API call volume/i.test(note)) return 'minute';
  if (/premium (endpoint|feature)/i.test(note)) return 'premium';
  if (/\bdemo\b/i.test(note)) return 'demo';
  if (/apikey/i.test(note)) return 'key';
  return 'other';
}

/**
 * An Alpha Vantage client over `fetch`. The provider answers refusals with HTTP 200 and a JSON note instead of
 * data, so every body is checked before it is used (see classifyNote): the daily limit raises
 * MarketDailyLimitError and stops this container until midnight New York; a burst or per-minute throttle raises
 * MarketThrottledError and a short wait; a premium endpoint or parameter raises MarketPlanError; the demo key and a
 * missing or invalid key raise MarketAuthError; `Invalid API call` raises MarketInvalidCallError (an unknown symbol
 * or a parameter it does not take: the provider does not say which). Each attempt has a timeout; network errors,
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

  /** The error for a note in place of data; throttles also make this container wait before asking again. */
  const refusal = (
    what: string,
    symbol: string,
    kind: ReturnType<typeof classifyNote>,
    said: string,
  ): MarketDataError => {
    if (kind === 'daily') {
      // The provider does not say when its day resets: midnight New York, the later of the plausible resets (UTC
      // or US time), so a container never asks while the limit surely holds.
      coolDownUntil = nextNewYorkMidnight(now());
      return new MarketDailyLimitError(
        `Alpha Vantage refused ${what}: the key's daily limit is reached (${settings.dailyRequests} requests a day on a free plan, alphaVantageDailyRequests); it said: "${said}". This container asks again after ${new Date(coolDownUntil).toISOString()} (midnight New York)`,
        symbol,
      );
    }
    if (kind === 'burst' || kind === 'minute') {
      const waitMs = kind === 'burst' ? BURST_COOL_DOWN_MS : THROTTLE_COOL_DOWN_MS;
      coolDownUntil = now() + waitMs;
      return new MarketThrottledError(
        `Alpha Vantage throttled ${what}: ${kind === 'burst' ? 'requests came faster than the key allows (about one a second on a free plan)' : `the plan's limit is reached (${limit})`}; it said: "${said}". Nothing from this response was published; this container waits ${waitMs / 1000} s before asking again`,
        symbol,
      );
    }
    if (kind === 'premium')
      return new MarketPlanError(
        `Alpha Vantage refused ${what}: the key's plan does not include it (this stage's alphaVantagePlan is ${settings.plan}); it said: "${said}"`,
      );
    if (kind === 'key')
      return new MarketAuthError(
        `Alpha Vantage refused ${what}: the API key is missing or invalid ("${said}"). Check the secret alphaVantageKeySecretArn names`,
      );
    if (kind === 'demo')
      return new MarketAuthError(
        `Alpha Vantage refused ${what}: the demo key only answers the documentation's examples; put a key of your own in the secret alphaVantageKeySecretArn names ("${said}")`,
      );
    return new MarketDataError(
      `Alpha Vantage answered ${what} with a note instead of data: "${said}"`,
      symbol,
    );
  };

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
      // Why the last attempt failed, in the words the final error uses ("HTTP 503", "no answer within 200 ms").
      let lastReason = '';
      /** One request: the parsed body, or a MarketDataError that says whether the same request may yet succeed. */
      const attempt = async (): Promise<unknown> => {
        requests++;
        let response: Response;
        let text = '';
        try {
          response = await send(url.toString(), { signal: AbortSignal.timeout(settings.timeoutMs) });
          // The body is part of the answer: a connection that drops (or times out) while it is read is retried too.
          if (response.ok) text = await response.text();
        } catch (error) {
          const name = (error as Error).name;
          const reason =
            name === 'TimeoutError'
              ? `no answer within ${settings.timeoutMs} ms`
              : redact(`${name}: ${(error as Error).message}`, key);
          lastReason = reason;
          throw new MarketDataError(`Alpha Vantage did not answer ${what}: ${reason}`, symbol, {
            cause: error,
            retriable: true,
          });
        }
        if (!response.ok) {
          lastReason = `HTTP ${response.status}`;
          throw new MarketDataError(`Alpha Vantage answered ${what} with HTTP ${response.status}`, symbol, {
            // A throttle or a server's trouble passes; any other refusal would be the same again.
            retriable: response.status === 429 || response.status >= 500,
          });
        }
        try {
          return JSON.parse(text);
        } catch (error) {
          throw new MarketDataError(
            `Alpha Vantage answered ${what} with something that is not JSON`,
            symbol,
            {
              cause: error,
            },
          );
        }
      };
      let body: unknown;
      for (let attempts = 1; ; attempts++) {
        try {
          body = await attempt();
          break;
        } catch (error) {
          const failure = error as MarketDataError;
          if (!failure.retriable) throw failure;
          if (attempts > settings.retries) {
            throw new MarketDataError(
              `Alpha Vantage did not answer ${what} after ${attempts} attempt(s): ${lastReason}`,
              symbol,
              { cause: failure, retriable: true },
            );
          }
          await sleep(500 * 2 ** (attempts - 1));
        }
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new MarketDataError(`Alpha Vantage answered ${what} with JSON that is not an object`, symbol);
      const json = body as Json;
      const note = [json.Note, json.Information].find((value): value is string => typeof value === 'string');
      // Classified by what the provider said, quoted with the key masked (the demo key is a word of its note).
      if (note !== undefined) throw refusal(what, symbol, classifyNote(note), redact(note, key));
      const errorMessage = json['Error Message'];
      if (typeof errorMessage === 'string') {
        const said = redact(errorMessage, key);
        if (/apikey/i.test(errorMessage))
          throw new MarketAuthError(
            `Alpha Vantage refused ${what}: the API key is missing or invalid ("${said}"). Check the secret alphaVantageKeySecretArn names`,
          );
        throw new MarketInvalidCallError(
          `Alpha Vantage called ${what} an invalid call: an unknown symbol, or a parameter it does not take ("${said}")`,
          symbol,
        );
      }
      return json;
    },
  };
}
