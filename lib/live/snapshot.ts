import type { AnyTick } from '../contract/tick';
import { InvalidRequestError } from '../shared/errors';
import { MINUTE_MS } from '../shared/time';

/** The snapshot format's version: a reader refuses another. */
export const SNAPSHOT_VERSION = 1;

/** One-minute closes kept per symbol: a sparkline's worth, and the recent returns the jump alert measures. */
export const MINUTE_CLOSES_KEPT = 20;

/** A minute's close: `[minute, close]`, the minute as whole minutes since the epoch (compact: the page polls it). */
export type MinuteClose = [minute: number, close: number];

/** The latest state of one symbol, as the live views show it. */
export interface SymbolSnapshot {
  symbol: string;
  exchange: string;
  /** The UTC day of the last tick: the open, high, low, volume and tick count are that day's. */
  day: string;
  last: number;
  /** Null for a source without an order book (tick.v2). */
  bid: number | null;
  ask: number | null;
  /** The last tick's own timestamp. */
  tickTime: string;
  /** When the batch holding the last tick reached the snapshot. */
  landedAt: string;
  open: number;
  high: number;
  low: number;
  /** The day's volume so far; null when the source gives none (tick.v2). */
  volume: number | null;
  ticks: number;
  /** The last {@link MINUTE_CLOSES_KEPT} minutes that had a tick, oldest first; the last one may still be open. */
  closes: MinuteClose[];
}

/** The market as it is now: one small object in the results bucket, read in one GET. */
export interface LiveSnapshot {
  version: typeof SNAPSHOT_VERSION;
  /** When a landed batch last changed it (null: never). */
  updatedAt: string | null;
  /** The newest tick time of any symbol: the feed's own clock. */
  newestTick: string | null;
  symbols: Record<string, SymbolSnapshot>;
}

/** A snapshot with nothing in it yet. */
export const emptySnapshot = (): LiveSnapshot => ({
  version: SNAPSHOT_VERSION,
  updatedAt: null,
  newestTick: null,
  symbols: {},
});

// A batch's ticks mostly share their minute: its number is parsed once per minute, not once per tick.
let lastMinutePrefix = '';
let lastMinute = 0;
/** The whole minutes since the epoch of an ISO timestamp. */
function minuteOf(timestamp: string): number {
  if (lastMinutePrefix === '' || !timestamp.startsWith(lastMinutePrefix)) {
    lastMinutePrefix = timestamp.slice(0, 16);
    lastMinute = Math.floor(Date.parse(timestamp) / MINUTE_MS);
  }
  return lastMinute;
}

/** A symbol's first tick of a day: the day's open, high and low; the closes carry on across days. */
function startDay(tick: AnyTick, landedAt: string, closes: MinuteClose[]): SymbolSnapshot {
  const state: SymbolSnapshot = {
    symbol: tick.symbol,
    exchange: tick.exchange,
    day: tick.timestamp.slice(0, 10),
    last: tick.price,
    bid: tick.bid,
    ask: tick.ask,
    tickTime: tick.timestamp,
    landedAt,
    open: tick.price,
    high: tick.price,
    low: tick.price,
    volume: tick.volume,
    ticks: 1,
    closes,
  };
  addClose(state.closes, tick);
  return state;
}

/** Records the tick's price as its minute's close (in place: the state is the fold's own copy). */
function addClose(closes: MinuteClose[], tick: AnyTick): void {
  const minute = minuteOf(tick.timestamp);
  const last = closes.at(-1);
  if (last !== undefined && last[0] === minute) last[1] = tick.price;
  else {
    closes.push([minute, tick.price]);
    if (closes.length > MINUTE_CLOSES_KEPT) closes.splice(0, closes.length - MINUTE_CLOSES_KEPT);
  }
}

/** Whether ticks are already in time order. */
function inTimeOrder(ticks: readonly AnyTick[]): boolean {
  for (let i = 1; i < ticks.length; i++)
    if ((ticks[i] as AnyTick).timestamp < (ticks[i - 1] as AnyTick).timestamp) return false;
  return true;
}

/** A copy of a symbol's state that the fold may change without touching the snapshot it was given. */
const ownCopy = (state: SymbolSnapshot): SymbolSnapshot => ({
  ...state,
  closes: state.closes.map(([minute, close]): MinuteClose => [minute, close]),
});

