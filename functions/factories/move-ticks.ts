import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { GlueClient } from '@aws-sdk/client-glue';
import middy from '@middy/core';
import {
  archiveMove,
  dropOlderParts,
  type MoveRequest,
  MoveRequestSchema,
  type MoveStorage,
  type PartsCatalog,
  planCompaction,
  planMove,
} from '../../lib/reports/move';
import type { MoverConfig } from '../../lib/reports/move-config';
import { parsedEvent } from '../../lib/shared/middleware';
import { createLogger } from '../../lib/shared/observability';
import { createS3Client } from '../../lib/shared/s3';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/**
 * moveTicks, the reports workflow's steps around the columnar table: plan a day's move (list and keep what has
 * landed), archive what a written part holds, plan a finished day's compaction, drop the parts it replaced.
 */
export function createMoveTicks(
  config: MoverConfig,
  collaborators: CommonCollaborators & { s3?: MoveStorage; glue?: PartsCatalog; now?: () => Date } = {},
): BuiltFunction {
  const s3 = collaborators.s3 ?? (createS3Client(config.s3) as unknown as MoveStorage);
  const glue = collaborators.glue ?? (new GlueClient({}) as unknown as PartsCatalog);
  const now = collaborators.now ?? (() => new Date());
  const logger = collaborators.logger ?? createLogger('move-ticks');
  const { bucket, layout, database } = config;
  const handler = middy(async (request: MoveRequest) => {
    switch (request.step) {
      case 'plan': {
        const plan = await planMove({ s3, bucket, layout, day: request.day, now: now() });
        logger.info('planned a move', { day: plan.day, part: plan.part, objects: plan.objects });
        return plan;
      }
      case 'archive': {
        const archived = await archiveMove({ s3, bucket, layout, manifest: request.manifest, now: now() });
        logger.info('archived moved objects', archived);
        return archived;
      }
      case 'compact':
        return planCompaction(request.day, now());
      case 'drop': {
        const dropped = await dropOlderParts({
          glue,
          s3,
          bucket,
          layout,
          database,
          day: request.day,
          keep: request.keep,
          now: now(),
        });
        logger.info('dropped older parts', { day: request.day, keep: request.keep, ...dropped });
        return dropped;
      }
    }
  })
    .use(injectLambdaContext(logger))
    .use(parsedEvent(MoveRequestSchema, 'moveTicks request'));
  return { handler: takingAnyEvent(handler), close: async () => undefined };
}
