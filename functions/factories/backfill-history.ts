import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { marketSources } from '../../lib/market';
import { backfillHistory, parseBackfillRequest } from '../../lib/produce/backfill';
import type { ProducerConfig } from '../../lib/produce/config';
import { createTickPublisher } from '../../lib/produce/publisher';
import { closeAfterInvocation } from '../../lib/shared/middleware';
import { createLogger } from '../../lib/shared/observability';
import { secretsManagerReader } from '../../lib/shared/secrets';
import type { BuiltFunction } from './function';
import type { ProducerCollaborators } from './produce-ticks';

/**
 * backfillHistory, on demand: publishes history for a symbol list and date range from the stage's market source;
 * re-runs publish the same records (the simulator's, or the provider's bars for those minutes).
 */
export function createBackfillHistory(
  config: ProducerConfig,
  collaborators: ProducerCollaborators = {},
): BuiltFunction {
  const logger = collaborators.logger ?? createLogger('backfill-history');
  const readSecret = collaborators.readSecret ?? secretsManagerReader();
  const publisher = createTickPublisher({
    settings: config.kafka,
    readSecret,
    batchSize: 2000,
    logger,
    ...(collaborators.createProducer ? { createProducer: collaborators.createProducer } : {}),
  });
  const { history } = marketSources({ market: config.market, seed: config.simulationSeed, readSecret });
  const handler = middy(async (event: unknown) => {
    const request = parseBackfillRequest(event);
    const summary = await backfillHistory({ request, source: history, publisher });
    logger.info('backfilled history', { ...summary });
    return summary;
  })
    .use(injectLambdaContext(logger))
    .use(
      closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }),
    );
  return { handler, close: () => publisher.disconnect() };
}
