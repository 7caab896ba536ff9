import { TICK_SCHEMA_V2, type TickV2 } from '../../contract/tick';
import { InvalidRequestError } from '../../shared/errors';
import { sleep as defaultSleep, MINUTE_MS, toIso } from '../../shared/time';
import type { HistorySource } from '../source';
import { isTradingMinute } from '../us-market-hours';
import type { AlphaVantageClient } from './client';
import { overviewCache } from './overviews';
import { parseIntraday } from './parse';
import type { AlphaVantageSettings } from './settings';

/** A free key's pace: its burst limit is about one request a second. */
export const FREE_PLAN_SPACING_MS = 1_200;

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
 * outputsize=full): each bar's close and volume at the bar's end (09:31 to 16:00 New York, as the live session's
 * quotes), sampled every `intervalSeconds` (a multiple
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
  // A premium plan's backfill share per minute; a free key's burst limit (about one request a second).
  const spacingMs =
    settings.plan === 'free' ? FREE_PLAN_SPACING_MS : MINUTE_MS / settings.backfillCallsPerMinute;
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
      if (settings.plan === 'free' && requests > settings.dailyRequests)
        throw new InvalidRequestError(
          'backfillHistory request',
          `the range needs ${requests} Alpha Vantage requests (one per symbol and month, and an OVERVIEW per symbol); a free key has ${settings.dailyRequests} a day (alphaVantageDailyRequests), shared by everything using it: backfill fewer symbols or months a day`,
        );
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
          // Each bar's close stands at the bar's end, as a live quote of that minute does.
          const ticks: TickV2[] = parseIntraday(symbol, json)
            .filter(
              (bar) =>
                bar.endMs >= startMs &&
                bar.endMs < endMs &&
                Math.round(bar.endMs / MINUTE_MS) % everyMinutes === 0 &&
                // Regular hours are kept here, not left to extended_hours=false: a pre- or post-market bar that
                // comes anyway is not a session tick.
                isTradingMinute(bar.endMs),
            )
            .map((bar) => ({
              symbol,
              price: bar.close,
              volume: bar.volume,
              timestamp: toIso(bar.endMs),
              market_cap: null,
              pe_ratio: null,
              bid: null,
              ask: null,
              exchange: overview.exchange,
              seq: Math.round(bar.endMs / MINUTE_MS),
            }));
          if (ticks.length > 0) yield ticks;
          else onEmpty?.(`${symbol} ${month}: no minute bars in the range`);
        }
      }
    },
  };
}
