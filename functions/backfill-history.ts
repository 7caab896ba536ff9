import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { backfillHistory, parseBackfillRequest, simulatedHistorySource } from '../lib/backfill';
import { loadProducerConfig } from '../lib/config';
import { createTickPublisher } from '../lib/kafka';
import { closeAfterInvocation } from '../lib/middleware';
import { createLogger } from '../lib/observability';
import { secretsManagerReader } from '../lib/secrets';

const config = loadProducerConfig();
const logger = createLogger('backfill-history');
const publisher = createTickPublisher({
  settings: config.kafka,
  readSecret: secretsManagerReader(),
  batchSize: 2000,
  logger,
});
const source = simulatedHistorySource({ seed: config.simulationSeed });

/** Publishes deterministic history for a symbol list and date range; re-runs publish the same records. */
export const handler = middy(async (event: unknown) => {
  const request = parseBackfillRequest(event);
  const summary = await backfillHistory({ request, source, publisher });
  logger.info('backfilled history', { ...summary });
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }));

/** Closes the Kafka connection; for the local stack and tests, never needed on Lambda. */
export const close = (): Promise<void> => publisher.disconnect();
