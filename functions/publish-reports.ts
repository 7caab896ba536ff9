import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadPublisherConfig } from '../lib/reports/config';
import { publishReports } from '../lib/reports/publish-reports';
import { createLogger } from '../lib/shared/observability';
import { createS3Client } from '../lib/shared/s3';

const config = loadPublisherConfig();
const s3 = createS3Client(config.s3);
const logger = createLogger('publish-reports');

/** The reports workflow's last step: latest.csv per report, the run manifest and the dashboard. */
export const handler = middy(async (event: unknown) => {
  const manifest = await publishReports({ input: event, s3, bucket: config.bucket });
  logger.info('published reports', {
    execution: manifest.execution,
    day: manifest.day,
    reports: manifest.reports.length,
  });
  return manifest;
}).use(injectLambdaContext(logger));
