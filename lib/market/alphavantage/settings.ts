/** How the adapter talks to Alpha Vantage (`lib/market/settings.ts` reads them from the environment). */
export interface AlphaVantageSettings {
  /** `https://www.alphavantage.co/query`. */
  baseUrl: string;
  /**
   * The key's plan. `free`: 25 requests a day and about one a second, end-of-day quotes only, so no live
   * producer; backfills within the day's requests. `premium`: `callsPerMinute` a minute, no daily limit.
   */
  plan: AlphaVantagePlan;
  /**
   * Which quotes a premium key asks GLOBAL_QUOTE for (`entitlement=`): `realtime`, or `delayed` (15 minutes old,
   * stamped with the minute they describe). Without it the provider answers the last session's end-of-day quote.
   */
  entitlement: QuoteEntitlement;
  /** The free plan's requests a day. */
  dailyRequests: number;
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

/** The plans Alpha Vantage sells keys under, as far as this adapter cares. */
export const ALPHA_VANTAGE_PLANS = ['free', 'premium'] as const;
export type AlphaVantagePlan = (typeof ALPHA_VANTAGE_PLANS)[number];
/** The `entitlement` GLOBAL_QUOTE takes on a premium key. */
export const QUOTE_ENTITLEMENTS = ['realtime', 'delayed'] as const;
export type QuoteEntitlement = (typeof QUOTE_ENTITLEMENTS)[number];

/** How old a delayed quote is (its key says "DATA DELAYED BY 15 MINUTES"). */
export const DELAYED_QUOTE_MS = 15 * 60_000;
/** How long a container stops asking after a per-minute throttle note. */
export const THROTTLE_COOL_DOWN_MS = 60_000;
/** How long it waits after the free plan's burst note ("1 request per second"). */
export const BURST_COOL_DOWN_MS = 1_000;
/** Company overviews (market cap, P/E, exchange) change daily at most. */
export const OVERVIEW_TTL_MS = 24 * 3_600_000;

/** The requests one produceTicks invocation may make: its schedule's share of what backfills leave. */
export function liveRequestsPerInvocation(settings: AlphaVantageSettings): number {
  return Math.floor((settings.callsPerMinute - settings.backfillCallsPerMinute) / settings.scheduleGroups);
}
