import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { type KafkaEventBatch, KafkaEventSchema } from '../../lib/contract/kafka-event';
import type { LanderConfig } from '../../lib/land/config';
import { landBatch, type ObjectWriter } from '../../lib/land/write';
import { parsedEvent } from '../../lib/shared/middleware';
import { createLogger, createMetrics } from '../../lib/shared/observability';
import { createS3Client } from '../../lib/shared/s3';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/** What landTicks can be given instead of building it. */
export interface LanderCollaborators extends CommonCollaborators {
  s3?: ObjectWriter;
  metrics?: Metrics;
}

/**
 * landTicks, invoked by the self-managed Kafka event source mapping: lands the batch in S3 as partitioned gzipped
 * NDJSON and quarantines bad records. Throws when a write fails, so the mapping retries the batch.
 */
export function createLandTicks(
  config: LanderConfig,
  collaborators: LanderCollaborators = {},
): BuiltFunction {
  const s3 = collaborators.s3 ?? createS3Client(config.s3);
  const logger = collaborators.logger ?? createLogger('land-ticks');
  const metrics = collaborators.metrics ?? createMetrics('land-ticks', logger);
  // The mapping's SelfManagedKafka event; landing reads only its records.
  const handler = middy(async (batch: KafkaEventBatch) => {
    const summary = await landBatch({
      batch,
      s3,
      bucket: config.bucket,
      layout: config.layout,
      timeWindow: config.timeWindow,
      gzipLevel: config.gzipLevel,
      concurrency: config.writeConcurrency,
    });
    metrics.addMetric('TicksLanded', MetricUnit.Count, summary.landed);
    metrics.addMetric('TicksQuarantined', MetricUnit.Count, summary.quarantined);
    metrics.addMetric('ObjectsWritten', MetricUnit.Count, summary.putRequests);
    metrics.addMetric('BytesWritten', MetricUnit.Bytes, summary.bytes);
    if (summary.batchAgeMs !== null)
      metrics.addMetric('BatchAge', MetricUnit.Milliseconds, summary.batchAgeMs);
    if (summary.quarantined > 0) logger.warn('quarantined records', { quarantined: summary.quarantined });
    const { keys, ...counts } = summary;
    logger.info('landed batch', { ...counts, firstKey: keys[0] });
    return counts;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(parsedEvent(KafkaEventSchema, 'Kafka event'));
  return { handler: takingAnyEvent(handler), close: async () => undefined };
}
