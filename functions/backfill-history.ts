import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { marketSources } from '../lib/market';
import { backfillHistory, parseBackfillRequest } from '../lib/produce/backfill';
import { loadProducerConfig } from '../lib/produce/config';
import { createTickPublisher } from '../lib/produce/publisher';
import { closeAfterInvocation } from '../lib/shared/middleware';
import { createLogger } from '../lib/shared/observability';
import { secretsManagerReader } from '../lib/shared/secrets';

const config = loadProducerConfig();
const logger = createLogger('backfill-history');
const readSecret = secretsManagerReader();
const publisher = createTickPublisher({ settings: config.kafka, readSecret, batchSize: 2000, logger });
const { history } = marketSources({ market: config.market, seed: config.simulationSeed, readSecret });

/**
 * Publishes history for a symbol list and date range from the stage's market source; re-runs publish the same
 * records (the simulator's, or the provider's bars for those minutes).
 */
export const handler = middy(async (event: unknown) => {
  const request = parseBackfillRequest(event);
  const summary = await backfillHistory({ request, source: history, publisher });
  logger.info('backfilled history', { ...summary });
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }));

/** Closes the Kafka connection; for the local stack and tests, never needed on Lambda. */
export const close = (): Promise<void> => publisher.disconnect();
