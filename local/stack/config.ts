import { z } from 'zod';
import { brokerList, type KafkaSettings, kafkaEnvironment, kafkaSettings } from '../../lib/kafka/settings';
import { ConfigError, type Environment, parseEnvironment } from '../../lib/shared/environment';

/** Settings of the local stack (never deployed): an external broker or Trino to use instead of starting one. */
export interface LocalStackConfig {
  externalBrokers: string[] | undefined;
  /** How to sign in to the external broker (KAFKA_SECURITY_PROTOCOL=SASL_SSL and its KAFKA_SASL_*, KAFKA_SSL_CA_PEM). */
  externalAuth: Pick<KafkaSettings, 'ssl' | 'sasl'>;
  /** A running Trino (`TRINO_URL`, e.g. http://127.0.0.1:8080) to use as Athena instead of starting one. */
  externalTrino: string | undefined;
  /** The topic to use instead of serverless.yml's (`KAFKA_TOPIC`): runs that share a broker keep apart by it. */
  topic: string | undefined;
}

/**
 * Parses the local stack's settings: `KAFKA_BROKERS`, when set, points the local stack at that broker, in
 * plaintext or, with `KAFKA_SECURITY_PROTOCOL=SASL_SSL`, with the credentials and CA the producers would use;
 * `KAFKA_TOPIC` names the topic it uses there (default: serverless.yml's).
 */
export function loadLocalStackConfig(env: Environment = process.env): LocalStackConfig {
  const { KAFKA_BROKERS: _brokers, KAFKA_TOPIC: topic, ...security } = kafkaEnvironment;
  const parsed = parseEnvironment(
    z.object({
      KAFKA_BROKERS: brokerList.optional(),
      KAFKA_TOPIC: topic.optional(),
      TRINO_URL: z.string().url().optional(),
      ...security,
    }),
    env,
  );
  const { ssl, sasl, secrets } = kafkaSettings({ ...parsed, KAFKA_BROKERS: [], KAFKA_TOPIC: '' });
  if (secrets)
    throw new ConfigError([
      'the local stack reads no Secrets Manager secrets: give KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SSL_CA_PEM instead of KAFKA_SASL_SECRET_ID/KAFKA_SSL_CA_SECRET_ID',
    ]);
  return {
    externalBrokers: parsed.KAFKA_BROKERS,
    externalAuth: { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) },
    externalTrino: parsed.TRINO_URL?.replace(/\/$/, ''),
    topic: parsed.KAFKA_TOPIC,
  };
}
