import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SelfManagedKafkaEvent } from 'aws-lambda';
import type { KafkaEventBatch } from '../lib/contract/kafka-event';
import { loadLanderConfig } from '../lib/land/config';
import { landBatch } from '../lib/land/write';
import { createLogger, createMetrics } from '../lib/shared/observability';
import { createS3Client } from '../lib/shared/s3';

const config = loadLanderConfig();
const s3 = createS3Client(config.s3);
const logger = createLogger('land-ticks');
const metrics = createMetrics('land-ticks', logger);

/**
 * Invoked by the self-managed Kafka event source mapping: lands the batch in S3 as partitioned gzipped NDJSON
 * and quarantines bad records. Throws when a write fails, so the mapping retries the batch.
 */
export const handler = middy(async (event: SelfManagedKafkaEvent) => {
  const summary = await landBatch({
    batch: event as KafkaEventBatch,
    s3,
    bucket: config.bucket,
    layout: config.layout,
    gzipLevel: config.gzipLevel,
    concurrency: config.writeConcurrency,
  });
  metrics.addMetric('TicksLanded', MetricUnit.Count, summary.landed);
  metrics.addMetric('TicksQuarantined', MetricUnit.Count, summary.quarantined);
  metrics.addMetric('ObjectsWritten', MetricUnit.Count, summary.putRequests);
  metrics.addMetric('BytesWritten', MetricUnit.Bytes, summary.bytes);
  if (summary.batchAgeMs !== null) metrics.addMetric('BatchAge', MetricUnit.Milliseconds, summary.batchAgeMs);
  if (summary.quarantined > 0) logger.warn('quarantined records', { quarantined: summary.quarantined });
  const { keys, ...counts } = summary;
  logger.info('landed batch', { ...counts, firstKey: keys[0] });
  return counts;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
