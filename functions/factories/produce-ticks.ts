import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { KafkaSettings } from '../../lib/kafka/settings';
import { marketSources } from '../../lib/market';
import type { ProducerConfig } from '../../lib/produce/config';
import {
  type ProduceTicksRequest,
  ProduceTicksRequestSchema,
  produceMinute,
} from '../../lib/produce/produce-minute';
import type { TickProducer } from '../../lib/produce/publisher';
import { createTickPublisher } from '../../lib/produce/publisher';
import { closeAfterInvocation, parsedEvent } from '../../lib/shared/middleware';
import { createLogger } from '../../lib/shared/observability';
import { type SecretReader, secretsManagerReader } from '../../lib/shared/secrets';
import { type BuiltFunction, type CommonCollaborators, takingAnyEvent } from './function';

/** What a producer function can be given instead of building it (tests inject fakes). */
export interface ProducerCollaborators extends CommonCollaborators {
  readSecret?: SecretReader;
  /** Makes the Kafka producer for the resolved settings; by default kafkajs' idempotent producer. */
  createProducer?: (settings: KafkaSettings) => TickProducer;
}

/**
 * What both producer functions are built from: their logger, the publisher (secrets read once, on first use) and
 * the stage's market sources, each given or made from the config.
 */
export function producerParts(params: {
  config: ProducerConfig;
  collaborators: ProducerCollaborators;
  service: string;
  /** Messages per Kafka send (the publisher's default when not given). */
  batchSize?: number;
}) {
  const { config, collaborators } = params;
  const logger = collaborators.logger ?? createLogger(params.service);
  const readSecret = collaborators.readSecret ?? secretsManagerReader();
  const publisher = createTickPublisher({
    settings: config.kafka,
    readSecret,
    logger,
    ...(params.batchSize ? { batchSize: params.batchSize } : {}),
    ...(collaborators.createProducer ? { createProducer: collaborators.createProducer } : {}),
  });
  const sources = marketSources({
    market: config.market,
    seed: config.simulationSeed,
    anomalies: config.simulationAnomalies,
    readSecret,
  });
  return { logger, publisher, ...sources };
}

/** produceTicks, scheduled by EventBridge: publishes one minute of ticks for a group of symbols. */
export function createProduceTicks(
  config: ProducerConfig,
  collaborators: ProducerCollaborators = {},
): BuiltFunction {
  const { logger, publisher, live } = producerParts({ config, collaborators, service: 'produce-ticks' });
  const handler = middy(async (request: ProduceTicksRequest) => {
    const summary = await produceMinute({ request, source: live, publisher });
    logger.info(summary.skipped ? 'published nothing' : 'published ticks', {
      group: request.group,
      ...summary,
    });
    return summary;
  })
    .use(injectLambdaContext(logger))
    .use(parsedEvent(ProduceTicksRequestSchema, 'produceTicks request'))
    .use(
      closeAfterInvocation({ enabled: config.disconnectAfterInvoke, close: () => publisher.disconnect() }),
    );
  return { handler: takingAnyEvent(handler), close: () => publisher.disconnect() };
}
