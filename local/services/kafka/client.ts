import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { type KafkaAuth, kafkaAuthOptions } from '../../../lib/kafka/client';

/**
 * A kafkajs client for the local stack's own tools (topic admin, readers, the local mapping, tests): silent (the
 * functions' clients log through their logger instead) and signed in as `auth` says.
 */
export function localKafkaClient(params: {
  clientId: string;
  brokers: string[];
  auth?: KafkaAuth | undefined;
  retry?: KafkaConfig['retry'];
}): Kafka {
  return new Kafka({
    clientId: params.clientId,
    brokers: params.brokers,
    logLevel: logLevel.NOTHING,
    ...kafkaAuthOptions(params.auth),
    ...(params.retry ? { retry: params.retry } : {}),
  });
}
