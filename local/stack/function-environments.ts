import type { KafkaAuth } from '../../lib/kafka/client';
import type { ResolvedServerlessConfig } from './serverless-config';

/** The handlers' environment for an auth: what lib/config reads (KAFKA_SECURITY_PROTOCOL and the rest). */
export function authEnvironment(auth: KafkaAuth): Record<string, string> {
  if (!auth.sasl) return { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' };
  return {
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: auth.sasl.mechanism.toUpperCase(),
    KAFKA_SASL_USERNAME: auth.sasl.username,
    KAFKA_SASL_PASSWORD: auth.sasl.password,
    ...(auth.ssl?.ca?.[0] ? { KAFKA_SSL_CA_PEM: auth.ssl.ca[0] } : {}),
  };
}

/** The variables that say where Kafka is and how to sign in, which the local stack supplies itself. */
export function isKafkaConnectionVariable(name: string): boolean {
  return /^KAFKA_(BROKERS|SECURITY_PROTOCOL|SASL_.+|SSL_.+)$/.test(name);
}

/** Replaces CloudFormation references in a function's environment with the local stack's names. */
export function resolveLocalValue(value: unknown, resources: Record<string, string>, name: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  if (typeof ref === 'string' && resources[ref] !== undefined) return resources[ref];
  throw new Error(`${name}: the local stack has no stand-in for ${JSON.stringify(value)}`);
}

/** The alerts topic's name on the local SNS (the stack's AlertsTopic). */
export const localAlertsTopicName = (config: Pick<ResolvedServerlessConfig, 'service'>, stage: string) =>
  `${config.service}-${stage}-alerts`;

/**
 * The local names of the template's resources that the functions' environment references (`!Ref DataBucket`): the
 * buckets CloudFormation would create, named after the service and stage, and the alerts topic's ARN on the local
 * SNS.
 */
export function localResources(config: Pick<ResolvedServerlessConfig, 'service'>, stage: string) {
  return {
    DataBucket: `${config.service}-${stage}-data`,
    ResultsBucket: `${config.service}-${stage}-results`,
    AlertsTopic: `arn:aws:sns:us-east-1:000000000000:${localAlertsTopicName(config, stage)}`,
  };
}

/** The topic serverless.yml gives the producers (`KAFKA_TOPIC`), if any function has one. */
export function configuredTopic(config: ResolvedServerlessConfig): string | undefined {
  for (const fn of Object.values(config.functions)) {
    const topic = fn.environment?.KAFKA_TOPIC ?? config.provider.environment?.KAFKA_TOPIC;
    if (typeof topic === 'string' && topic !== '') return topic;
  }
  return undefined;
}

/**
 * Each function's own variables, as serverless.yml gives them, pointed at the local broker, topic and S3: how to
 * reach and sign in to Kafka is the in-stack broker's address and secrets on AWS, and locally the stack's own broker
 * and credentials replace them. `overrides` come last (an empty value unsets a variable, as for a function an
 * empty variable is unset). Nothing is merged into this process's environment: each function is built from its own.
 */
export function functionEnvironments(params: {
  config: ResolvedServerlessConfig;
  resources: Record<string, string>;
  brokers: string[];
  auth: KafkaAuth;
  topic: string;
  s3Endpoint: string;
  overrides?: Record<string, string>;
}): Record<string, Record<string, string>> {
  const { config, resources } = params;
  return Object.fromEntries(
    Object.entries(config.functions).map(([name, fn]) => {
      const merged: Record<string, unknown> = { ...config.provider.environment, ...fn.environment };
      const env = Object.fromEntries(
        Object.entries(merged)
          .filter(([key]) => !isKafkaConnectionVariable(key))
          .map(([key, value]) => [key, resolveLocalValue(value, resources, `${name}.${key}`)]),
      );
      if (env.KAFKA_TOPIC) env.KAFKA_TOPIC = params.topic;
      return [
        name,
        {
          ...env,
          KAFKA_BROKERS: params.brokers.join(','),
          ...authEnvironment(params.auth),
          S3_ENDPOINT: params.s3Endpoint,
          ...params.overrides,
        },
      ];
    }),
  );
}
