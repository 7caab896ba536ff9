/**
 * `npm run bench:freshness`: how fresh the live snapshot is. Publishes 100 symbols × 1 tick/s in real time (each
 * tick stamped with the second it is sent) through the real kafkajs publisher to the real local broker, while the
 * local event source mapping invokes the real landTicks handler, which lands each batch and folds it into the
 * snapshot with a conditional write. For each tick: the time from its timestamp to the end of the invocation that
 * wrote it into the snapshot. Measured at the default batching window (60 s) and a short one (5 s), one after the
 * other in this run; prints p50 and p99 of each, and the JSON result as its last line (`--save` keeps it in
 * bench/measured/freshness.json).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KafkaEventBatch } from '../lib/contract/kafka-event';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';
import { createTickPublisher } from '../lib/produce/publisher';
import { sleep } from '../lib/shared/time';
import { createProgress } from '../local/pipeline/progress';
import { endOffsets } from '../local/services/kafka/topic';
import { startLocalStack } from '../local/stack/local-stack';

const SYMBOLS = 100;
/** The batch size of deployed stages' default (landBatchSize): at 100 ticks/s the window, not the size, cuts batches. */
const BATCH_SIZE = 10_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface WindowResult {
  windowSeconds: number;
  seconds: number;
  ticks: number;
  invocations: number;
  /** Seconds from a tick's timestamp to the snapshot holding it. */
  p50: number;
  p99: number;
  max: number;
}

async function measureWindow(windowSeconds: number, seconds: number): Promise<WindowResult> {
  const progress = createProgress({
    stream: process.stderr,
    prefix: `[freshness ${windowSeconds} s window] `,
  });
  // The simulator knows 30 symbols: the rest are their copies under other names (AAPL.1, …), each its own series.
  const known = [...SYMBOL_PROFILES.values()];
  const profiles = Array.from({ length: SYMBOLS }, (_, i) => {
    const profile = known[i % known.length] as (typeof known)[number];
    const copy = Math.floor(i / known.length);
    return copy === 0 ? profile : { ...profile, symbol: `${profile.symbol}.${copy}` };
  });
  const starting = progress.phase('stack');
  const stack = await startLocalStack({
    stage: 'dev',
    batchingWindowMs: windowSeconds * 1000,
    functionLogLevel: 'WARN',
    ownBroker: true,
  });
  starting.done(`Kafka at ${stack.brokers.join(',')}`);
  try {
    const freshness: number[] = [];
    const [mapping] = await stack.startMappings({
      consumerGroupSuffix: `-freshness-${Date.now()}`,
      batchSize: BATCH_SIZE,
      wrap: (invoke) => async (event: KafkaEventBatch) => {
        const result = await invoke(event);
        // landTicks returns after the snapshot is written: every tick of the batch is readable from now.
        const readableAt = Date.now();
        for (const records of Object.values(event.records))
          for (const record of records) {
            const tick = JSON.parse(Buffer.from(record.value ?? '', 'base64').toString('utf8')) as {
              timestamp: string;
            };
            freshness.push((readableAt - Date.parse(tick.timestamp)) / 1000);
          }
        return result;
      },
    });
    const publisher = createTickPublisher({
      settings: {
        brokers: stack.brokers,
        ...stack.auth,
        topic: stack.topic,
        clientId: 'freshness',
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 30_000,
        sendTimeoutMs: 30_000,
        retries: 5,
      },
    });
    const producing = progress.phase('produce', seconds);
    const started = Math.ceil(Date.now() / 1000) * 1000;
    await sleep(started - Date.now());
    let produced = 0;
    for (let second = 0; second < seconds; second++) {
      // This second's ticks, stamped with it, sent as it starts.
      const startMs = started + second * 1000;
      const ticks = simulateTicks({
        seed: 'freshness',
        profiles,
        startMs,
        endMs: startMs + 1000,
        ticksPerSecond: 1,
      });
      await publisher.publish({ ticks, source: 'bench/freshness' });
      produced += ticks.length;
      producing.update(
        second + 1,
        `${produced} ticks, ${mapping?.stats.invocations ?? 0} landTicks invocations`,
      );
      const wait = startMs + 1000 - Date.now();
      if (wait > 0) await sleep(wait);
    }
    producing.done(`${produced} ticks over ${seconds} s`);
    const landing = progress.phase('land');
    await mapping?.waitFor(await endOffsets(stack), 300_000);
    landing.done(`${freshness.length} ticks in the snapshot`);
    await publisher.disconnect();
    const sorted = [...freshness].sort((a, b) => a - b);
    const round = (value: number) => Number(value.toFixed(2));
    return {
      windowSeconds,
      seconds,
      ticks: sorted.length,
      invocations: mapping?.stats.invocations ?? 0,
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? Number.NaN),
    };
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '300' },
      'short-seconds': { type: 'string', default: '120' },
      save: { type: 'boolean', default: false },
    },
  });
  const long = await measureWindow(60, Number(values.seconds));
  const short = await measureWindow(5, Number(values['short-seconds']));
  const result = {
    symbols: SYMBOLS,
    ticksPerSecond: SYMBOLS,
    windows: [long, short],
    goals: { p99At60: 75, p99At5: 15 },
    /** The short window's p99 as a share of the default's, measured in this run. */
    p99Ratio: Number((short.p99 / long.p99).toFixed(3)),
  };
  for (const window of result.windows)
    console.log(
      `${window.windowSeconds} s window: p50 ${window.p50} s, p99 ${window.p99} s, max ${window.max} s (${window.ticks} ticks, ${window.invocations} invocations)`,
    );
  console.log(JSON.stringify(result));
  if (values.save)
    writeFileSync(
      join(__dirname, 'measured', 'freshness.json'),
      `${JSON.stringify({ date: new Date().toISOString(), command: `npm run bench:freshness -- ${process.argv.slice(2).join(' ')}`, ...result }, null, 2)}\n`,
    );
}

main().catch((error: unknown) => {
  console.error(`bench:freshness failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
