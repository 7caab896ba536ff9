import type { AnyTick, TickSchemaVersion } from '../contract/tick';
import type { MarketDataError } from './errors';

/** The market sources a stage may choose (`marketSource` param, `MARKET_SOURCE`). */
export const MARKET_SOURCES = ['simulated', 'alphavantage'] as const;
export type MarketSourceName = (typeof MARKET_SOURCES)[number];

/** What a live source was asked for: one schedule minute of some symbols. */
export interface LiveMinuteRequest {
  symbols: readonly string[];
  /** The minute the run covers, [startMs, endMs) (see `minuteWindow`). */
  startMs: number;
  endMs: number;
  /** The schedule instant (EventBridge's `time`): when a real source's quote is taken. */
  timeMs: number;
  ticksPerSecond: number;
}

/** The ticks of one minute, and what the source could not give and why (in the run's summary). */
export interface LiveMinute {
  ticks: AnyTick[];
  /** The symbols this run covered: all of them, or a real source's share of its request budget. */
  covered: string[];
  /** Why nothing was published, when nothing was: e.g. outside regular US trading hours. */
  skipped?: string;
  /** Symbols without a tick and why (a stale quote on a market holiday…). */
  missing?: { symbol: string; reason: string }[];
  /** Requests made to the market-data provider. */
  requests?: number;
  /** Requests that failed: the run publishes the other ticks, then fails naming these. */
  failures?: MarketDataError[];
}

/** A source of live ticks: the simulator or a market-data API. */
export interface LiveSource {
  readonly name: string;
  /** The `schema` header of the ticks it gives. */
  readonly schema: TickSchemaVersion;
  minute(request: LiveMinuteRequest): Promise<LiveMinute>;
}

/** What a history source was asked for: a half-open range sampled every `intervalSeconds`. */
export interface HistoryRequest {
  symbols: readonly string[];
  startMs: number;
  endMs: number;
  intervalSeconds: number;
}

/** A source of historical ticks, page by page in time order per symbol. */
export interface HistorySource {
  readonly name: string;
  readonly schema: TickSchemaVersion;
  /** Throws before any request when the range cannot be served (too many requests for one invocation…). */
  check?(request: HistoryRequest): void;
  /** Pages of ticks; `onEmpty` hears of each part of the range the source has no data for. */
  pages(request: HistoryRequest & { onEmpty?: (what: string) => void }): AsyncIterable<AnyTick[]>;
}
