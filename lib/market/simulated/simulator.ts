import type { Tick } from '../../contract/tick';
import { hashCoordinates, hashString, normalFromHashes } from './random';
import type { SymbolProfile } from './symbols';

/** The instant at which every profile's `anchorPrice` holds; the path runs both ways from here. */
export const SIMULATION_ANCHOR_MS = Date.UTC(2025, 0, 1);

const MS_PER_YEAR = 365.25 * 24 * 3600 * 1000;
/** The Brownian path is built on [0, 2^43] ms (about 278 years) either side of the anchor. */
const SPAN_LEVELS = 43;
const SPAN_MS = 2 ** SPAN_LEVELS;
/** US regular session in UTC (EST), where volume follows the usual U shape. */
const SESSION_OPEN_MS = (14 * 60 + 30) * 60_000;
const SESSION_CLOSE_MS = 21 * 3600_000;
const SESSION_SECONDS = (SESSION_CLOSE_MS - SESSION_OPEN_MS) / 1000;
const OFF_SESSION_VOLUME_FACTOR = 0.02;
/** Dispersion of per-tick volume around its intraday mean (lognormal). */
const VOLUME_DISPERSION = 0.6;

function pathKey(seed: string, symbol: string): number {
  return hashString(`${seed}\u0000${symbol}`);
}

/**
 * Standard Brownian motion W(t), t in ms since the anchor, for one (seed, symbol) path, by Lévy's
 * midpoint construction: each dyadic midpoint is the bridge mean plus a hashed normal, so W at any instant is
 * a pure function computed in at most 43 steps, and consecutive instants have exactly Brownian increments.
 */
export function brownianAt(key: number, offsetMs: number): number {
  const side = offsetMs < 0 ? 1 : 0;
  const target = Math.abs(offsetMs);
  if (target > SPAN_MS) throw new RangeError(`time is more than ${SPAN_MS} ms from the simulation anchor`);
  let left = 0;
  let right = SPAN_MS;
  let leftValue = 0;
  let rightValue = Math.sqrt(SPAN_MS) * drawNormal(key, side, 0, 0);
  let index = 0;
  for (let level = 1; level <= SPAN_LEVELS; level++) {
    if (target === left) return leftValue;
    if (target === right) return rightValue;
    const middle = (left + right) / 2;
    const middleValue =
      (leftValue + rightValue) / 2 + Math.sqrt((right - left) / 4) * drawNormal(key, side, level, index);
    if (target < middle) {
      right = middle;
      rightValue = middleValue;
      index = index * 2;
    } else {
      left = middle;
      leftValue = middleValue;
      index = index * 2 + 1;
    }
  }
  return target === left ? leftValue : rightValue;
}

function drawNormal(key: number, side: number, level: number, index: number): number {
  const first = hashCoordinates(key, index, level * 2 + side);
  return normalFromHashes(first, hashCoordinates(first, level, index));
}

/**
 * The unrounded mid price of a symbol at an instant: geometric Brownian motion with the profile's drift
 * and volatility, pinned to `anchorPrice` at the anchor. Always positive.
 */
export function midPriceAt(params: { seed: string; profile: SymbolProfile; timeMs: number }): number {
  const { seed, profile, timeMs } = params;
  const offsetMs = timeMs - SIMULATION_ANCHOR_MS;
  const sigmaPerMs = profile.annualVolatility / Math.sqrt(MS_PER_YEAR);
  const driftPerMs = (profile.annualDrift - profile.annualVolatility ** 2 / 2) / MS_PER_YEAR;
  const logReturn = driftPerMs * offsetMs + sigmaPerMs * brownianAt(pathKey(seed, profile.symbol), offsetMs);
  return profile.anchorPrice * Math.exp(logReturn);
}

/** Relative trading intensity at an instant: a U shape over the regular session, thin outside it; mean 1 in session. */
export function intradayVolumeFactor(timeMs: number): number {
  const msOfDay = ((timeMs % 86_400_000) + 86_400_000) % 86_400_000;
  if (msOfDay < SESSION_OPEN_MS || msOfDay >= SESSION_CLOSE_MS) return OFF_SESSION_VOLUME_FACTOR;
  const position = (msOfDay - SESSION_OPEN_MS) / (SESSION_CLOSE_MS - SESSION_OPEN_MS);
  const fromMiddle = (position - 0.5) * 2;
  // 0.6 + 2.4 x^2 averages 1.4 over the session; dividing keeps the daily total at the profile's average.
  return (0.6 + 2.4 * fromMiddle * fromMiddle) / 1.4;
}

