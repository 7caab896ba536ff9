import type { AnyTick } from '../contract/tick';
import { InvalidRequestError } from '../shared/errors';
import { DAY_MS, MINUTE_MS, toIso } from '../shared/time';

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

/** The whole minutes since the epoch of an ISO timestamp. */
const minuteOf = (timestamp: string): number => Math.floor(Date.parse(timestamp) / MINUTE_MS);

/** A symbol's first tick of a day: the day's open, high and low; the closes carry on across days. */
function startDay(tick: AnyTick, closes: MinuteClose[]): SymbolSnapshot {
  const state: SymbolSnapshot = {
    symbol: tick.symbol,
    exchange: tick.exchange,
    day: tick.timestamp.slice(0, 10),
    last: tick.price,
    bid: tick.bid,
    ask: tick.ask,
    tickTime: tick.timestamp,
    // Set when the fold's result is taken, with the other fields of the symbol's last tick.
    landedAt: '',
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

/** A copy of a symbol's state that the fold may change without touching the snapshot it was given. */
const ownCopy = (state: SymbolSnapshot): SymbolSnapshot => ({
  ...state,
  closes: state.closes.map(([minute, close]): MinuteClose => [minute, close]),
});

/**
 * One symbol's part of a fold: its ticks are offered in time order and each one newer than the symbol's last
 * moves it forward. The running figures are kept here as plain numbers and written to the state once, at the
 * end: a number written to a field that may also hold null is a new heap object every time, and this runs for
 * every tick of every batch. Whether a tick starts a new day or a new minute is one string comparison with a
 * bound (ISO timestamps order as strings); a prefix test, or a comparison with a slice of another string, costs
 * several times more.
 */
class SymbolFold {
  /** The snapshot's last tick time for the symbol ('' when it has none): no tick up to it changes anything. */
  private readonly knownTime: string;
  /** The last tick time applied, or the known one. */
  private lastTime: string;
  /** The state being moved forward: the fold's own copy, made when the first tick applies. */
  private state: SymbolSnapshot | undefined;
  private first: AnyTick | undefined;
  private last: AnyTick | undefined;
  applied = 0;
  /** The next UTC day's first instant, as ISO text: a tick at or after it starts a new day. */
  private dayEnd = '';
  /** The first instant of the minute after the last close's, as ISO text. */
  private closeEnd = '';
  private high = 0;
  private low = 0;
  private volume = 0;
  private volumeKnown = false;
  private ticks = 0;
  /** The last close's price. */
  private close = 0;

  constructor(private readonly known: SymbolSnapshot | undefined) {
    this.knownTime = known?.tickTime ?? '';
    this.lastTime = this.knownTime;
  }

  /**
   * Offers the symbol's next tick in time order. A tick no newer than the last one (a re-delivery, a repeated
   * timestamp) changes nothing. Returns false, changing nothing, for a tick that is older than one this fold
   * applied but newer than the snapshot's: the ticks were not in time order and must be offered again sorted.
   */
  offer(tick: AnyTick): boolean {
    const time = tick.timestamp;
    if (time <= this.lastTime) return time === this.lastTime || time <= this.knownTime;
    this.apply(tick);
    this.lastTime = time;
    this.first ??= tick;
    this.last = tick;
    this.applied++;
    return true;
  }

  private apply(tick: AnyTick): void {
    if (this.applied === 0 && this.known !== undefined) {
      this.state = ownCopy(this.known);
      this.load(this.state);
    }
    const state = this.state;
    const time = tick.timestamp;
    const price = tick.price;
    if (state === undefined || time >= this.dayEnd) {
      if (state !== undefined) this.storeClose(state.closes);
      this.state = startDay(tick, state?.closes ?? []);
      this.load(this.state);
      return;
    }
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    const volume = tick.volume;
    if (volume !== null) {
      this.volume += volume;
      this.volumeKnown = true;
    }
    this.ticks++;
    if (time < this.closeEnd) this.close = price;
    else {
      this.storeClose(state.closes);
      addClose(state.closes, tick);
      this.loadClose(state.closes);
    }
  }

  private load(state: SymbolSnapshot): void {
    this.dayEnd = toIso(Date.parse(state.day) + DAY_MS);
    this.high = state.high;
    this.low = state.low;
    this.volume = state.volume ?? 0;
    this.volumeKnown = state.volume !== null;
    this.ticks = state.ticks;
    this.loadClose(state.closes);
  }

  private loadClose(closes: MinuteClose[]): void {
    const lastClose = closes.at(-1);
    this.close = lastClose?.[1] ?? 0;
    this.closeEnd = lastClose === undefined ? '' : toIso((lastClose[0] + 1) * MINUTE_MS);
  }

  private storeClose(closes: MinuteClose[]): void {
    const lastClose = closes.at(-1);
    if (lastClose !== undefined) lastClose[1] = this.close;
  }

  /** The symbol's new state, with its first and last applied ticks; undefined when no tick applied. */
  result(landedAt: string): { state: SymbolSnapshot; first: AnyTick; last: AnyTick } | undefined {
    const { state, first, last } = this;
    if (state === undefined || first === undefined || last === undefined) return undefined;
    state.high = this.high;
    state.low = this.low;
    state.volume = this.volumeKnown ? this.volume : null;
    state.ticks = this.ticks;
    this.storeClose(state.closes);
    // The last tick's own fields, set once rather than for every tick.
    state.exchange = last.exchange;
    state.last = last.price;
    state.bid = last.bid;
    state.ask = last.ask;
    state.tickTime = last.timestamp;
    state.landedAt = landedAt;
    return { state, first, last };
  }
}

/** The symbols' folds, each symbol's ticks sorted by time first (a stable sort keeps equal times in topic order). */
function foldSorted(snapshot: LiveSnapshot, ticks: readonly AnyTick[]): Map<string, SymbolFold> {
  const bySymbol = new Map<string, AnyTick[]>();
  for (const tick of ticks) {
    const list = bySymbol.get(tick.symbol);
    if (list === undefined) bySymbol.set(tick.symbol, [tick]);
    else list.push(tick);
  }
  const folds = new Map<string, SymbolFold>();
  for (const [symbol, list] of bySymbol) {
    list.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    const fold = new SymbolFold(snapshot.symbols[symbol]);
    for (const tick of list) fold.offer(tick);
    folds.set(symbol, fold);
  }
  return folds;
}

/** A fold's outcome: the new snapshot, how many ticks changed it (0: the snapshot given, unchanged), the oldest of them. */
export interface FoldResult {
  snapshot: LiveSnapshot;
  applied: number;
  oldestApplied: string | null;
}

/**
 * Folds a batch's ticks into a snapshot as they are offered, one at a time in the batch's order: landing offers
 * each tick as it decodes it, while the tick is still in the processor's caches (folding them afterwards, from
 * memory, costs three times as much). A symbol's ticks mostly come in time order (one key, one partition); when
 * one does not, the result folds the batch's ticks again with each symbol's sorted. The rules are
 * {@link foldTicks}'s.
 */
export class SnapshotFold {
  private readonly folds = new Map<string, SymbolFold>();
  private inTimeOrder = true;

  /** @param snapshot the snapshot the ticks are folded into; it is never changed. */
  constructor(private readonly snapshot: LiveSnapshot) {}

  /** Takes the batch's next tick. */
  offer(tick: AnyTick): void {
    if (!this.inTimeOrder) return;
    let fold = this.folds.get(tick.symbol);
    if (fold === undefined) {
      fold = new SymbolFold(this.snapshot.symbols[tick.symbol]);
      this.folds.set(tick.symbol, fold);
    }
    if (!fold.offer(tick)) this.inTimeOrder = false;
  }

  /**
   * The snapshot with the offered ticks in it, each changed symbol landed at `landedAt`. `ticks` are the ticks
   * offered, in the same order: they are folded again, sorted, when some symbol's came out of time order.
   */
  result(ticks: readonly AnyTick[], landedAt: string): FoldResult {
    const snapshot = this.snapshot;
    const folds = this.inTimeOrder ? this.folds : foldSorted(snapshot, ticks);
    let symbols: Record<string, SymbolSnapshot> | undefined;
    let applied = 0;
    let newest = snapshot.newestTick;
    let oldestApplied: string | null = null;
    for (const [symbol, fold] of folds) {
      const result = fold.result(landedAt);
      if (result === undefined) continue;
      const { state, first, last } = result;
      symbols ??= { ...snapshot.symbols };
      symbols[symbol] = state;
      applied += fold.applied;
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
}

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
export function foldTicks(snapshot: LiveSnapshot, ticks: readonly AnyTick[], landedAt: string): FoldResult {
  const fold = new SnapshotFold(snapshot);
  for (const tick of ticks) fold.offer(tick);
  return fold.result(ticks, landedAt);
}

/** Parses a stored snapshot, refusing another format version. */
export function parseSnapshot(text: string): LiveSnapshot {
  const parsed = JSON.parse(text) as Partial<LiveSnapshot>;
  if (parsed.version !== SNAPSHOT_VERSION || typeof parsed.symbols !== 'object' || parsed.symbols === null)
    throw new InvalidRequestError('live snapshot', `not a version ${SNAPSHOT_VERSION} live snapshot`);
  return parsed as LiveSnapshot;
}
