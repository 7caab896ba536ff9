import { describe, expect, it } from '@jest/globals';
import { validateTick } from '../../../../../lib/contract/tick';
import {
  intradayVolumeFactor,
  midPriceAt,
  SIMULATION_ANCHOR_MS,
  sequenceNumber,
  simulateTicks,
  tickAt,
  tickTimes,
} from '../../../../../lib/market/simulated/simulator';
import {
  resolveProfiles,
  SYMBOL_PROFILES,
  type SymbolProfile,
} from '../../../../../lib/market/simulated/symbols';

const profile = (symbol: string) => SYMBOL_PROFILES.get(symbol) as SymbolProfile;
const MINUTE = Date.UTC(2026, 10, 20, 15, 0);
const MS_PER_YEAR = 365.25 * 24 * 3600 * 1000;

function logReturns(params: {
  seed: string;
  symbol: string;
  startMs: number;
  stepMs: number;
  steps: number;
}) {
  const prices = Array.from({ length: params.steps + 1 }, (_, i) =>
    midPriceAt({
      seed: params.seed,
      profile: profile(params.symbol),
      timeMs: params.startMs + i * params.stepMs,
    }),
  );
  return prices.slice(1).map((price, i) => Math.log(price / (prices[i] as number)));
}

function meanAndStdev(values: number[]) {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, stdev: Math.sqrt(variance) };
}

