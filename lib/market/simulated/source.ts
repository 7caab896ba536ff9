import { TICK_SCHEMA_VERSION } from '../../contract/tick';
import type { HistorySource, LiveSource } from '../source';
import { type Anomaly, withAnomalies } from './anomalies';
import { simulateTicks } from './simulator';
import { resolveProfiles } from './symbols';

const PAGE_MS = 3_600_000;

/**
 * The simulator as a live source: every tick of the minute, a pure function of (seed, symbols, minute, cadence,
 * anomalies: halts and jumps caused on purpose), so re-running a schedule minute publishes identical records. Unknown symbols fail before anything is sent.
 */
export function simulatedLiveSource(params: { seed: string; anomalies?: readonly Anomaly[] }): LiveSource {
  const anomalies = params.anomalies ?? [];
  return {
    name: 'simulated',
    schema: TICK_SCHEMA_VERSION,
    async minute({ symbols, startMs, endMs, ticksPerSecond }) {
      const profiles = resolveProfiles(symbols);
      return {
        ticks: withAnomalies(
          simulateTicks({ seed: params.seed, profiles, ticksPerSecond, startMs, endMs }),
          anomalies,
        ),
        covered: [...symbols],
      };
    },
  };
}

/** Deterministic simulated history: the same path the live producer follows, sampled at the interval. */
export function simulatedHistorySource(params: {
  seed: string;
  anomalies?: readonly Anomaly[];
}): HistorySource {
  const anomalies = params.anomalies ?? [];
  return {
    name: 'simulated',
    schema: TICK_SCHEMA_VERSION,
    check({ symbols }) {
      resolveProfiles(symbols);
    },
    async *pages({ symbols, startMs, endMs, intervalSeconds }) {
      const profiles = resolveProfiles(symbols);
      for (let pageStart = startMs; pageStart < endMs; pageStart += PAGE_MS) {
        yield withAnomalies(
          simulateTicks({
            seed: params.seed,
            profiles,
            startMs: pageStart,
            endMs: Math.min(pageStart + PAGE_MS, endMs),
            ticksPerSecond: 1 / intervalSeconds,
          }),
          anomalies,
        );
      }
    },
  };
}
