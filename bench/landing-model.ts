/** What the benchmarks and the cost model share: an in-memory S3, Lambda-shaped events, the production landing. */
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import type { KafkaEventBatch, KafkaEventRecord } from '../lib/contract/kafka-event';
import type { Tick } from '../lib/contract/tick';
import { landBatch, type ObjectWriter } from '../lib/land/write';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';

export const PARTITIONS = 3;

/** Stores every PUT in memory, as S3 would keep it, and counts the requests. */
export class MemoryBucket implements ObjectWriter {
  readonly objects = new Map<string, Uint8Array | string>();
  puts = 0;
  async send(command: PutObjectCommand): Promise<unknown> {
    this.puts++;
    this.objects.set(command.input.Key as string, command.input.Body as Uint8Array | string);
    return {};
  }

  /** Bytes stored across all objects. */
  get bytes(): number {
    return [...this.objects.values()].reduce((sum, body) => sum + body.length, 0);
  }
}

/**
 * Ticks as Lambda would deliver them: key = symbol, spread over partitions by symbol, base64 values. Offsets
 * start at `offsets[partition]`, which is advanced past the records, ready for the next batch.
 */
export function toEvent(ticks: Tick[], offsets: number[]): KafkaEventBatch {
  const records: Record<string, KafkaEventRecord[]> = {};
  const symbols = [...SYMBOL_PROFILES.keys()];
  for (const tick of ticks) {
    const partition = symbols.indexOf(tick.symbol) % PARTITIONS;
    const offset = offsets[partition] ?? 0;
    offsets[partition] = offset + 1;
    records[`stock-ticks-${partition}`] ??= [];
    records[`stock-ticks-${partition}`]?.push({
      topic: 'stock-ticks',
      partition,
      offset,
      timestamp: Date.parse(tick.timestamp),
      timestampType: 'CREATE_TIME',
      key: Buffer.from(tick.symbol).toString('base64'),
      value: Buffer.from(JSON.stringify(tick)).toString('base64'),
      headers: [],
    });
  }
  return { eventSource: 'SelfManagedKafka', bootstrapServers: '10.0.1.5:9092', records };
}

/**
 * Lands 3 hours of ticks at production settings — 100 ticks/s arriving (100 symbols x 1 tick/s), a 60 s
 * batching window (6,000 records per invocation, under the 10,000 batch size), 3 partitions — and counts the
 * PUT requests and bytes written.
 */
export async function measureProductionLanding(params: {
  gzipLevel: number;
}): Promise<{ ticks: number; puts: number; bytes: number }> {
  const profiles = [...SYMBOL_PROFILES.values()];
  const stream = simulateTicks({
    seed: 'bench',
    profiles,
    startMs: Date.parse('2026-11-20T14:00:00Z'),
    endMs: Date.parse('2026-11-20T17:00:00Z'),
    ticksPerSecond: 100 / profiles.length,
  });
  const perWindow = 6000;
  const offsets = [0, 0, 0];
  let puts = 0;
  let bytes = 0;
  for (let start = 0; start < stream.length; start += perWindow) {
    const bucket = new MemoryBucket();
    const batch = toEvent(stream.slice(start, start + perWindow), offsets);
    await landBatch({ batch, s3: bucket, bucket: 'bench', gzipLevel: params.gzipLevel });
    puts += bucket.puts;
    bytes += bucket.bytes;
  }
  return { ticks: stream.length, puts, bytes };
}
