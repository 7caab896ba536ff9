import { TICK_SCHEMA_V2, type TickV2 } from '../../contract/tick';
import { MINUTE_MS, toIso } from '../../shared/time';
import { MarketAuthError, MarketDataError, MarketThrottledError } from '../errors';
import type { LiveMinute, LiveSource } from '../source';
import { inRegularSession, newYorkTime } from '../us-market-hours';
import type { AlphaVantageClient } from './client';
import { overviewCache } from './overviews';
import { parseGlobalQuote } from './parse';
import { type AlphaVantageSettings, liveRequestsPerInvocation } from './settings';

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
