import type { TickV2 } from '../../contract/tick';
import { MarketDataError, MarketUnknownSymbolError } from '../errors';
import { newYorkToUtcMs } from '../us-market-hours';
import type { Json } from './client';

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
