/** How the adapter talks to Alpha Vantage (`lib/market/settings.ts` reads them from the environment). */
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

/** The requests one produceTicks invocation may make: its schedule's share of what backfills leave. */
export function liveRequestsPerInvocation(settings: AlphaVantageSettings): number {
  return Math.floor((settings.callsPerMinute - settings.backfillCallsPerMinute) / settings.scheduleGroups);
}
