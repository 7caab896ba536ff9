import { z } from 'zod';

/**
 * The only reader of the process environment. Each function's settings are parsed once, validated, and a
 * missing or malformed value fails at start-up with its variable named.
 */

type Environment = Readonly<Record<string, string | undefined>>;

/** Raised when the environment lacks a required value or holds a malformed one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const brokerList = z
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

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().positive().max(max).default(fallback);

const kafkaEnvironment = {
  KAFKA_BROKERS: brokerList,
  KAFKA_TOPIC: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a valid Kafka topic name'),
  KAFKA_CLIENT_ID: z.string().min(1).default('tickstream'),
  KAFKA_CONNECT_TIMEOUT_MS: positiveInt(3000, 60_000),
  KAFKA_REQUEST_TIMEOUT_MS: positiveInt(30_000, 300_000),
  KAFKA_RETRIES: z.coerce.number().int().min(0).max(20).default(3),
  /** SASL_SSL: TLS and SCRAM-SHA-512 (the only SCRAM mode Lambda's Kafka mapping supports); PLAINTEXT: neither. */
  KAFKA_SECURITY_PROTOCOL: z.enum(['PLAINTEXT', 'SASL_SSL']).default('PLAINTEXT'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** The CA (PEM) that signed the broker's certificate, for a private CA; without it, Node's trusted CAs. */
  KAFKA_SSL_CA_PEM: z.string().includes('-----BEGIN CERTIFICATE-----').optional(),
};

const producerEnvironment = z.object({
  ...kafkaEnvironment,
  SIMULATION_SEED: z.string().min(1),
  // `sls invoke local` sets IS_LOCAL and waits for an empty event loop, which an open Kafka connection never gives.
  IS_LOCAL: z.string().optional(),
});

export interface KafkaSettings {
  brokers: string[];
  topic: string;
  clientId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retries: number;
  /** TLS, with the private CA to trust when one is given (SASL_SSL). */
  ssl?: { ca?: string[] };
  /** SCRAM-SHA-512 credentials (SASL_SSL). */
  sasl?: { mechanism: 'scram-sha-512'; username: string; password: string };
}

/** The Kafka part of a function's settings; SASL_SSL without both credentials fails, naming what is missing. */
function kafkaSettings(parsed: {
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC: string;
  KAFKA_CLIENT_ID: string;
  KAFKA_CONNECT_TIMEOUT_MS: number;
  KAFKA_REQUEST_TIMEOUT_MS: number;
  KAFKA_RETRIES: number;
  KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' | 'SASL_SSL';
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  KAFKA_SSL_CA_PEM?: string | undefined;
}): KafkaSettings {
  const settings: KafkaSettings = {
    brokers: parsed.KAFKA_BROKERS,
    topic: parsed.KAFKA_TOPIC,
    clientId: parsed.KAFKA_CLIENT_ID,
    connectionTimeoutMs: parsed.KAFKA_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: parsed.KAFKA_REQUEST_TIMEOUT_MS,
    retries: parsed.KAFKA_RETRIES,
  };
  if (parsed.KAFKA_SECURITY_PROTOCOL === 'PLAINTEXT') return settings;
  const missing = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).filter((name) => !parsed[name]);
  if (missing.length > 0)
    throw new ConfigError(missing.map((name) => `${name} is required with KAFKA_SECURITY_PROTOCOL=SASL_SSL`));
  return {
    ...settings,
    ssl: parsed.KAFKA_SSL_CA_PEM ? { ca: [parsed.KAFKA_SSL_CA_PEM] } : {},
    sasl: {
      mechanism: 'scram-sha-512',
      username: parsed.KAFKA_SASL_USERNAME ?? '',
      password: parsed.KAFKA_SASL_PASSWORD ?? '',
    },
  };
}

export interface ProducerConfig {
  kafka: KafkaSettings;
  simulationSeed: string;
  /** Close the Kafka connection after each invocation instead of keeping it for the next one. */
  disconnectAfterInvoke: boolean;
}

function parseEnvironment<S extends z.ZodType>(schema: S, env: Environment): z.output<S> {
  // An empty string is as good as unset: serverless renders a missing param as ''.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return present[name] === undefined
        ? `${name} is required but not set`
        : `${name}=${JSON.stringify(present[name])} is invalid: ${issue.message}`;
    }),
  );
}

/** Parses the producer functions' settings from an environment (default: this process's). */
export function loadProducerConfig(env: Environment = process.env): ProducerConfig {
  const parsed = parseEnvironment(producerEnvironment, env);
  return {
    kafka: kafkaSettings(parsed),
    simulationSeed: parsed.SIMULATION_SEED,
    disconnectAfterInvoke: parsed.IS_LOCAL === 'true',
  };
}

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name');