/** The price grid of a simulated symbol: cents from 1 up, hundredths of a cent below. */
export function priceIncrement(price: number): number {
  return price >= 1 ? 0.01 : 0.0001;
}

function roundTo(value: number, increment: number): number {
  return Math.round(value / increment) * increment;
}

/** The decimals of a price grid. */
export function decimalsOf(increment: number): number {
  return increment === 0.01 ? 2 : 4;
}

/** Position of an instant on the tick grid of a cadence: consecutive ticks of one symbol differ by exactly 1. */
export function sequenceNumber(timeMs: number, ticksPerSecond: number): number {
  return Math.round((timeMs * ticksPerSecond) / 1000);
}

/** One simulated tick of a symbol at an instant; the same arguments always give the same tick. */
export function tickAt(params: {
  seed: string;
  profile: SymbolProfile;
  timeMs: number;
  ticksPerSecond: number;
}): Tick {
  const { seed, profile, timeMs, ticksPerSecond } = params;
  const mid = midPriceAt({ seed, profile, timeMs });
  const increment = priceIncrement(mid);
  const decimals = decimalsOf(increment);
  const price = Number(roundTo(mid, increment).toFixed(decimals)) || increment;
  const halfSpread = Math.max(increment / 2, (mid * profile.spreadBps) / 20_000);
  const bid = Number(
    (Math.floor((Math.min(mid, price) - halfSpread) / increment) * increment).toFixed(decimals),
  );
  const ask = Number(
    (Math.ceil((Math.max(mid, price) + halfSpread) / increment) * increment).toFixed(decimals),
  );
  const volumeKey = pathKey(seed, `${profile.symbol}#volume`);
  const volumeHash = hashCoordinates(volumeKey, timeMs);
  const noise = Math.exp(
    VOLUME_DISPERSION * normalFromHashes(volumeHash, hashCoordinates(volumeHash, 1)) -
      VOLUME_DISPERSION ** 2 / 2,
  );
  const meanVolume =
    (profile.averageDailyVolume / SESSION_SECONDS / ticksPerSecond) * intradayVolumeFactor(timeMs);
  return {
    symbol: profile.symbol,
    price,
    volume: Math.round(meanVolume * noise),
    timestamp: new Date(timeMs).toISOString(),
    market_cap: Math.round(price * profile.sharesOutstanding),
    pe_ratio: profile.earningsPerShare > 0 ? Number((price / profile.earningsPerShare).toFixed(2)) : null,
    bid: Math.max(bid, increment),
    ask,
    exchange: profile.exchange,
    seq: sequenceNumber(timeMs, ticksPerSecond),
  };
}

/** The instants of a window [startMs, endMs) on the grid of a cadence. */
export function tickTimes(params: { startMs: number; endMs: number; ticksPerSecond: number }): number[] {
  const { startMs, endMs, ticksPerSecond } = params;
  const first = Math.ceil((startMs * ticksPerSecond) / 1000);
  const times: number[] = [];
  for (let step = first; ; step++) {
    const timeMs = Math.round((step * 1000) / ticksPerSecond);
    if (timeMs >= endMs) break;
    times.push(timeMs);
  }
  return times;
}

/** Every tick of the given symbols in [startMs, endMs), ordered by time, then by the order of `profiles`. */
export function simulateTicks(params: {
  seed: string;
  profiles: readonly SymbolProfile[];
  startMs: number;
  endMs: number;
  ticksPerSecond: number;
}): Tick[] {
  const { seed, profiles, ticksPerSecond } = params;
  const ticks: Tick[] = [];
  for (const timeMs of tickTimes(params)) {
    for (const profile of profiles) ticks.push(tickAt({ seed, profile, timeMs, ticksPerSecond }));
  }
  return ticks;
}
