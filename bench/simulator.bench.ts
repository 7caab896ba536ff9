/**
 * `npm run bench:simulator`: how fast the simulator produces ticks on one core (the producers' CPU cost).
 * Prints one JSON line.
 */

import { assertTick } from '../lib/contract/tick';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';

const profiles = [...SYMBOL_PROFILES.values()];
const start = Date.UTC(2026, 10, 20, 14, 30);

function run(minutes: number): { ticks: number; seconds: number } {
  const started = performance.now();
  let ticks = 0;
  for (let minute = 0; minute < minutes; minute++) {
    const batch = simulateTicks({
      seed: 'bench',
      profiles,
      startMs: start + minute * 60_000,
      endMs: start + (minute + 1) * 60_000,
      ticksPerSecond: 1,
    });
    for (const tick of batch) assertTick(tick);
    ticks += batch.length;
  }
  return { ticks, seconds: (performance.now() - started) / 1000 };
}

run(5); // warm-up
const measured = run(60);
console.log(
  JSON.stringify({
    simulator: {
      ticks: measured.ticks,
      seconds: Number(measured.seconds.toFixed(3)),
      ticksPerSecond: Math.round(measured.ticks / measured.seconds),
    },
  }),
);
