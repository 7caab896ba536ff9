import {
  Kafka,
  type KafkaConfig,
  type LogEntry,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { KafkaSettings, SaslCredentials } from '../config';
import { type AnyTick, TICK_SCHEMA_VERSION, type TickSchemaVersion } from '../contract/tick';
import { resolveKafkaSecrets, SecretError, type SecretReader } from '../shared/secrets';

/** Raised when the brokers cannot be reached or refuse a send within the retry budget. */
export class KafkaUnavailableError extends Error {
  constructor(
    readonly brokers: readonly string[],
    operation: string,
    cause: unknown,
  ) {
    super(
      `Kafka brokers ${brokers.join(', ')} could not be reached (${operation}): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = 'KafkaUnavailableError';
  }
}

/**
 * The Kafka messages for some ticks: key = symbol (so a symbol's ticks stay ordered in one partition), and the
 * `schema` header naming the tick version (tick.v1 by default) the consumer validates them against.
 */
export function toTickMessages(params: {
  ticks: readonly AnyTick[];
  source: string;
  schema?: TickSchemaVersion;
}): Message[] {
  const headers = {
    'content-type': 'application/json',
    schema: params.schema ?? TICK_SCHEMA_VERSION,
    source: params.source,
  };
  return params.ticks.map((tick) => ({ key: tick.symbol, value: JSON.stringify(tick), headers }));
}

/** Splits items into consecutive chunks of at most `size`, keeping their order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export interface PublishResult {
  published: number;
  sends: number;
}

/** Publishes ticks to one topic; one instance per module, reused across invocations. */
export interface TickPublisher {
  readonly topic: string;
  publish(params: {
    ticks: readonly AnyTick[];
    source: string;
    schema?: TickSchemaVersion;
  }): Promise<PublishResult>;
  disconnect(): Promise<void>;
}

/** The slice of a kafkajs producer the publisher uses, so tests can inject their own. */
export type TickProducer = Pick<Producer, 'connect' | 'send' | 'disconnect'>;

/** The slice of a structured logger (Powertools') that kafkajs logs go to. */
export interface KafkaLogTarget {
  error(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  debug(message: string, extra: Record<string, unknown>): void;
}

// kafkajs' own table of protocol errors (it has no public export of it; 2.2.4 is its final release). The
// retriable ones are states a client waits out: a fresh broker's "coordinator is loading", a leader election.
const { errorCodes } = require('kafkajs/src/protocol/error') as {
  errorCodes: { message: string; retriable: boolean }[];
};
const RETRIABLE_MESSAGES = new Set(errorCodes.filter((code) => code.retriable).map((code) => code.message));

/**
 * Whether a kafkajs ERROR log line reports a state kafkajs retries by itself: a retriable protocol error, or a
 * connection attempt with retries left. If the retries run out, the call fails and the caller reports it.
 */
export function isTransientKafkaLog(log: Record<string, unknown>): boolean {
  const error = typeof log.error === 'string' ? log.error : '';
  return RETRIABLE_MESSAGES.has(error) || log.retryCount !== undefined;
}

/**
 * A kafkajs `logCreator` that sends its logs to a structured logger at their own level, except that ERROR lines
 * for transient states (see isTransientKafkaLog) are warnings: nothing has failed yet.
 */
export function kafkaLogCreator(target: KafkaLogTarget) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const fields = { logger: 'kafkajs', namespace, ...extra };
      if (level === logLevel.ERROR && !isTransientKafkaLog(extra)) target.error(message, fields);
      else if (level <= logLevel.WARN) target.warn(message, fields);
      else if (level === logLevel.INFO) target.info(message, fields);
      else target.debug(message, fields);
    };
}

/**
 * A kafkajs client with a bounded connect/retry budget taken from the settings; its logs go to `logger` (the
 * function's), or nowhere.
 */
export function createKafkaClient(settings: KafkaSettings, logger?: KafkaLogTarget): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    retry: { retries: settings.retries, initialRetryTime: 200, maxRetryTime: 2000 },
    ...kafkaAuthOptions(settings),
    ...(logger
      ? { logLevel: logLevel.INFO, logCreator: kafkaLogCreator(logger) }
      : { logLevel: logLevel.NOTHING }),
  });
}

/** How a client proves itself to a SASL_SSL listener: TLS (with the private CA to trust) and a SASL user. */
export interface KafkaAuth {
  ssl?: { ca?: string[] } | undefined;
  sasl?: SaslCredentials | undefined;
}

/** The kafkajs options for an auth (none for plaintext). */
export function kafkaAuthOptions(auth: KafkaAuth | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(auth?.ssl ? { ssl: auth.ssl.ca ? { ca: auth.ssl.ca } : true } : {}),
    ...(auth?.sasl ? { sasl: auth.sasl } : {}),
  };
}

/** An idempotent producer that waits for all in-sync replicas (acks=all), so a retried send never duplicates. */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Murmur2 on the key, as the Java client partitions: a symbol's partition does not depend on the client.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/**
 * Creates a publisher that connects on first use, sends in batches of `batchSize` messages in order, and
 * reconnects on the next call after a failure. Settings that name Secrets Manager secrets are resolved with
 * `readSecret` before the first connection, once; a failed connection reads them again the next time (a rotated
 * password). Errors name the brokers.
 */
export function createTickPublisher(params: {
  settings: KafkaSettings;
  /** Reads the secrets the settings name (required when they name any). */
  readSecret?: SecretReader;
  /** Makes the producer for the resolved settings (secrets read); by default kafkajs' idempotent producer. */
  createProducer?: (settings: KafkaSettings) => TickProducer;
  batchSize?: number;
  /** Where the kafkajs client logs (the function's logger); without it, nowhere. */
  logger?: KafkaLogTarget;
}): TickPublisher {
  const { settings, batchSize = 500 } = params;
  if (settings.secrets && !params.readSecret)
    throw new Error('the Kafka settings name Secrets Manager secrets but no secret reader was given');
  let producer: Promise<TickProducer> | undefined;
  let connection: Promise<TickProducer> | undefined;

  const createProducer = async (): Promise<TickProducer> => {
    const resolved = params.readSecret
      ? await resolveKafkaSecrets({ settings, readSecret: params.readSecret })
      : settings;
    return params.createProducer
      ? params.createProducer(resolved)
      : createIdempotentProducer(createKafkaClient(resolved, params.logger));
  };

  const connect = (): Promise<TickProducer> => {
    connection ??= (async () => {
      producer ??= createProducer();
      const current = await producer;
      await current.connect();
      return current;
    })().catch((error: unknown) => {
      connection = undefined;
      // A new client next time: it reads the secrets again, in case the password was rotated.
      producer = undefined;
      if (error instanceof SecretError) throw error;
      throw new KafkaUnavailableError(settings.brokers, 'connect', error);
    });
    return connection;
  };

  return {
    topic: settings.topic,
    async publish({ ticks, source, schema }) {
      if (ticks.length === 0) return { published: 0, sends: 0 };
      const connected = await connect();
      const batches = chunk(toTickMessages({ ticks, source, ...(schema ? { schema } : {}) }), batchSize);
      for (const messages of batches) {
        try {
          await connected.send({ topic: settings.topic, acks: -1, messages });
        } catch (error) {
          connection = undefined;
          await connected.disconnect().catch(() => undefined);
          throw new KafkaUnavailableError(settings.brokers, `send to topic ${settings.topic}`, error);
        }
      }
      return { published: ticks.length, sends: batches.length };
    },
    async disconnect() {
      if (connection === undefined) return;
      const current = connection;
      connection = undefined;
      const connected = await current.catch(() => undefined);
      await connected?.disconnect();
    },
  };
}
