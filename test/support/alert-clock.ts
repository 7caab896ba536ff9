/**
 * The alerts' clock over simulated minutes, as on AWS: each minute's ticks land (folded into the snapshot, landed
 * at the minute's end), then the watch judges the snapshot at the next minute. Run as a script
 * (`node --import tsx test/support/alert-clock.ts YYYY-MM-DD`) it judges that whole day of 20 symbols without
 * injections and prints the alerts it opened as JSON.
 */
import type { Tick } from '../../lib/contract/tick';
import {
  type AlertEvent,
  type AlertsState,
  DEFAULT_THRESHOLDS,
  emptyAlerts,
  evaluateAlerts,
  marketOpen,
} from '../../lib/live/alerts';
import { emptySnapshot, foldTicks, type LiveSnapshot } from '../../lib/live/snapshot';
import { parseAnomalies, withAnomalies } from '../../lib/market/simulated/anomalies';
import { simulateTicks } from '../../lib/market/simulated/simulator';
import { resolveProfiles } from '../../lib/market/simulated/symbols';

export const MINUTE = 60_000;
export const SYMBOLS = ['AAPL', 'MSFT', 'GOOGL', 'AMZN', 'NVDA', 'META', 'TSLA', 'NFLX', 'AMD', 'INTC'];
export const SYMBOLS_20 = [...SYMBOLS, 'JPM', 'V', 'MA', 'JNJ', 'WMT', 'XOM', 'UNH', 'PG', 'HD', 'KO'];

/**
 * Runs the alerts' clock over simulated minutes as on AWS: each minute's ticks land (folded into the snapshot,
 * landed at the minute's end), then the watch judges the snapshot at the next minute. Returns every event.
 */
export function watchMinutes(params: {
  symbols: string[];
  startMs: number;
  minutes: number;
  anomalies?: string;
  /** Minutes in which nothing lands (a stalled feed): their ticks land with the first minute after. */
  stalled?: (minute: number) => boolean;
}): { events: AlertEvent[]; state: AlertsState; ticks: number } {
  const profiles = resolveProfiles(params.symbols);
  let snapshot: LiveSnapshot = emptySnapshot();
  let state = emptyAlerts();
  const events: AlertEvent[] = [];
  let waiting: Tick[] = [];
  const anomalies = parseAnomalies(params.anomalies);
  let count = 0;
  for (let minute = 0; minute < params.minutes; minute++) {
    const startMs = params.startMs + minute * MINUTE;
    const ticks = simulateTicks({
      seed: 'alerts-test',
      profiles,
      startMs,
      endMs: startMs + MINUTE,
      ticksPerSecond: 1,
    });
    count += ticks.length;
    waiting.push(...withAnomalies(ticks, anomalies));
    if (!params.stalled?.(minute)) {
      snapshot = foldTicks(snapshot, waiting, new Date(startMs + MINUTE - 1).toISOString()).snapshot;
      waiting = [];
    }
    const judged = evaluateAlerts({
      state,
      snapshot,
      nowMs: startMs + MINUTE,
      thresholds: DEFAULT_THRESHOLDS,
      isOpen: marketOpen('always'),
    });
    state = judged.state;
    events.push(...judged.events);
  }
  return { events, state, ticks: count };
}

if (require.main === module) {
  const day = process.argv[2] ?? '2026-11-20';
  const { events, ticks } = watchMinutes({
    symbols: SYMBOLS_20,
    startMs: Date.parse(`${day}T00:00:00.000Z`),
    minutes: 24 * 60,
  });
  const falsePositives = events
    .filter((event) => event.change === 'opened')
    .map((event) => `${event.at} ${event.episode.id}: ${event.episode.what}`);
  process.stdout.write(`${JSON.stringify({ minutes: 24 * 60, ticks, falsePositives })}\n`);
}
