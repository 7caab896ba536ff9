import { isTradingMinute } from '../market/us-market-hours';
import { InvalidRequestError } from '../shared/errors';
import { MINUTE_MS } from '../shared/time';
import type { LiveSnapshot, SymbolSnapshot } from './snapshot';

/** What an alert is about. */
export type AlertKind = 'symbol-silent' | 'feed-stalled' | 'price-jump';

/** When the alerts open (stage parameters; docs/live.md, "Alerts"). */
export interface AlertThresholds {
  /** A symbol with no tick for this many minutes, while the others tick and its market is open. */
  silentMinutes: number;
  /** Nothing landed for this many minutes while the market is open: producers, broker or mapping down. */
  feedStalledMinutes: number;
  /** A move beyond this many standard deviations of the symbol's recent one-minute returns… */
  jumpSigma: number;
  /** …and beyond this percentage, so a very quiet symbol does not alert on a small move. */
  jumpMinPercent: number;
  /** Recent one-minute returns needed before a symbol's moves are judged. */
  jumpMinReturns: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  silentMinutes: 5,
  feedStalledMinutes: 3,
  jumpSigma: 6,
  jumpMinPercent: 2,
  jumpMinReturns: 10,
};

/** When the market is open, for the silence alerts: the US session (a real source), or always (the simulator). */
export type MarketHours = 'us' | 'always';

export const marketOpen = (hours: MarketHours) => (timeMs: number) =>
  hours === 'always' || isTradingMinute(timeMs);

/** An alert episode: opened once when its condition starts, resolved once when it ends. */
export interface Episode {
  /** `kind` or `kind:SYMBOL`: one episode of a kind per symbol at a time. */
  id: string;
  kind: AlertKind;
  symbol: string | null;
  /** When the condition started (the last tick before a silence, the last landing before a stall, the move). */
  since: string;
  /** When the episode was opened (the watch's clock). */
  openedAt: string;
  /** What happened, in a sentence a person reads. */
  what: string;
  lastPrice: number | null;
}

/** An episode opening or resolving: what is sent to the alerts topic and kept in the alerts object. */
export interface AlertEvent {
  /** Unique: the episode id, its opening time and the change. */
  id: string;
  change: 'opened' | 'resolved';
  at: string;
  episode: Episode;
  /** For a resolution: why it ended. */
  resolution?: string;
  lastPrice: number | null;
}

/** The alerts object in the results bucket: open episodes, recent events, and events not yet sent. */
export interface AlertsState {
  version: 1;
  /** The watch's clock at its last evaluation: an older (late, re-delivered) evaluation changes nothing. */
  evaluatedAt: string | null;
  open: Record<string, Episode>;
  /** The most recent openings and resolutions, oldest first ({@link HISTORY_KEPT}). */
  history: AlertEvent[];
  /** Events recorded but not yet sent to the topic (sent, then removed: none is lost to a failed send). */
  pending: AlertEvent[];
}

export const HISTORY_KEPT = 200;

export const emptyAlerts = (): AlertsState => ({
  version: 1,
  evaluatedAt: null,
  open: {},
  history: [],
  pending: [],
});

/** Parses a stored alerts object, refusing another format version. */
export function parseAlerts(text: string): AlertsState {
  const parsed = JSON.parse(text) as Partial<AlertsState>;
  if (parsed.version !== 1 || typeof parsed.open !== 'object' || !Array.isArray(parsed.history))
    throw new InvalidRequestError('alerts object', 'not a version 1 alerts object');
  return { pending: [], ...parsed } as AlertsState;
}

const minutes = (ms: number) => Math.round(ms / MINUTE_MS);
const clock = (iso: string) => `${iso.slice(11, 19)} UTC`;

/** Sample standard deviation of log returns between consecutive minutes of the closes before the last. */
function recentReturns(state: SymbolSnapshot): number[] {
  const returns: number[] = [];
  const closes = state.closes.slice(0, -1);
  for (let i = 1; i < closes.length; i++) {
    const [previousMinute, previous] = closes[i - 1] as [number, number];
    const [minute, close] = closes[i] as [number, number];
    if (minute === previousMinute + 1 && previous > 0 && close > 0) returns.push(Math.log(close / previous));
  }
  return returns;
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance);
}

/**
 * A symbol's price move now: its last price against the close of the minute before its last tick's minute,
 * judged against the spread of its recent one-minute returns. Null when there is not enough history.
 */
export function priceMove(
  state: SymbolSnapshot,
  thresholds: AlertThresholds,
): { percent: number; sigmas: number; isJump: boolean; reference: number } | null {
  const last = state.closes.at(-1);
  const before = state.closes.at(-2);
  // The reference is the minute just before (or two before: a minute without a tick).
  if (last === undefined || before === undefined || last[0] - before[0] > 2) return null;
  const returns = recentReturns(state);
  if (returns.length < thresholds.jumpMinReturns) return null;
  const sigma = standardDeviation(returns);
  const move = Math.log(state.last / before[1]);
  const percent = (state.last / before[1] - 1) * 100;
  const sigmas = sigma > 0 ? Math.abs(move) / sigma : Number.POSITIVE_INFINITY;
  return {
    percent,
    sigmas,
    isJump: sigmas >= thresholds.jumpSigma && Math.abs(percent) >= thresholds.jumpMinPercent,
    reference: before[1],
  };
}

type Condition = Omit<Episode, 'openedAt'>;

