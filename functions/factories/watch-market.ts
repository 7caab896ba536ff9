import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { ObjectStore } from '../../lib/live/conditional-object';
import {
  type AlertPublisher,
  type WatchRequest,
  WatchRequestSchema,
  watchMarket,
} from '../../lib/live/watch';
import type { WatchConfig } from '../../lib/live/watch-config';
import { parsedEvent } from '../../lib/shared/middleware';
import { createLogger, createMetrics } from '../../lib/shared/observability';
import { createS3Client } from '../../lib/shared/s3';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/** What watchMarket can be given instead of building it. */
export interface WatchCollaborators extends CommonCollaborators {
  s3?: ObjectStore;
  sns?: AlertPublisher;
  metrics?: Metrics;
  now?: () => number;
}

/**
 * watchMarket, on a one-minute schedule: the alerts' clock. Judges the live snapshot at the schedule's time (a
 * symbol silent, the feed stalled, a price jump), sends each episode's opening and resolution once to the alerts
 * topic and keeps them in the results bucket for the live views.
 */
export function createWatchMarket(
  config: WatchConfig,
  collaborators: WatchCollaborators = {},
): BuiltFunction {
  const s3 = collaborators.s3 ?? createS3Client(config.s3);
  const sns = collaborators.sns ?? new SNSClient({ region: config.s3.region });
  const logger = collaborators.logger ?? createLogger('watch-market');
  const metrics = collaborators.metrics ?? createMetrics('watch-market', logger);
  const now = collaborators.now ?? Date.now;
  const handler = middy(async (request: WatchRequest) => {
    const summary = await watchMarket({
      s3,
      sns,
      bucket: config.bucket,
      layout: config.layout,
      topicArn: config.topicArn,
      stage: config.stage,
      thresholds: config.thresholds,
      marketHours: config.marketHours,
      nowMs: request.time === undefined ? now() : Date.parse(request.time),
    });
    metrics.addMetric('AlertsOpened', MetricUnit.Count, summary.opened);
    if (summary.opened + summary.resolved > 0) logger.info('alerts changed', { ...summary });
    else logger.debug('alerts unchanged', { ...summary });
    return summary;
  })
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(parsedEvent(WatchRequestSchema, 'watchMarket event'));
  return { handler: takingAnyEvent(handler), close: async () => undefined };
}
