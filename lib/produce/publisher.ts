import {
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type ProducerRecord,
  type RecordMetadata,
} from 'kafkajs';
import { type AnyTick, TICK_SCHEMA_VERSION, type TickSchemaVersion } from '../contract/tick';
import { createKafkaClient, type KafkaLogTarget } from '../kafka/client';
import { resolveKafkaSecrets } from '../kafka/secrets';
import type { KafkaSettings } from '../kafka/settings';
import { ConfigError } from '../shared/environment';
import { DeadlineExceededError, TickstreamError } from '../shared/errors';
import { SecretError, type SecretReader } from '../shared/secrets';

/**
 * Raised when the brokers cannot be reached or refuse a send within the retry budget. Retriable: the invocation
 * that raised it is retried (EventBridge, Lambda) with a new producer session.
 */
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
      { cause, retriable: true },
    );
    this.name = 'KafkaUnavailableError';
  }
}

/** Some partitions of a send were still unanswered after every round of re-sending them; a later send may succeed. */
export class PartitionsNotAcknowledgedError extends TickstreamError {
  override name = 'PartitionsNotAcknowledgedError';
  constructor(
    readonly topic: string,
    readonly partitions: readonly (number | undefined)[],
    rounds: number,
  ) {
    super(
      `partitions ${partitions.join(', ')} of topic ${topic} were not acknowledged after ${rounds} sends`,
      {
        retriable: true,
      },
    );
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

// kafkajs' backoff between a send's attempts: each wait is the previous one, randomized by ±factor, times
// multiplier, capped at maxRetryTime (kafkajs/src/retry/index.js).
const SEND_BACKOFF = { initialRetryTime: 300, maxRetryTime: 2000, factor: 0.2, multiplier: 2 } as const;

/**
 * How many times kafkajs may retry one send so that its waits, each at its longest, add up to at most half of
 * `sendTimeoutMs` (the other half is for the attempts themselves). At least 1: kafkajs refuses an idempotent
 * producer that may not retry.
 */
export function sendRetries(sendTimeoutMs: number): number {
  const { initialRetryTime, maxRetryTime, factor, multiplier } = SEND_BACKOFF;
  let retries = 0;
  let waited = 0;
  let longest = Math.min(initialRetryTime * (1 + factor), maxRetryTime);
  while (waited + longest <= sendTimeoutMs / 2) {
    waited += longest;
    retries += 1;
    longest = Math.min(longest * (1 + factor) * multiplier, maxRetryTime);
  }
  return Math.max(1, retries);
}

/**
 * Sends `messages` and, for every partition whose acknowledgement is missing from the result, sends that
 * partition's messages again (at most `rounds` sends in all), through the same producer.
 *
 * Why: kafkajs 2.2.4 keeps one response per broker across a send's retries (src/producer/sendMessages.js,
 * `responsePerBroker`). When a partition's leader dies mid-send and the partition moves to a broker that has
 * already answered for its own partitions, the retry sends nothing for the moved partition, and `send` resolves
 * without it: its messages are silently dropped (seen here killing a leader of a three-broker cluster,
 * test/integration/broker-failover.test.ts; the same shared map is the subject of kafkajs pull request #1798).
 * Each message's partition comes from `partitionOf` (what the partitioner chose); the re-send keeps the producer
 * session, so the idempotent sequence numbers make a batch the dead leader had replicated a duplicate the new
 * leader drops.
 */
export async function sendToEveryPartition(
  producer: Pick<Producer, 'send'>,
  record: ProducerRecord,
  partitionOf: (message: Message) => number | undefined,
  rounds = 3,
): Promise<RecordMetadata[]> {
  const acknowledged: RecordMetadata[] = [];
  let pending = record.messages;
  for (let round = 1; ; round++) {
    const result = await producer.send({ ...record, messages: pending });
    acknowledged.push(...result);
    const answered = new Set(result.map((metadata) => metadata.partition));
    const unanswered = pending.filter((message) => {
      const partition = partitionOf(message);
      return partition !== undefined && !answered.has(partition);
    });
    if (unanswered.length === 0) return acknowledged;
    const partitions = [...new Set(unanswered.map(partitionOf))].sort((a, b) => Number(a) - Number(b));
    if (round >= rounds) throw new PartitionsNotAcknowledgedError(record.topic, partitions, rounds);
    pending = unanswered;
  }
}

/**
 * An idempotent producer that waits for all in-sync replicas (acks=all) with one request in flight: while a send
 * retries, the broker drops the batches it already has, so kafkajs' own retries never duplicate or reorder.
 * Those retries are counted (`sendRetries`), so a send that cannot succeed ends by itself, before the publisher's
 * deadline: kafkajs offers no way to stop a send, and an uncounted one would go on retrying after the invocation
 * failed, in the next invocation's container. The invocation is then retried with a new producer session, which
 * may write a batch Kafka already had: delivery into Kafka is at least once, and the reports count each tick
 * once by identity (docs/architecture.md). That is what kafkajs' creation warning "limiting retries for the
 * idempotent producer may invalidate EoS guarantees" is about, so the log adapter keeps it at debug.
 * Every send checks that each partition it wrote to acknowledged (`sendToEveryPartition`).
 */
export function createIdempotentProducer(kafka: Kafka, sendTimeoutMs: number): TickProducer {
  // The partition the partitioner chose for each message object (kafkajs passes the caller's objects through).
  const chosen = new WeakMap<Message, number>();
  const producer = kafka.producer({
    idempotent: true,
    retry: { ...SEND_BACKOFF, retries: sendRetries(sendTimeoutMs) },
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Murmur2 on the key, as the Java client partitions: a symbol's partition does not depend on the client.
    createPartitioner: () => {
      const murmur2 = Partitioners.DefaultPartitioner();
      return (args) => {
        const partition = murmur2(args);
        chosen.set(args.message, partition);
        return partition;
      };
    },
  });
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    send: (record) => sendToEveryPartition(producer, record, (message) => chosen.get(message)),
  };
}

/** The promise's outcome, or a rejection with `reason` once `ms` have passed (the timer never holds the process). */
function withDeadline<T>(promise: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(reason, ms)), ms);
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
    throw new ConfigError(['the Kafka settings name Secrets Manager secrets but no secret reader was given']);
  let producer: Promise<TickProducer> | undefined;
  let connection: Promise<TickProducer> | undefined;

  const createProducer = async (): Promise<TickProducer> => {
    const resolved = params.readSecret
      ? await resolveKafkaSecrets({ settings, readSecret: params.readSecret })
      : settings;
    return params.createProducer
      ? params.createProducer(resolved)
      : createIdempotentProducer(createKafkaClient(resolved, params.logger), resolved.sendTimeoutMs);
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
      const batches = chunk(toTickMessages({ ticks, source, schema }), batchSize);
      for (const messages of batches) {
        try {
          await withDeadline(
            connected.send({ topic: settings.topic, acks: -1, messages }),
            settings.sendTimeoutMs,
            `no acknowledgement within ${settings.sendTimeoutMs} ms`,
          );
        } catch (error) {
          connection = undefined;
          // A new client next time: this one's send may still be in its last attempt.
          producer = undefined;
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
