import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type BackfillRequest, BackfillRequestSchema, backfillHistory } from '../../lib/produce/backfill';
import type { ProducerConfig } from '../../lib/produce/config';
import { closeAfterInvocation, parsedEvent } from '../../lib/shared/middleware';
import { type BuiltFunction, takingAnyEvent } from './function';
import { type ProducerCollaborators, producerParts } from './produce-ticks';

/**
 * backfillHistory, on demand: publishes history for a symbol list and date range from the stage's market source;
 * re-runs publish the same records (the simulator's, or the provider's bars for those minutes).
 */
export function createBackfillHistory(
  config: ProducerConfig,
  collaborators: ProducerCollaborators = {},
): BuiltFunction {
  const { logger, publisher, history } = producerParts({
    config,
    collaborators,
    service: 'backfill-history',
    batchSize: 2000,
  });
  const handler = middy(async (request: BackfillRequest) => {
    const summary = await backfillHistory({ request, source: history, publisher });
    logger.info('backfilled history', { ...summary });
    return summary;
  })
    .use(injectLambdaContext(logger))
    .use(parsedEvent(BackfillRequestSchema, 'backfillHistory request'))
    .use(
      closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }),
    );
  return { handler: takingAnyEvent(handler), close: () => publisher.disconnect() };
}
