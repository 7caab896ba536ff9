import { TICK_SCHEMA_V2, type TickV2 } from '../../contract/tick';
import { MINUTE_MS, toIso } from '../../shared/time';
import { MarketDataError } from '../errors';
import type { LiveMinute, LiveSource } from '../source';
import {
  EARLY_CLOSE_MINUTE,
  inRegularSession,
  marketEarlyClose,
  marketHoliday,
  newYorkTime,
} from '../us-market-hours';
import type { AlphaVantageClient } from './client';
import { overviewCache } from './overviews';
import { parseGlobalQuote } from './parse';
import { type AlphaVantageSettings, DELAYED_QUOTE_MS, liveRequestsPerInvocation } from './settings';

/**
 * Live quotes from GLOBAL_QUOTE with the stage's entitlement (realtime, or delayed 15 minutes), one per symbol per
 * run, stamped with the minute they describe: the schedule minute, or 15 minutes before it for a delayed quote (the
 * provider gives no time of day), published only when that minute is in the regular US session. A free plan, a
 * market holiday and a key that only gets end-of-day quotes publish nothing and say why (the last once per
 * container, which then stops asking); a symbol whose quote is from an earlier session (halted, not traded yet
 * today) is skipped on its own while the others publish. Runs outside the regular US session, or later than
 * `maxQuoteDelayMs` after their minute, publish nothing and say why. Each run spends at most its schedule's share of the plan's per-minute limit
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
  /** Set once this container has seen the key answer an end-of-day quote during a session. */
  let endOfDayOnly: string | undefined;
  return {
    name: 'alphavantage',
    schema: TICK_SCHEMA_V2,
    async minute({ symbols, timeMs }): Promise<LiveMinute> {
      const quotedAt = Math.floor(timeMs / MINUTE_MS) * MINUTE_MS;
      if (settings.plan === 'free')
        return {
          ticks: [],
          covered: [],
          skipped: `a free Alpha Vantage key (alphaVantagePlan: free) has ${settings.dailyRequests} requests a day and end-of-day quotes only: live quotes need a premium plan with alphaVantageEntitlement realtime or delayed; backfillHistory works on a free key`,
        };
      // The session is checked at the minute a quote describes: a delayed quote asked at 09:40 describes 09:25 (the
      // last session's close, not published), one asked at 16:10 describes 15:55 (the session's last quarter hour).
      const describesAt = settings.entitlement === 'delayed' ? quotedAt - DELAYED_QUOTE_MS : quotedAt;
      const newYork = newYorkTime(describesAt);
      const asDelayed =
        describesAt === quotedAt
          ? ''
          : ` (a delayed quote asked at ${toIso(quotedAt)} describes 15 minutes earlier)`;
      if (!inRegularSession(newYork))
        return {
          ticks: [],
          covered: [],
          skipped: `outside regular US trading hours (09:30-16:00 New York, Monday to Friday): ${toIso(describesAt)} is ${newYork.weekday} ${newYork.time} in New York${asDelayed}`,
        };
      const holiday = marketHoliday(newYork.date);
      if (holiday !== undefined)
        return {
          ticks: [],
          covered: [],
          skipped: `the US markets are closed for ${holiday} (${newYork.date})`,
        };
      const earlyClose = marketEarlyClose(newYork.date);
      if (earlyClose !== undefined && newYork.minuteOfDay > EARLY_CLOSE_MINUTE)
        return {
          ticks: [],
          covered: [],
          skipped: `the US markets closed at 13:00 New York on ${earlyClose} (${newYork.date})`,
        };
      if (endOfDayOnly !== undefined) return { ticks: [], covered: [], skipped: endOfDayOnly };
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
      const stale: string[] = [];
      let fresh = 0;
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
          const quote = parseGlobalQuote(
            symbol,
            await client.query({ fn: 'GLOBAL_QUOTE', symbol, query: { entitlement: settings.entitlement } }),
          );
          if (quote.latestTradingDay !== today) {
            // A quote from an earlier session. For one symbol among others quoted today, that symbol has not traded
            // today (halted, or not open yet): it is skipped on its own, and shows up as silent. When every quote
            // is (two or more, or a delayed quote that came without the delayed key asked for), the key only gets
            // end-of-day quotes, which is what GLOBAL_QUOTE gives without an entitlement: this container stops
            // asking, and says why once.
            stale.push(symbol);
            const keyIsEndOfDay =
              fresh === 0 && (stale.length >= 2 || (settings.entitlement === 'delayed' && !quote.delayed));
            if (keyIsEndOfDay) {
              endOfDayOnly = `your Alpha Vantage key returns end-of-day quotes (the quote for ${stale[0]} at ${newYork.date} ${newYork.time} New York is from ${quote.latestTradingDay}): live quotes need a premium plan with the realtime or delayed entitlement, asked for by alphaVantageEntitlement (now ${settings.entitlement}); this container publishes no live quotes until it is replaced`;
              missing.length = 0;
              for (const each of stale) missing.push({ symbol: each, reason: endOfDayOnly });
              break;
            }
            missing.push({
              symbol,
              reason: `the quote for ${symbol} is from ${quote.latestTradingDay}, an earlier session (halted, or not traded yet today): skipped this minute`,
            });
            continue;
          }
          fresh++;
          // A delayed quote describes the market 15 minutes before the minute it was asked for.
          const describes = quote.delayed ? quotedAt - DELAYED_QUOTE_MS : quotedAt;
          ticks.push({
            symbol,
            price: quote.price,
            volume: null,
            timestamp: toIso(describes),
            market_cap: overview.marketCap,
            pe_ratio: overview.peRatio,
            bid: null,
            ask: null,
            exchange: overview.exchange,
            seq: describes / MINUTE_MS,
          });
        } catch (error) {
          if (!(error instanceof MarketDataError)) throw error;
          failures.push(error);
          // After a throttle, a refused key or a plan refusal every further request would be refused too.
          if (error.everyRequest) break;
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