/** The conditions true now, by episode id, and the kinds left as they are (not judged now). */
function conditionsNow(
  snapshot: LiveSnapshot,
  nowMs: number,
  thresholds: AlertThresholds,
  isOpen: (timeMs: number) => boolean,
): { conditions: Map<string, Condition>; frozen: Set<AlertKind> } {
  const conditions = new Map<string, Condition>();
  const frozen = new Set<AlertKind>();
  const stallMs = thresholds.feedStalledMinutes * MINUTE_MS;
  const updatedMs = snapshot.updatedAt === null ? null : Date.parse(snapshot.updatedAt);
  if (updatedMs !== null && isOpen(nowMs) && isOpen(nowMs - stallMs) && nowMs - updatedMs >= stallMs) {
    conditions.set('feed-stalled', {
      id: 'feed-stalled',
      kind: 'feed-stalled',
      symbol: null,
      since: snapshot.updatedAt as string,
      what: `no tick has landed since ${clock(snapshot.updatedAt as string)} (${minutes(nowMs - updatedMs)} minutes): the producers, the broker or the event source mapping has stopped`,
      lastPrice: null,
    });
    // Every symbol is silent in a stall: one alert says it; the symbols' own episodes wait until it ends.
    frozen.add('symbol-silent');
    frozen.add('price-jump');
    return { conditions, frozen };
  }
  // Silence is measured on the feed's own clock (its newest tick): a delayed feed is not silent, and a symbol is
  // silent only while others tick.
  const feedMs = snapshot.newestTick === null ? null : Date.parse(snapshot.newestTick);
  const silentMs = thresholds.silentMinutes * MINUTE_MS;
  for (const state of Object.values(snapshot.symbols)) {
    const tickMs = Date.parse(state.tickTime);
    if (feedMs !== null && isOpen(feedMs) && isOpen(feedMs - silentMs) && feedMs - tickMs >= silentMs) {
      conditions.set(`symbol-silent:${state.symbol}`, {
        id: `symbol-silent:${state.symbol}`,
        kind: 'symbol-silent',
        symbol: state.symbol,
        since: state.tickTime,
        what: `${state.symbol} has had no tick since ${clock(state.tickTime)} (${minutes(feedMs - tickMs)} minutes) while its market is open and other symbols trade`,
        lastPrice: state.last,
      });
      continue;
    }
    const move = priceMove(state, thresholds);
    if (move?.isJump)
      conditions.set(`price-jump:${state.symbol}`, {
        id: `price-jump:${state.symbol}`,
        kind: 'price-jump',
        symbol: state.symbol,
        since: state.tickTime,
        what: `${state.symbol} moved ${move.percent >= 0 ? '+' : ''}${move.percent.toFixed(2)}% in about a minute (from ${move.reference} to ${state.last}), ${move.sigmas.toFixed(1)} standard deviations of its recent one-minute returns`,
        lastPrice: state.last,
      });
  }
  return { conditions, frozen };
}

function resolution(episode: Episode, snapshot: LiveSnapshot, isOpenNow: boolean): string {
  if (!isOpenNow && episode.kind !== 'price-jump') return 'the market has closed';
  const state = episode.symbol === null ? undefined : snapshot.symbols[episode.symbol];
  if (episode.kind === 'feed-stalled')
    return `ticks are landing again (last landed ${snapshot.updatedAt ?? '-'})`;
  if (episode.kind === 'symbol-silent')
    return state === undefined
      ? `${episode.symbol} left the snapshot`
      : `${episode.symbol} ticks again (last at ${clock(state.tickTime)})`;
  return `${episode.symbol} has been steady for a minute`;
}

/**
 * One evaluation of the alerts at `nowMs` (the watch's schedule time): episodes whose condition started open
 * (one event), episodes whose condition ended resolve (one event); an episode still true, however many
 * evaluations it lasts, sends nothing more. An evaluation older than the last one changes nothing.
 */
export function evaluateAlerts(params: {
  state: AlertsState;
  snapshot: LiveSnapshot;
  nowMs: number;
  thresholds: AlertThresholds;
  isOpen: (timeMs: number) => boolean;
}): { state: AlertsState; events: AlertEvent[] } {
  const { state, snapshot, nowMs, thresholds, isOpen } = params;
  if (state.evaluatedAt !== null && nowMs < Date.parse(state.evaluatedAt)) return { state, events: [] };
  const now = new Date(nowMs).toISOString();
  const { conditions, frozen } = conditionsNow(snapshot, nowMs, thresholds, isOpen);
  const events: AlertEvent[] = [];
  const open: Record<string, Episode> = {};
  for (const [id, episode] of Object.entries(state.open)) {
    if (conditions.has(id) || frozen.has(episode.kind)) open[id] = episode;
    else {
      const symbol = episode.symbol === null ? undefined : snapshot.symbols[episode.symbol];
      events.push({
        id: `${id}@${episode.openedAt}:resolved`,
        change: 'resolved',
        at: now,
        episode,
        resolution: resolution(episode, snapshot, isOpen(nowMs)),
        lastPrice: symbol?.last ?? episode.lastPrice,
      });
    }
  }
  for (const [id, condition] of conditions) {
    if (open[id] !== undefined) continue;
    const episode: Episode = { ...condition, openedAt: now };
    open[id] = episode;
    events.push({
      id: `${id}@${now}:opened`,
      change: 'opened',
      at: now,
      episode,
      lastPrice: condition.lastPrice,
    });
  }
  return {
    state: {
      version: 1,
      evaluatedAt: now,
      open,
      history: [...state.history, ...events].slice(-HISTORY_KEPT),
      pending: [...state.pending, ...events],
    },
    events,
  };
}
