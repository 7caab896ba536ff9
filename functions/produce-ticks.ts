import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadProducerConfig } from '../lib/config';
import { createTickPublisher } from '../lib/kafka';
import { closeAfterInvocation } from '../lib/middleware';
import { createLogger } from '../lib/observability';
import { ProduceTicksRequestSchema, parseRequest, produceMinute } from '../lib/produce';
import { secretsManagerReader } from '../lib/secrets';

const config = loadProducerConfig();
const logger = createLogger('produce-ticks');
const publisher = createTickPublisher({ settings: config.kafka, readSecret: secretsManagerReader(), logger });

/** Scheduled by EventBridge: publishes one minute of simulated ticks for a group of symbols. */
export const handler = middy(async (event: unknown) => {
  const request = parseRequest(ProduceTicksRequestSchema, 'produceTicks request', event);
  const summary = await produceMinute({ request, seed: config.simulationSeed, publisher });
  logger.info('published ticks', { group: request.group, ...summary });
  return summary;
})
  .use(injectLambdaContext(logger))
  .use(closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }));

/** Closes the Kafka connection; for the local stack and tests, never needed on Lambda. */
export const close = (): Promise<void> => publisher.disconnect();
