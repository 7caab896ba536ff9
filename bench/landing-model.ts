/** What the benchmarks and the cost model share: an in-memory S3, Lambda-shaped events, the production landing. */
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import type { KafkaEventBatch, KafkaEventRecord } from '../lib/contract/kafka-event';
import type { Tick } from '../lib/contract/tick';
import { landBatch, type ObjectWriter } from '../lib/land/write';
import { simulateTicks } from '../lib/market/simulated/simulator';
import { SYMBOL_PROFILES } from '../lib/market/simulated/symbols';
import { toTickMessages } from '../lib/produce/publisher';
import { buildKafkaEvent } from '../local/aws/event-source-mapping';

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
export async function measureProductionLanding(params: { gzipLevel: number }): Promise<{
  ticks: number;
  puts: number;
  bytes: number;
  /** Wall seconds spent in landBatch alone (this process, one core): the landing rate. */
  landSeconds: number;
}> {
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
  let landNanoseconds = 0n;
  for (let start = 0; start < stream.length; start += perWindow) {
    const bucket = new MemoryBucket();
    const batch = toEvent(stream.slice(start, start + perWindow), offsets);
    const began = process.hrtime.bigint();
    await landBatch({ batch, s3: bucket, bucket: 'bench', gzipLevel: params.gzipLevel });
    landNanoseconds += process.hrtime.bigint() - began;
    puts += bucket.puts;
    bytes += bucket.bytes;
  }
  return { ticks: stream.length, puts, bytes, landSeconds: Number(landNanoseconds) / 1e9 };
}

/**
 * What one tick weighs in Kafka and in the mapping's event, measured on a simulated minute of every symbol as the
 * producers encode it (JSON value, symbol key, the schema/source/content-type headers) and as the local mapping
 * builds Lambda's event from those records (base64 key and value, headers as byte arrays, Lambda's fields).
 */
export function measureKafkaRecord(): { kafkaBytesPerTick: number; eventBytesPerRecord: number } {
  const profiles = [...SYMBOL_PROFILES.values()];
  const ticks = simulateTicks({
    seed: 'bench',
    profiles,
    startMs: Date.parse('2026-11-20T14:00:00Z'),
    endMs: Date.parse('2026-11-20T14:01:00Z'),
    ticksPerSecond: 1,
  });
  const messages = toTickMessages({ ticks, source: 'produce-ticks/burst' });
  const kafkaBytes = messages.reduce(
    (sum, message) =>
      sum +
      Buffer.byteLength(String(message.value)) +
      Buffer.byteLength(String(message.key)) +
      Object.entries(message.headers ?? {}).reduce(
        (headers, [name, value]) => headers + name.length + Buffer.byteLength(String(value)),
        0,
      ),
    0,
  );
  const records = messages.map((message, offset) => ({
    key: Buffer.from(String(message.key)),
    value: Buffer.from(String(message.value)),
    headers: Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, Buffer.from(String(value))]),
    ),
    offset: String(1_000_000_000 + offset),
    timestamp: String(Date.parse('2026-11-20T14:00:00Z')),
    attributes: 0,
  }));
  const event = buildKafkaEvent({
    brokers: ['10.42.0.12:9096', '10.42.1.12:9096', '10.42.3.12:9096'],
    topic: 'stock-ticks',
    partition: 0,
    messages: records as never,
  });
  return {
    kafkaBytesPerTick: kafkaBytes / messages.length,
    eventBytesPerRecord: JSON.stringify(event).length / messages.length,
  };
}
