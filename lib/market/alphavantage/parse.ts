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

/** The key GLOBAL_QUOTE answers under with `entitlement=delayed` (recorded by client libraries; see the fixtures). */
export const DELAYED_QUOTE_KEY = 'Global Quote - DATA DELAYED BY 15 MINUTES';

/** What a tick takes from a GLOBAL_QUOTE: the price, the session it belongs to, and whether it is 15 minutes old. */
export interface GlobalQuote {
  price: number;
  latestTradingDay: string;
  /** Answered under the delayed key: the price is about 15 minutes old. */
  delayed: boolean;
}

/**
 * The fields of a GLOBAL_QUOTE body a tick uses, under `Global Quote` or, with `entitlement=delayed`, under its
 * delayed key; `{"Global Quote": {}}` is the provider's answer for an unknown symbol.
 */
export function parseGlobalQuote(symbol: string, json: Json): GlobalQuote {
  const delayed = json[DELAYED_QUOTE_KEY] !== undefined;
  const quote = delayed ? json[DELAYED_QUOTE_KEY] : json['Global Quote'];
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
    delayed,
  };
}

/**
 * One minute bar of a TIME_SERIES_INTRADAY body. The provider labels a bar by its start (New York time; a regular
 * session's bars run 09:30 to 15:59) and its close is the price at its end: a tick stands at `endMs`.
 */
export interface MinuteBar {
  /** The bar's start, converted from New York to UTC: the provider's label. */
  startMs: number;
  /** Its end, one minute later: when its close was the price. */
  endMs: number;
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
    startMs: newYorkToUtcMs(time),
    endMs: newYorkToUtcMs(time) + 60_000,
    close: requiredDecimal(bar['4. close'], '4. close', 'TIME_SERIES_INTRADAY', symbol),
    volume: Math.round(requiredDecimal(bar['5. volume'], '5. volume', 'TIME_SERIES_INTRADAY', symbol)),
  }));
  return bars.sort((a, b) => a.startMs - b.startMs);
}