const s3Environment = {
  // Only the local stack sets S3_ENDPOINT: an S3-compatible endpoint reached path-style.
  S3_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
};

const landerEnvironment = z.object({
  ...s3Environment,
  DATA_BUCKET: bucketName,
  RAW_PREFIX: z.string().min(1).default('raw/stock_ticks'),
  QUARANTINE_PREFIX: z.string().min(1).default('quarantine/stock_ticks'),
  GZIP_LEVEL: z.coerce.number().int().min(1).max(9).default(6),
  S3_WRITE_CONCURRENCY: positiveInt(8, 64),
});

export interface LanderConfig {
  bucket: string;
  layout: { rawPrefix: string; quarantinePrefix: string };
  gzipLevel: number;
  writeConcurrency: number;
  s3: { region: string; endpoint: string | undefined };
}

/** Parses the landTicks function's settings. */
export function loadLanderConfig(env: Environment = process.env): LanderConfig {
  const parsed = parseEnvironment(landerEnvironment, env);
  return {
    bucket: parsed.DATA_BUCKET,
    layout: {
      rawPrefix: parsed.RAW_PREFIX.replace(/\/+$/, ''),
      quarantinePrefix: parsed.QUARANTINE_PREFIX.replace(/\/+$/, ''),
    },
    gzipLevel: parsed.GZIP_LEVEL,
    writeConcurrency: parsed.S3_WRITE_CONCURRENCY,
    s3: { region: parsed.AWS_REGION, endpoint: parsed.S3_ENDPOINT },
  };
}

const publisherEnvironment = z.object({ ...s3Environment, RESULTS_BUCKET: bucketName });

export interface PublisherConfig {
  bucket: string;
  s3: { region: string; endpoint: string | undefined };
}

/** Parses the publishReports function's settings. */
export function loadPublisherConfig(env: Environment = process.env): PublisherConfig {
  const parsed = parseEnvironment(publisherEnvironment, env);
  return { bucket: parsed.RESULTS_BUCKET, s3: { region: parsed.AWS_REGION, endpoint: parsed.S3_ENDPOINT } };
}

const plannerEnvironment = z.object({
  ...s3Environment,
  RESULTS_BUCKET: bucketName,
  REPORTS_FINALIZE_AFTER_MINUTES: z.coerce.number().int().min(0).max(720),
});

export interface PlannerConfig {
  bucket: string;
  /** Minutes after midnight UTC before the day that ended is finalized. */
  finalizeAfterMinutes: number;
  s3: { region: string; endpoint: string | undefined };
}

/** Parses the planReports function's settings. */
export function loadPlannerConfig(env: Environment = process.env): PlannerConfig {
  const parsed = parseEnvironment(plannerEnvironment, env);
  return {
    bucket: parsed.RESULTS_BUCKET,
    finalizeAfterMinutes: parsed.REPORTS_FINALIZE_AFTER_MINUTES,
    s3: { region: parsed.AWS_REGION, endpoint: parsed.S3_ENDPOINT },
  };
}

/** Settings of the local stack (never deployed): an external broker to use instead of starting one. */
export interface LocalStackConfig {
  externalBrokers: string[] | undefined;
  /** How to sign in to the external broker (KAFKA_SECURITY_PROTOCOL=SASL_SSL and its KAFKA_SASL_*, KAFKA_SSL_CA_PEM). */
  externalAuth: Pick<KafkaSettings, 'ssl' | 'sasl'>;
}

/**
 * Parses the local stack's settings: `KAFKA_BROKERS`, when set, points the local stack at that broker, in
 * plaintext or, with `KAFKA_SECURITY_PROTOCOL=SASL_SSL`, with the credentials and CA the producers would use.
 */
export function loadLocalStackConfig(env: Environment = process.env): LocalStackConfig {
  const { KAFKA_BROKERS: _brokers, KAFKA_TOPIC: _topic, ...security } = kafkaEnvironment;
  const parsed = parseEnvironment(z.object({ KAFKA_BROKERS: brokerList.optional(), ...security }), env);
  const { ssl, sasl } = kafkaSettings({ ...parsed, KAFKA_BROKERS: [], KAFKA_TOPIC: '' });
  return {
    externalBrokers: parsed.KAFKA_BROKERS,
    externalAuth: { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) },
  };
}

/**
 * Sets environment variables for handlers loaded in this process afterwards. The local stack and the
 * integration tests use it to give the real handler modules the settings Lambda would give them.
 */
export function provideEnvironment(values: Record<string, string>): void {
  Object.assign(process.env, values);
}
