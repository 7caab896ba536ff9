import { sleep as defaultSleep } from '../../shared/time';
import { MarketAuthError, MarketDataError, MarketThrottledError, MarketUnknownSymbolError } from '../errors';
import { type AlphaVantageSettings, THROTTLE_COOL_DOWN_MS } from './settings';

type Fetch = (url: string, init: { signal: AbortSignal }) => Promise<Response>;
/** A decoded JSON body. */
export type Json = Record<string, unknown>;

/** One Alpha Vantage request, answered with its JSON body or a MarketDataError that names the call and symbol. */
export interface AlphaVantageClient {
  query(params: { fn: string; symbol: string; query?: Record<string, string> }): Promise<Json>;
  /** Requests sent (attempts included), for summaries and tests. */
  readonly requests: number;
}

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
