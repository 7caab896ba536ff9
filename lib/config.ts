import { z } from 'zod';
import { type AlphaVantageSettings, liveRequestsPerInvocation } from './market/alphavantage/source';
import { MARKET_SOURCES } from './market/source';

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

/** Variables whose values never appear in an error message. */
const SECRET_VARIABLES = new Set(['KAFKA_SASL_PASSWORD', 'ALPHA_VANTAGE_API_KEY']);

/** Where the producers' ticks come from, and how the Alpha Vantage adapter paces and times its requests. */
const marketEnvironment = {
  MARKET_SOURCE: z.enum(MARKET_SOURCES).default('simulated'),
  /** The Secrets Manager secret holding the key (a plain string or `{"apiKey": "…"}`)… */
  ALPHA_VANTAGE_KEY_SECRET_ID: z.string().min(1).optional(),
  /** …or the key itself (local runs only). */
  ALPHA_VANTAGE_API_KEY: z.string().min(1).optional(),
  ALPHA_VANTAGE_BASE_URL: z.url().default('https://www.alphavantage.co/query'),
  ALPHA_VANTAGE_CALLS_PER_MINUTE: positiveInt(75, 10_000),
  ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE: positiveInt(1, 10_000),
  PRODUCER_SCHEDULE_GROUPS: positiveInt(1, 100),
  ALPHA_VANTAGE_TIMEOUT_MS: positiveInt(10_000, 60_000),
  ALPHA_VANTAGE_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS: positiveInt(120, 366 * 86_400),
  ALPHA_VANTAGE_BACKFILL_TIME_BUDGET_SECONDS: positiveInt(780, 900),
};

const producerEnvironment = z.object({
  ...kafkaEnvironment,
  ...marketEnvironment,
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
function kafkaSettings(parsed: {
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC: string;
  KAFKA_CLIENT_ID: string;
  KAFKA_CONNECT_TIMEOUT_MS: number;
  KAFKA_REQUEST_TIMEOUT_MS: number;
  KAFKA_RETRIES: number;
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

/** The market source of a stage: the simulator, or Alpha Vantage with its key and pacing. */
export type MarketSettings =
  | { source: 'simulated' }
  | {
      source: 'alphavantage';
      /** The key's Secrets Manager secret, or (local runs) the key itself. */
      apiKey: { secretId: string } | { value: string };
      alphaVantage: AlphaVantageSettings;
    };

/** The market part of the producers' settings; alphavantage without a key, or with two, fails naming them. */
function marketSettings(parsed: z.output<z.ZodObject<typeof marketEnvironment>>): MarketSettings {
  if (parsed.MARKET_SOURCE === 'simulated') return { source: 'simulated' };
  const problems: string[] = [];
  const secretId = parsed.ALPHA_VANTAGE_KEY_SECRET_ID;
  const value = parsed.ALPHA_VANTAGE_API_KEY;
  if (secretId && value)
    problems.push('ALPHA_VANTAGE_KEY_SECRET_ID and ALPHA_VANTAGE_API_KEY are both set: set one');
  else if (!secretId && !value)
    problems.push(
      'ALPHA_VANTAGE_KEY_SECRET_ID (or ALPHA_VANTAGE_API_KEY) is required with MARKET_SOURCE=alphavantage',
    );
  const alphaVantage: AlphaVantageSettings = {
    baseUrl: parsed.ALPHA_VANTAGE_BASE_URL,
    callsPerMinute: parsed.ALPHA_VANTAGE_CALLS_PER_MINUTE,
    backfillCallsPerMinute: parsed.ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE,
    scheduleGroups: parsed.PRODUCER_SCHEDULE_GROUPS,
    timeoutMs: parsed.ALPHA_VANTAGE_TIMEOUT_MS,
    retries: parsed.ALPHA_VANTAGE_RETRIES,
    maxQuoteDelayMs: parsed.ALPHA_VANTAGE_MAX_QUOTE_DELAY_SECONDS * 1000,
    backfillTimeBudgetMs: parsed.ALPHA_VANTAGE_BACKFILL_TIME_BUDGET_SECONDS * 1000,
  };
  const live = parsed.ALPHA_VANTAGE_CALLS_PER_MINUTE - parsed.ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE;
  if (liveRequestsPerInvocation(alphaVantage) < 1)
    problems.push(
      `ALPHA_VANTAGE_CALLS_PER_MINUTE=${parsed.ALPHA_VANTAGE_CALLS_PER_MINUTE} leaves ${live} request(s) a minute after ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE=${parsed.ALPHA_VANTAGE_BACKFILL_CALLS_PER_MINUTE}: fewer than the ${parsed.PRODUCER_SCHEDULE_GROUPS} schedule group(s) (PRODUCER_SCHEDULE_GROUPS) need, one each`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    source: 'alphavantage',
    apiKey: secretId ? { secretId } : { value: value as string },
    alphaVantage,
  };
}

export interface ProducerConfig {
  kafka: KafkaSettings;
  /** Where the ticks come from (`MARKET_SOURCE`). */
  market: MarketSettings;
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
      if (present[name] === undefined) return `${name} is required but not set`;
      const shown = SECRET_VARIABLES.has(name) ? '(value hidden)' : JSON.stringify(present[name]);
      return `${name}=${shown} is invalid: ${issue.message}`;
    }),
  );
}

/** Parses the producer functions' settings from an environment (default: this process's). */
export function loadProducerConfig(env: Environment = process.env): ProducerConfig {
  const parsed = parseEnvironment(producerEnvironment, env);
  return {
    kafka: kafkaSettings(parsed),
    market: marketSettings(parsed),
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
  const { ssl, sasl, secrets } = kafkaSettings({ ...parsed, KAFKA_BROKERS: [], KAFKA_TOPIC: '' });
  if (secrets)
    throw new ConfigError([
      'the local stack reads no Secrets Manager secrets: give KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SSL_CA_PEM instead of KAFKA_SASL_SECRET_ID/KAFKA_SSL_CA_SECRET_ID',
    ]);
  return {
    externalBrokers: parsed.KAFKA_BROKERS,
    externalAuth: { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) },
  };
}

/**
 * Sets environment variables for handlers loaded in this process afterwards. The local stack and the
 * integration tests use it to give the real handler modules the settings Lambda would give them. Returns a
 * function that puts back what was there before (a second stack in the same process starts clean).
 */
export function provideEnvironment(values: Record<string, string>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