describe('market simulator', () => {
  it('is a pure function of (seed, symbol, time): a re-run minute yields identical ticks', () => {
    const params = {
      seed: 'seed-a',
      profiles: resolveProfiles(['AAPL', 'TSLA']),
      startMs: MINUTE,
      endMs: MINUTE + 60_000,
      ticksPerSecond: 1,
    };
    const first = simulateTicks(params);
    expect(simulateTicks(params)).toEqual(first);
    // A single tick computed on its own equals the same tick inside the window.
    expect(
      tickAt({ seed: 'seed-a', profile: profile('TSLA'), timeMs: MINUTE + 42_000, ticksPerSecond: 1 }),
    ).toEqual(
      first.find(
        (tick) => tick.symbol === 'TSLA' && tick.timestamp === new Date(MINUTE + 42_000).toISOString(),
      ),
    );
  });

  it('gives another path for another seed, and independent paths per symbol', () => {
    const at = (seed: string, symbol: string) =>
      midPriceAt({ seed, profile: profile(symbol), timeMs: MINUTE });
    expect(at('seed-a', 'AAPL')).not.toBe(at('seed-b', 'AAPL'));
    const aapl = logReturns({ seed: 's', symbol: 'AAPL', startMs: MINUTE, stepMs: 60_000, steps: 2000 });
    const msft = logReturns({ seed: 's', symbol: 'MSFT', startMs: MINUTE, stepMs: 60_000, steps: 2000 });
    const a = meanAndStdev(aapl);
    const m = meanAndStdev(msft);
    const correlation =
      aapl.reduce((sum, value, i) => sum + (value - a.mean) * ((msft[i] as number) - m.mean), 0) /
      ((aapl.length - 1) * a.stdev * m.stdev);
    expect(Math.abs(correlation)).toBeLessThan(0.1);
  });

  it('is pinned to the profile price at the anchor', () => {
    expect(midPriceAt({ seed: 'any', profile: profile('MSFT'), timeMs: SIMULATION_ANCHOR_MS })).toBeCloseTo(
      421.5,
      10,
    );
  });

  it('has per-second log returns with the volatility and drift of the profile', () => {
    const tsla = profile('TSLA');
    const returns = logReturns({
      seed: 'stats',
      symbol: 'TSLA',
      startMs: MINUTE,
      stepMs: 1000,
      // 10,000 returns: the sample deviation's standard error is 0.7%, so the ±5% bounds below sit at 7 of them.
      steps: 10_000,
    });
    const { mean, stdev } = meanAndStdev(returns);
    const expectedStdev = tsla.annualVolatility * Math.sqrt(1000 / MS_PER_YEAR);
    expect(stdev / expectedStdev).toBeGreaterThan(0.95);
    expect(stdev / expectedStdev).toBeLessThan(1.05);
    // Drift per second is far below the noise: the mean must sit within 4 standard errors of it.
    const expectedMean = ((tsla.annualDrift - tsla.annualVolatility ** 2 / 2) * 1000) / MS_PER_YEAR;
    expect(Math.abs(mean - expectedMean)).toBeLessThan((4 * expectedStdev) / Math.sqrt(returns.length));
  });

  it('keeps the same volatility over days as over seconds (a consistent Brownian path)', () => {
    const aapl = profile('AAPL');
    const returns = logReturns({
      seed: 'days',
      symbol: 'AAPL',
      startMs: SIMULATION_ANCHOR_MS,
      stepMs: 86_400_000,
      steps: 3000,
    });
    const { stdev } = meanAndStdev(returns);
    const expectedStdev = aapl.annualVolatility * Math.sqrt(86_400_000 / MS_PER_YEAR);
    expect(stdev / expectedStdev).toBeGreaterThan(0.93);
    expect(stdev / expectedStdev).toBeLessThan(1.07);
  });

  it('keeps every price positive, decades either side of the anchor', () => {
    // The lowest price and bid of each symbol, weekly over ±2000 weeks (one expect per symbol, not per tick).
    const lowest = (symbol: string) => {
      let price = Number.POSITIVE_INFINITY;
      let bid = Number.POSITIVE_INFINITY;
      for (let i = -2000; i <= 2000; i++) {
        const timeMs = SIMULATION_ANCHOR_MS + i * 7 * 86_400_000;
        const tick = tickAt({ seed: 'positive', profile: profile(symbol), timeMs, ticksPerSecond: 1 });
        price = Math.min(price, tick.price);
        bid = Math.min(bid, tick.bid ?? Number.NEGATIVE_INFINITY);
      }
      return { price, bid };
    };
    for (const symbol of ['TSLA', 'SNAP', 'INTC']) {
      const { price, bid } = lowest(symbol);
      expect([symbol, price > 0, bid > 0]).toEqual([symbol, true, true]);
    }
  });

  it('emits schema-valid ticks with bid <= price <= ask and a gapless per-symbol sequence', () => {
    const ticks = simulateTicks({
      seed: 'v',
      profiles: [...SYMBOL_PROFILES.values()],
      startMs: MINUTE,
      endMs: MINUTE + 60_000,
      ticksPerSecond: 2,
    });
    expect(ticks).toHaveLength(SYMBOL_PROFILES.size * 120);
    for (const tick of ticks) {
      expect(validateTick(tick)).toEqual({ ok: true, tick });
    }
    const aapl = ticks.filter((tick) => tick.symbol === 'AAPL').map((tick) => tick.seq);
    expect(aapl.slice(1).every((seq, i) => seq === (aapl[i] as number) + 1)).toBe(true);
    expect(aapl[0]).toBe(sequenceNumber(MINUTE, 2));
  });

  it('reports no P/E for a company with negative earnings', () => {
    expect(
      tickAt({ seed: 's', profile: profile('INTC'), timeMs: MINUTE, ticksPerSecond: 1 }).pe_ratio,
    ).toBeNull();
  });

  it('trades more in the regular session than outside it, with a U shape', () => {
    const day = Date.UTC(2026, 10, 20);
    const at = (hours: number, minutes: number) =>
      intradayVolumeFactor(day + (hours * 60 + minutes) * 60_000);
    expect(at(14, 31)).toBeGreaterThan(at(17, 45));
    expect(at(20, 59)).toBeGreaterThan(at(17, 45));
    expect(at(17, 45)).toBeGreaterThan(at(3, 0));
    // Mean 1 over the session keeps a day's volume at the profile's average.
    const sessionMinutes = Array.from({ length: 390 }, (_, i) => at(14, 30 + i));
    expect(sessionMinutes.reduce((sum, v) => sum + v, 0) / 390).toBeCloseTo(1, 2);
  });

  it('lays ticks on the cadence grid within the window', () => {
    expect(tickTimes({ startMs: MINUTE, endMs: MINUTE + 60_000, ticksPerSecond: 1 })).toHaveLength(60);
    expect(tickTimes({ startMs: MINUTE, endMs: MINUTE + 60_000, ticksPerSecond: 4 })).toHaveLength(240);
    const slow = tickTimes({ startMs: MINUTE, endMs: MINUTE + 60_000, ticksPerSecond: 0.5 });
    expect(slow).toEqual(Array.from({ length: 30 }, (_, i) => MINUTE + i * 2000));
  });
});
