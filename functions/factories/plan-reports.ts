import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { PlannerConfig } from '../../lib/reports/config';
import {
  hasFinalManifest,
  type ObjectLister,
  type PlanReportsRequest,
  PlanReportsRequestSchema,
  planReportDays,
} from '../../lib/reports/days';
import { parsedEvent } from '../../lib/shared/middleware';
import { createLogger } from '../../lib/shared/observability';
import { createS3Client } from '../../lib/shared/s3';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/** planReports, the reports workflow's first step: which UTC days this run reports, each final or partial. */
export function createPlanReports(
  config: PlannerConfig,
  collaborators: CommonCollaborators & { s3?: ObjectLister } = {},
): BuiltFunction {
  const s3 = collaborators.s3 ?? createS3Client(config.s3);
  const logger = collaborators.logger ?? createLogger('plan-reports');
  const handler = middy(async (request: PlanReportsRequest) => {
    const plan = await planReportDays({
      request,
      graceMinutes: config.finalizeAfterMinutes,
      isFinalized: (day) => hasFinalManifest({ s3, bucket: config.bucket, day }),
    });
    logger.info('planned reports', plan);
    return plan;
  })
    .use(injectLambdaContext(logger))
    .use(parsedEvent(PlanReportsRequestSchema, 'planReports request'));
  return { handler: takingAnyEvent(handler), close: async () => undefined };
}
