import { z } from 'zod';
import { ConfigError, positiveInt } from '../shared/environment';
import {
  ALPHA_VANTAGE_PLANS,
  type AlphaVantageSettings,
  liveRequestsPerInvocation,
  QUOTE_ENTITLEMENTS,
} from './alphavantage/settings';
import { MARKET_SOURCES } from './source';

/** Where the producers' ticks come from, and how the Alpha Vantage adapter paces and times its requests. */
export const marketEnvironment = {
  MARKET_SOURCE: z.enum(MARKET_SOURCES).default('simulated'),
  /** The Secrets Manager secret holding the key (a plain string or `{"apiKey": "…"}`)… */
  ALPHA_VANTAGE_KEY_SECRET_ID: z.string().min(1).optional(),
  /** …or the key itself (local runs only). */
  ALPHA_VANTAGE_API_KEY: z.string().min(1).optional(),
  ALPHA_VANTAGE_BASE_URL: z.url().default('https://www.alphavantage.co/query'),
  /** The key's plan: `free` (25 requests a day: backfills only) or `premium` (ALPHA_VANTAGE_CALLS_PER_MINUTE). */
  ALPHA_VANTAGE_PLAN: z.enum(ALPHA_VANTAGE_PLANS).default('free'),
  /** Which quotes a premium key asks for: realtime, or delayed 15 minutes. */
  ALPHA_VANTAGE_ENTITLEMENT: z.enum(QUOTE_ENTITLEMENTS).default('realtime'),
  ALPHA_VANTAGE_DAILY_REQUESTS: positiveInt(25, 100_000),
  ALPHA_VANTAGE_CALLS_PER_MINUTE: positiveInt(75, 10_000),
  ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE: positiveInt(1, 10_000),
  PRODUCER_SCHEDULE_GROUPS: positiveInt(1, 100),
  ALPHA_VANTAGE_TIMEOUT_MS: positiveInt(10_000, 60_000),
  ALPHA_VANTAGE_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS: positiveInt(120, 366 * 86_400),
  ALPHA_VANTAGE_BACKFILL_TIME_BUDGET_SECONDS: positiveInt(780, 900),
};

/** The market source of a stage: the simulator, or Alpha Vantage with its key and pacing. */
export type MarketSettings =
  | { source: 'simulated' }
  | {
      source: 'alphavantage';
      /** The key's Secrets Manager secret, or (local runs) the key itself. */
      apiKey: { secretId: string } | { value: string };
      alphaVantage: AlphaVantageSettings;
    };

/** The market part of the producers' settings; alphavantage without a key, or with two, fails naming them. */
export function marketSettings(parsed: z.output<z.ZodObject<typeof marketEnvironment>>): MarketSettings {
  if (parsed.MARKET_SOURCE === 'simulated') return { source: 'simulated' };
  const problems: string[] = [];
  const secretId = parsed.ALPHA_VANTAGE_KEY_SECRET_ID;
  const value = parsed.ALPHA_VANTAGE_API_KEY;
  if (secretId && value)
    problems.push('ALPHA_VANTAGE_KEY_SECRET_ID and ALPHA_VANTAGE_API_KEY are both set: set one');
  else if (!secretId && !value)
    problems.push(
      'ALPHA_VANTAGE_KEY_SECRET_ID (or ALPHA_VANTAGE_API_KEY) is required with MARKET_SOURCE=alphavantage',
    );
  const alphaVantage: AlphaVantageSettings = {
    baseUrl: parsed.ALPHA_VANTAGE_BASE_URL,
    plan: parsed.ALPHA_VANTAGE_PLAN,
    entitlement: parsed.ALPHA_VANTAGE_ENTITLEMENT,
    dailyRequests: parsed.ALPHA_VANTAGE_DAILY_REQUESTS,
    callsPerMinute: parsed.ALPHA_VANTAGE_CALLS_PER_MINUTE,
    backfillCallsPerMinute: parsed.ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE,
    scheduleGroups: parsed.PRODUCER_SCHEDULE_GROUPS,
    timeoutMs: parsed.ALPHA_VANTAGE_TIMEOUT_MS,
    retries: parsed.ALPHA_VANTAGE_RETRIES,
    maxQuoteDelayMs: parsed.ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS * 1000,
    backfillTimeBudgetMs: parsed.ALPHA_VANTAGE_BACKFILL_TIME_BUDGET_SECONDS * 1000,
  };
  const live = parsed.ALPHA_VANTAGE_CALLS_PER_MINUTE - parsed.ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE;
  // The per-minute shares matter on a premium plan only: a free plan runs no live schedule.
  if (alphaVantage.plan === 'premium' && liveRequestsPerInvocation(alphaVantage) < 1)
    problems.push(
      `ALPHA_VANTAGE_CALLS_PER_MINUTE=${parsed.ALPHA_VANTAGE_CALLS_PER_MINUTE} leaves ${live} request(s) a minute after ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE=${parsed.ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE}: fewer than the ${parsed.PRODUCER_SCHEDULE_GROUPS} schedule group(s) (PRODUCER_SCHEDULE_GROUPS) need, one each`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    source: 'alphavantage',
    apiKey: secretId ? { secretId } : { value: value as string },
    alphaVantage,
  };
}
