import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { emptyAlerts, parseAlerts } from '../../lib/live/alerts';
import { readVersioned } from '../../lib/live/conditional-object';
import { LIVE_CACHE_CONTROL } from '../../lib/live/live-layout';
import { renderLivePage } from '../../lib/live/page';
import type { PublisherConfig } from '../../lib/reports/config';
import {
  type ObjectStore,
  type PublishRequest,
  PublishRequestSchema,
  publishReports,
} from '../../lib/reports/publish-reports';
import { parsedEvent } from '../../lib/shared/middleware';
import { createLogger } from '../../lib/shared/observability';
import { createS3Client } from '../../lib/shared/s3';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/** publishReports, the reports workflow's step per day: latest.csv per report, the run manifest and the dashboard. */
export function createPublishReports(
  config: PublisherConfig,
  collaborators: CommonCollaborators & { s3?: ObjectStore } = {},
): BuiltFunction {
  const s3 = collaborators.s3 ?? createS3Client(config.s3);
  const logger = collaborators.logger ?? createLogger('publish-reports');
  const handler = middy(async (request: PublishRequest) => {
    const stored = await readVersioned(s3, config.bucket, config.live.alertsKey);
    const alerts = stored === null ? emptyAlerts() : parseAlerts(stored.text);
    const manifest = await publishReports({
      request,
      s3,
      bucket: config.bucket,
      alerts: {
        open: Object.values(alerts.open),
        recent: alerts.history.slice(-10),
        livePageKey: config.live.pageKey,
      },
    });
    // The live page is static: each run writes the current version beside the snapshot it reads.
    await s3.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: config.live.pageKey,
        Body: renderLivePage({ stage: config.stage }),
        ContentType: 'text/html; charset=utf-8',
        CacheControl: LIVE_CACHE_CONTROL,
      }),
    );
    logger.info('published reports', {
      execution: manifest.execution,
      day: manifest.day,
      reports: manifest.reports.length,
    });
    return manifest;
  })
    .use(injectLambdaContext(logger))
    .use(parsedEvent(PublishRequestSchema, 'publishReports request'));
  return { handler: takingAnyEvent(handler), close: async () => undefined };
}
