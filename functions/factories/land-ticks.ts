import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { type KafkaEventBatch, KafkaEventSchema } from '../../lib/contract/kafka-event';
import type { LanderConfig } from '../../lib/land/config';
import { landBatch, type ObjectWriter } from '../../lib/land/write';
import type { ObjectStore } from '../../lib/live/conditional-object';
import { beginSnapshotUpdate } from '../../lib/live/update-snapshot';
import { parsedEvent } from '../../lib/shared/middleware';
import { createLogger, createMetrics } from '../../lib/shared/observability';
import { createS3Client } from '../../lib/shared/s3';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/** What landTicks can be given instead of building it. */
export interface LanderCollaborators extends CommonCollaborators {
  /** Writes the landed objects and reads and writes the live snapshot. */
  s3?: ObjectWriter & ObjectStore;
  metrics?: Metrics;
  now?: () => number;
}

/**
 * landTicks, invoked by the self-managed Kafka event source mapping: lands the batch in S3 as partitioned gzipped
 * NDJSON and quarantines bad records, then folds its ticks into the live snapshot. Throws when a write fails, so
 * the mapping retries the batch (landing and the snapshot both take a retried batch as the same batch).
 */
export function createLandTicks(
  config: LanderConfig,
  collaborators: LanderCollaborators = {},
): BuiltFunction {
  const s3 = collaborators.s3 ?? createS3Client(config.s3);
  const logger = collaborators.logger ?? createLogger('land-ticks');
  const metrics = collaborators.metrics ?? createMetrics('land-ticks', logger);
  const now = collaborators.now ?? Date.now;
  // The mapping's SelfManagedKafka event; landing reads only its records.
  const handler = middy(async (batch: KafkaEventBatch) => {
    // The snapshot is read first, so that landing folds each tick in as it decodes it; it is written after.
    const snapshotUpdate = await beginSnapshotUpdate({
      s3,
      bucket: config.live.bucket,
      key: config.live.layout.snapshotKey,
      now,
    });
    const summary = await landBatch({
      batch,
      s3,
      bucket: config.bucket,
      layout: config.layout,
      timeWindow: config.timeWindow,
      gzipLevel: config.gzipLevel,
      concurrency: config.writeConcurrency,
      now,
      onTick: snapshotUpdate.offer,
    });
    // Written after the batch is landed: a tick in the snapshot is always in the data bucket too.
    const live = await snapshotUpdate.finish(summary.ticks);
    metrics.addMetric('TicksLanded', MetricUnit.Count, summary.landed);
    metrics.addMetric('TicksQuarantined', MetricUnit.Count, summary.quarantined);
    metrics.addMetric('ObjectsWritten', MetricUnit.Count, summary.putRequests);
    metrics.addMetric('BytesWritten', MetricUnit.Bytes, summary.bytes);
    if (summary.batchAgeMs !== null)
      metrics.addMetric('BatchAge', MetricUnit.Milliseconds, summary.batchAgeMs);
    const oldestTick = oldestTimestamp(summary.ticks);
    if (oldestTick !== null)
      metrics.addMetric('LandedFreshness', MetricUnit.Seconds, (now() - Date.parse(oldestTick)) / 1000);
    if (live.writtenAtMs !== null && live.oldestAppliedMs !== null)
      // Tick time to being readable, for the batch's oldest new tick (its worst case), in seconds as the freshness
      // alarm's threshold (freshnessAlarmSeconds) is. Each metric name costs a month's custom metric: few are kept.
      metrics.addMetric(
        'SnapshotFreshness',
        MetricUnit.Seconds,
        (live.writtenAtMs - live.oldestAppliedMs) / 1000,
      );
    if (summary.quarantined > 0) logger.warn('quarantined records', { quarantined: summary.quarantined });
    const { keys, ticks: _ticks, ...counts } = summary;
    const result = { ...counts, snapshotTicks: live.applied, snapshotAttempts: live.attempts };
    logger.info('landed batch', { ...result, firstKey: keys[0] });
    return result;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(parsedEvent(KafkaEventSchema, 'Kafka event'));
  return { handler: takingAnyEvent(handler), close: async () => undefined };
}

/** The oldest tick timestamp of a batch (ISO strings order as times), or null for none. */
function oldestTimestamp(ticks: readonly { timestamp: string }[]): string | null {
  let oldest: string | null = null;
  for (const tick of ticks) if (oldest === null || tick.timestamp < oldest) oldest = tick.timestamp;
  return oldest;
}
