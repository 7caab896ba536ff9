import { describe, expect, it } from '@jest/globals';
import { TickSchema } from '../../../../../lib/contract/tick';
import { parseAnomalies, parseAnomaly, withAnomalies } from '../../../../../lib/market/simulated/anomalies';
import { simulateTicks } from '../../../../../lib/market/simulated/simulator';
import { simulatedLiveSource } from '../../../../../lib/market/simulated/source';
import { resolveProfiles } from '../../../../../lib/market/simulated/symbols';
import { loadProducerConfig } from '../../../../../lib/produce/config';

const START = Date.parse('2026-11-20T15:00:00Z');
const ticks = simulateTicks({
  seed: 'anomalies',
  profiles: resolveProfiles(['AAPL', 'MSFT']),
  startMs: START,
  endMs: START + 20 * 60_000,
  ticksPerSecond: 1,
});

describe('anomalies the simulator makes on purpose', () => {
  it('reads halts and jumps from their text, and refuses a malformed one saying what a right one looks like', () => {
    expect(
      parseAnomalies('halt:MSFT@2026-11-20T15:05Z..2026-11-20T15:10Z, jump:AAPL@2026-11-20T15:12:30Z:+8%'),
    ).toEqual([
      { kind: 'halt', symbol: 'MSFT', fromMs: START + 5 * 60_000, toMs: START + 10 * 60_000 },
      { kind: 'jump', symbol: 'AAPL', atMs: START + 12.5 * 60_000, percent: 8 },
    ]);
    expect(parseAnomalies('')).toEqual([]);
    expect(() => parseAnomaly('halt:MSFT@2026-11-20T15:10Z..2026-11-20T15:05Z')).toThrow(/FROM before TO/);
    expect(() => parseAnomaly('jump:AAPL@2026-11-20T15:30Z:-100%')).toThrow(/above -100%/);
    expect(() => parseAnomaly('spike:AAPL@2026-11-20T15:30Z')).toThrow(/starts with halt: or jump:/);
  });

  it('a halt removes the symbol’s ticks in its window only; a jump moves its prices from its instant on', () => {
    const changed = withAnomalies(
      ticks,
      parseAnomalies('halt:MSFT@2026-11-20T15:05Z..2026-11-20T15:10Z,jump:AAPL@2026-11-20T15:12Z:+8%'),
    );
    const msft = changed.filter((tick) => tick.symbol === 'MSFT').map((tick) => tick.timestamp);
    expect(msft).toHaveLength(20 * 60 - 5 * 60);
    expect(msft.some((at) => at >= '2026-11-20T15:05:00.000Z' && at < '2026-11-20T15:10:00.000Z')).toBe(
      false,
    );
    const before = new Map(ticks.filter((t) => t.symbol === 'AAPL').map((t) => [t.timestamp, t]));
    for (const tick of changed.filter((t) => t.symbol === 'AAPL')) {
      const original = before.get(tick.timestamp);
      if (tick.timestamp < '2026-11-20T15:12:00.000Z') expect(tick).toEqual(original);
      else expect(tick.price / (original?.price ?? 1)).toBeCloseTo(1.08, 3);
      // Still a valid tick: on its price grid, bid ≤ price ≤ ask.
      expect(TickSchema.safeParse(tick).success).toBe(true);
    }
  });

  it('is part of the simulated source, so a re-run minute publishes the same records, anomalies included', async () => {
    const anomalies = parseAnomalies('jump:AAPL@2026-11-20T15:12Z:-5%');
    const source = simulatedLiveSource({ seed: 'anomalies', anomalies });
    const minute = {
      symbols: ['AAPL'],
      timeMs: START + 13 * 60_000,
      startMs: START + 12 * 60_000,
      endMs: START + 13 * 60_000,
      ticksPerSecond: 1,
    };
    const first = await source.minute(minute);
    expect(await source.minute(minute)).toEqual(first);
    const plain = await simulatedLiveSource({ seed: 'anomalies' }).minute(minute);
    expect(first.ticks[0]?.price).toBeCloseTo((plain.ticks[0]?.price ?? 0) * 0.95, 1);
  });

  it('comes from SIMULATION_ANOMALIES; a malformed setting fails at start-up naming the variable', () => {
    const env = { KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_TOPIC: 't', SIMULATION_SEED: 's' };
    expect(loadProducerConfig(env).simulationAnomalies).toEqual([]);
    expect(
      loadProducerConfig({ ...env, SIMULATION_ANOMALIES: 'halt:KO@2026-11-20T15:00Z..2026-11-20T15:01Z' })
        .simulationAnomalies,
    ).toHaveLength(1);
    expect(() => loadProducerConfig({ ...env, SIMULATION_ANOMALIES: 'halt:KO' })).toThrow(
      /SIMULATION_ANOMALIES is invalid/,
    );
  });
});
