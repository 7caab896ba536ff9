import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { marketSources } from '../lib/market';
import { loadProducerConfig } from '../lib/produce/config';
import { ProduceTicksRequestSchema, produceMinute } from '../lib/produce/produce-minute';
import { createTickPublisher } from '../lib/produce/publisher';
import { closeAfterInvocation } from '../lib/shared/middleware';
import { createLogger } from '../lib/shared/observability';
import { parseRequest } from '../lib/shared/request';
import { secretsManagerReader } from '../lib/shared/secrets';

const config = loadProducerConfig();
const logger = createLogger('produce-ticks');
const readSecret = secretsManagerReader();
const publisher = createTickPublisher({ settings: config.kafka, readSecret, logger });
const { live } = marketSources({ market: config.market, seed: config.simulationSeed, readSecret });

/** Scheduled by EventBridge: publishes one minute of ticks for a group of symbols from the stage's market source. */
export const handler = middy(async (event: unknown) => {
  const request = parseRequest(ProduceTicksRequestSchema, 'produceTicks request', event);
  const summary = await produceMinute({ request, source: live, publisher });
  logger.info(summary.skipped ? 'published nothing' : 'published ticks', {
    group: request.group,
    ...summary,
  });
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }));

/** Closes the Kafka connection; for the local stack and tests, never needed on Lambda. */
export const close = (): Promise<void> => publisher.disconnect();
