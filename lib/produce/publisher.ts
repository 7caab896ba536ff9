import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { type AnyTick, TICK_SCHEMA_VERSION, type TickSchemaVersion } from '../contract/tick';
import { createKafkaClient, type KafkaLogTarget } from '../kafka/client';
import { resolveKafkaSecrets } from '../kafka/secrets';
import type { KafkaSettings } from '../kafka/settings';
import { TickstreamError } from '../shared/errors';
import { SecretError, type SecretReader } from '../shared/secrets';

/** Raised when the brokers cannot be reached or refuse a send within the retry budget. */
export class KafkaUnavailableError extends TickstreamError {
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

/**
 * An idempotent producer that waits for all in-sync replicas (acks=all), so a retried send never duplicates. Its
 * sends retry without a count: kafkajs documents that limiting an idempotent producer's retries may break its
 * exactly-once guarantee (and warns at creation when they are limited). What bounds a send is the publisher's
 * deadline (`sendTimeoutMs`), after which the connection is dropped and the invocation fails; connections keep
 * the client's bounded retries.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    retry: { retries: Number.MAX_SAFE_INTEGER },
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Murmur2 on the key, as the Java client partitions: a symbol's partition does not depend on the client.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** The promise's outcome, or a rejection with `reason` once `ms` have passed (the timer never holds the process). */
function withDeadline<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(reason)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
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
          await withDeadline(
            connected.send({ topic: settings.topic, acks: -1, messages }),
            settings.sendTimeoutMs,
            `no acknowledgement within ${settings.sendTimeoutMs} ms`,
          );
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