/**
 * Folds landed ticks into a snapshot. Each symbol moves only forward in time: a tick no newer than the symbol's
 * last (a re-delivered batch, a re-published minute, a late tick) changes nothing, so applying the same ticks
 * twice, in any batches and any order within a batch, gives the same snapshot, and a re-drive leaves it as it
 * was (same bytes). A symbol's ticks keep their order on the topic (one key, one partition), so only a tick
 * that arrives after a newer one of its symbol is left out: the reports still count it. A tick of a later UTC
 * day starts the symbol's day again (open, high, low, volume), as the reports' day does.
 *
 * @returns the new snapshot, how many ticks changed it (0: the snapshot is returned unchanged) and the oldest of
 * those ticks' timestamps.
 */
export function foldTicks(
  snapshot: LiveSnapshot,
  ticks: readonly AnyTick[],
  landedAt: string,
): { snapshot: LiveSnapshot; applied: number; oldestApplied: string | null } {
  // Grouped by symbol first: ticks already in the snapshot are left out per symbol, with one lookup each.
  const bySymbol = new Map<string, AnyTick[]>();
  for (const tick of ticks) {
    const list = bySymbol.get(tick.symbol);
    if (list === undefined) bySymbol.set(tick.symbol, [tick]);
    else list.push(tick);
  }
  let symbols: Record<string, SymbolSnapshot> | undefined;
  let applied = 0;
  let newest = snapshot.newestTick;
  let oldestApplied: string | null = null;
  for (const [symbol, list] of bySymbol) {
    const known = snapshot.symbols[symbol];
    // Nothing newer than the symbol's last tick (a re-delivery): the symbol is left as it is, uncopied.
    if (known !== undefined && !list.some((tick) => tick.timestamp > known.tickTime)) continue;
    // ISO timestamps order as strings; a stable sort keeps a symbol's equal timestamps in topic order. A symbol's
    // ticks mostly come in time order (one key, one partition): then there is nothing to sort.
    if (!inTimeOrder(list))
      list.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    let state = known === undefined ? undefined : ownCopy(known);
    let lastTime = known?.tickTime ?? '';
    let first: AnyTick | undefined;
    let last: AnyTick | undefined;
    // Per tick only what every tick changes (the day's range, volume, count and minute close); the last tick's
    // own fields are set once after the loop.
    for (const tick of list) {
      if (tick.timestamp <= lastTime) continue;
      if (state === undefined || !tick.timestamp.startsWith(state.day))
        state = startDay(tick, landedAt, state?.closes ?? []);
      else {
        if (tick.price > state.high) state.high = tick.price;
        if (tick.price < state.low) state.low = tick.price;
        if (tick.volume !== null) state.volume = (state.volume ?? 0) + tick.volume;
        state.ticks++;
        addClose(state.closes, tick);
      }
      lastTime = tick.timestamp;
      first ??= tick;
      last = tick;
      applied++;
    }
    if (state === undefined || first === undefined || last === undefined) continue;
    state.exchange = last.exchange;
    state.last = last.price;
    state.bid = last.bid;
    state.ask = last.ask;
    state.tickTime = last.timestamp;
    state.landedAt = landedAt;
    symbols ??= { ...snapshot.symbols };
    symbols[symbol] = state;
    if (oldestApplied === null || first.timestamp < oldestApplied) oldestApplied = first.timestamp;
    if (newest === null || last.timestamp > newest) newest = last.timestamp;
  }
  if (symbols === undefined) return { snapshot, applied: 0, oldestApplied: null };
  return {
    snapshot: { version: SNAPSHOT_VERSION, updatedAt: landedAt, newestTick: newest, symbols },
    applied,
    oldestApplied,
  };
}

/** Parses a stored snapshot, refusing another format version. */
export function parseSnapshot(text: string): LiveSnapshot {
  const parsed = JSON.parse(text) as Partial<LiveSnapshot>;
  if (parsed.version !== SNAPSHOT_VERSION || typeof parsed.symbols !== 'object' || parsed.symbols === null)
    throw new InvalidRequestError('live snapshot', `not a version ${SNAPSHOT_VERSION} live snapshot`);
  return parsed as LiveSnapshot;
}
