import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { KafkaEventBatch } from '../contract/kafka-event';
import type { AnyTick } from '../contract/tick';
import { TickstreamError } from '../shared/errors';
import type { TickTimeWindow } from './decode';
import { type LandingLayout, type PlannedObject, planLanding } from './plan';

/** The gzipped NDJSON body of an object: one JSON document per line, newline-terminated. */
export function encodeBody(object: PlannedObject, level = 6): Buffer {
  return gzipSync(object.body.toBuffer(), { level });
}

/** The slice of an S3 client that landing uses: the real client, a mock, or an in-memory stub. */
export interface ObjectWriter {
  send(command: PutObjectCommand): Promise<unknown>;
}

/** Raised when any object of a batch could not be written; the batch must then be retried (retriable). */
export class LandingWriteError extends TickstreamError {
  constructor(
    readonly bucket: string,
    readonly failedKeys: string[],
    total: number,
    cause: unknown,
  ) {
    super(
      `failed to write ${failedKeys.length} of ${total} objects to s3://${bucket} (${failedKeys.slice(0, 3).join(', ')}${
        failedKeys.length > 3 ? ', …' : ''
      }): ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
      { cause, retriable: true },
    );
    this.name = 'LandingWriteError';
  }
}

export interface LandingSummary {
  records: number;
  landed: number;
  quarantined: number;
  objects: number;
  quarantineObjects: number;
  bytes: number;
  putRequests: number;
  /** Age of the oldest record when the batch was written, ms. */
  batchAgeMs: number | null;
  keys: string[];
  /** The batch's valid ticks, landed: what the live snapshot is updated with. */
  ticks: AnyTick[];
}

async function putAll(params: {
  s3: ObjectWriter;
  bucket: string;
  objects: { object: PlannedObject; body: Buffer }[];
  concurrency: number;
}): Promise<void> {
  const { s3, bucket, objects, concurrency } = params;
  const failures: { key: string; error: unknown }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const item = objects[next++];
      if (!item) break;
      const { object, body } = item;
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: object.key,
            Body: body,
            ContentType: 'application/x-ndjson',
            ContentEncoding: 'gzip',
            Metadata: {
              'kafka-topic': object.topic,
              'kafka-partition': String(object.partition),
              'first-offset': String(object.firstOffset),
              'last-offset': String(object.lastOffset),
              records: String(object.body.lines),
            },
          }),
        );
      } catch (error) {
        failures.push({ key: object.key, error });
      }
    }
  };
  // Every write is awaited before failing, so none is still in flight when the batch is retried.
  await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
  if (failures.length > 0) {
    throw new LandingWriteError(
      bucket,
      failures.map((failure) => failure.key),
      objects.length,
      failures[0]?.error,
    );
  }
}

/**
 * Lands one Kafka batch in S3: one gzipped NDJSON object per (topic, partition, dt) and one per
 * (topic, partition, dt) of quarantined records. Throws if any write fails, so the event source retries it.
 */
export async function landBatch(params: {
  batch: KafkaEventBatch;
  s3: ObjectWriter;
  bucket: string;
  layout?: LandingLayout;
  timeWindow?: TickTimeWindow;
  gzipLevel?: number;
  concurrency?: number;
  now?: () => number;
  /** Called with each valid tick as it is decoded, in batch order. */
  onTick?: (tick: AnyTick) => void;
}): Promise<LandingSummary> {
  const {
    batch,
    s3,
    bucket,
    layout,
    timeWindow,
    gzipLevel = 6,
    concurrency = 8,
    now = Date.now,
    onTick,
  } = params;
  const plan = planLanding({ batch, layout, timeWindow, onTick });
  const objects = [...plan.objects, ...plan.quarantine].map((object) => ({
    object,
    body: encodeBody(object, gzipLevel),
  }));
  await putAll({ s3, bucket, objects, concurrency });
  return {
    records: plan.records,
    landed: plan.records - plan.quarantined,
    quarantined: plan.quarantined,
    objects: plan.objects.length,
    quarantineObjects: plan.quarantine.length,
    bytes: objects.reduce((sum, { body }) => sum + body.length, 0),
    putRequests: objects.length,
    batchAgeMs: plan.oldestRecordTimestamp === null ? null : now() - plan.oldestRecordTimestamp,
    keys: objects.map(({ object }) => object.key),
    ticks: plan.ticks,
  };
}
