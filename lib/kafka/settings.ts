import { z } from 'zod';
import { ConfigError, positiveInt } from '../shared/environment';

/** `host:port[,host:port]`. */
export const brokerList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port'))
      .min(1, 'at least one broker'),
  );

/** The variables every Kafka client's settings come from. */
export const kafkaEnvironment = {
  KAFKA_BROKERS: brokerList,
  KAFKA_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a valid Kafka topic name'),
  KAFKA_CLIENT_ID: z.string().min(1).default('tickstream'),
  KAFKA_CONNECT_TIMEOUT_MS: positiveInt(3000, 60_000),
  KAFKA_REQUEST_TIMEOUT_MS: positiveInt(30_000, 300_000),
  KAFKA_RETRIES: z.coerce.number().int().min(0).max(20).default(3),
  /** How long one send may take, retries included (the producer's retry count is derived from it: publisher.ts). */
  KAFKA_SEND_TIMEOUT_MS: positiveInt(30_000, 300_000),
  /** SASL_SSL: TLS and SASL (Lambda's Kafka mapping supports SCRAM only over TLS); PLAINTEXT: neither. */
  KAFKA_SECURITY_PROTOCOL: z.enum(['PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
  KAFKA_SASL_MECHANISM: z.enum(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN']).default('SCRAM-SHA-512'),
  /** A Secrets Manager secret `{"username", "password"}` (what the mapping's SASL_SCRAM_*_AUTH reads)… */
  KAFKA_SASL_SECRET_ID: z.string().min(1).optional(),
  /** …or the credentials themselves (the local stack). */
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** A Secrets Manager secret `{"certificate"}` holding the private CA (the mapping's SERVER_ROOT_CA_CERTIFICATE)… */
  KAFKA_SSL_CA_SECRET_ID: z.string().min(1).optional(),
  /** …or the CA (PEM) itself. Without either, Node's trusted CAs. */
  KAFKA_SSL_CA_PEM: z.string().includes('-----BEGIN CERTIFICATE-----').optional(),
};

export interface KafkaSettings {
  brokers: string[];
  topic: string;
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** Retries of a connection (a send's retries are derived from sendTimeoutMs). */
  retries: number;
  /** How long one send may take, its retries included, before it fails naming the brokers. */
  sendTimeoutMs: number;
  /** TLS, with the private CA to trust when one is given (SASL_SSL). */
  ssl?: { ca?: string[] };
  /** SASL credentials (SASL_SSL). */
  sasl?: SaslCredentials;
  /**
   * Secrets Manager secrets to read before connecting (SASL_SSL on AWS): the credentials and the private CA.
   * `resolveKafkaSecrets` turns them into `sasl` and `ssl.ca`.
   */
  secrets?: KafkaSecretIds;
}

/** The SASL mechanisms a client may use, in kafkajs' spelling. */
export type SaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';

/** A SASL user and the mechanism it signs in with (one union member per mechanism, as kafkajs types it). */
export type SaslCredentials = {
  [M in SaslMechanism]: { mechanism: M; username: string; password: string };
}[SaslMechanism];

/** The credentials of a user for a mechanism. */
export function saslCredentials(
  mechanism: SaslMechanism,
  username: string,
  password: string,
): SaslCredentials {
  return { mechanism, username, password } as SaslCredentials;
}

/** Where the Kafka credentials and CA are kept in Secrets Manager (ids or ARNs). */
export interface KafkaSecretIds {
  /** `{"username": …, "password": …}` (the mapping's SASL_SCRAM_*_AUTH format), and the mechanism it signs in with. */
  sasl?: { secretId: string; mechanism: SaslMechanism };
  /** `{"certificate": "-----BEGIN CERTIFICATE-----…"}`, the format of SERVER_ROOT_CA_CERTIFICATE. */
  ca?: string;
}

/**
 * The Kafka part of a function's settings. SASL_SSL takes the credentials from a secret or from the environment
 * (one of the two), and the CA likewise; what is missing or doubly given fails, named.
 */
export function kafkaSettings(parsed: {
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC: string;
  KAFKA_CLIENT_ID: string;
  KAFKA_CONNECT_TIMEOUT_MS: number;
  KAFKA_REQUEST_TIMEOUT_MS: number;
  KAFKA_RETRIES: number;
  KAFKA_SEND_TIMEOUT_MS: number;
  KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' | 'SASL_SSL';
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' | 'SCRAM-SHA-256' | 'PLAIN';
  KAFKA_SASL_SECRET_ID?: string | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_SSL_CA_SECRET_ID?: string | undefined;
  KAFKA_SSL_CA_PEM?: string | undefined;
}): KafkaSettings {
  const settings: KafkaSettings = {
    brokers: parsed.KAFKA_BROKERS,
    topic: parsed.KAFKA_TOPIC,
    clientId: parsed.KAFKA_CLIENT_ID,
    connectionTimeoutMs: parsed.KAFKA_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: parsed.KAFKA_REQUEST_TIMEOUT_MS,
    retries: parsed.KAFKA_RETRIES,
    sendTimeoutMs: parsed.KAFKA_SEND_TIMEOUT_MS,
  };
  if (parsed.KAFKA_SECURITY_PROTOCOL === 'PLAINTEXT') return settings;
  const problems: string[] = [];
  const fromEnvironment =
    parsed.KAFKA_SASL_USERNAME !== undefined || parsed.KAFKA_SASL_PASSWORD !== undefined;
  if (parsed.KAFKA_SASL_SECRET_ID && fromEnvironment)
    problems.push('KAFKA_SASL_SECRET_ID and KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD are both set: set one');
  else if (!parsed.KAFKA_SASL_SECRET_ID)
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const)
      if (!parsed[name])
        problems.push(
          `${name} is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL${fromEnvironment ? '' : ' (or KAFKA_SASL_SECRET_ID)'}`,
        );
  if (parsed.KAFKA_SSL_CA_SECRET_ID && parsed.KAFKA_SSL_CA_PEM)
    problems.push('KAFKA_SSL_CA_SECRET_ID and KAFKA_SSL_CA_PEM are both set: set one');
  if (problems.length > 0) throw new ConfigError(problems);
  const mechanism = parsed.KAFKA_SASL_MECHANISM.toLowerCase() as SaslMechanism;
  const secrets: KafkaSecretIds = {
    ...(parsed.KAFKA_SASL_SECRET_ID ? { sasl: { secretId: parsed.KAFKA_SASL_SECRET_ID, mechanism } } : {}),
    ...(parsed.KAFKA_SSL_CA_SECRET_ID ? { ca: parsed.KAFKA_SSL_CA_SECRET_ID } : {}),
  };
  return {
    ...settings,
    ssl: parsed.KAFKA_SSL_CA_PEM ? { ca: [parsed.KAFKA_SSL_CA_PEM] } : {},
    ...(parsed.KAFKA_SASL_USERNAME && parsed.KAFKA_SASL_PASSWORD
      ? { sasl: saslCredentials(mechanism, parsed.KAFKA_SASL_USERNAME, parsed.KAFKA_SASL_PASSWORD) }
      : {}),
    ...(secrets.sasl || secrets.ca ? { secrets } : {}),
  };
}
