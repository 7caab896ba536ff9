import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { publishLivePage } from '../../lib/live/page';
import { readAlerts } from '../../lib/live/read-live';
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
    const alerts = await readAlerts(s3, config.bucket, config.live.alertsKey);
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
    await publishLivePage({ s3, bucket: config.bucket, key: config.live.pageKey, stage: config.stage });
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
