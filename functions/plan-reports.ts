import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadPlannerConfig } from '../lib/reports/config';
import { hasFinalManifest, planReportDays } from '../lib/reports/days';
import { createLogger } from '../lib/shared/observability';
import { createS3Client } from '../lib/shared/s3';

const config = loadPlannerConfig();
const s3 = createS3Client(config.s3);
const logger = createLogger('plan-reports');

/** The reports workflow's first step: which UTC days this run reports, each final or partial. */
export const handler = middy(async (event: unknown) => {
  const plan = await planReportDays({
    input: event,
    graceMinutes: config.finalizeAfterMinutes,
    isFinalized: (day) => hasFinalManifest({ s3, bucket: config.bucket, day }),
  });
  logger.info('planned reports', plan);
  return plan;
}).use(injectLambdaContext(logger));
