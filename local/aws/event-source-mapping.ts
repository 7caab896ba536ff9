import type { Consumer, ConsumerConfig, ConsumerRunConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaEventBatch, KafkaEventRecord } from '../../lib/contract/kafka-event';
import { encodeHeaders } from '../../lib/contract/kafka-event';
import type { KafkaAuth } from '../../lib/kafka/client';
import { localKafkaClient } from '../services/kafka/client';
import { untilReady } from '../services/kafka/readiness';
import type { PartitionOffsets } from '../services/kafka/topic';

/** The settings of a self-managed Kafka event source mapping, as serverless.yml's `kafka` event gives them. */
export interface MappingSettings {
  brokers: string[];
  /** SASL_SSL: the CA and the SCRAM user the mapping signs in with (AWS: its access configurations). */
  auth?: KafkaAuth | undefined;
  topic: string;
  consumerGroupId: string;
  batchSize: number;
  batchingWindowMs: number;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Invocations of one batch before the mapping gives up and stops (AWS retries until records expire). */
  maxAttempts: number;
  /**
   * For a new consumer group, the offsets to start from instead of the starting position: a mapping created
   * at that moment, seeing only what comes after (the pipeline's own window on a topic that already holds ticks).
   */
  startAt?: PartitionOffsets;
}

export interface MappingStats {
  invocations: number;
  failedInvocations: number;
  records: number;
}

export interface LocalEventSourceMapping {
  stats: MappingStats;
  /** The next offset to deliver per partition, as committed after successful invocations. */
  committed(): PartitionOffsets;
  /** Resolves once every partition's committed offset reaches `target`; rejects if the mapping gave up. */
  waitFor(target: PartitionOffsets, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the event Lambda delivers for some records of one partition: base64 key/value, byte-array headers. */
export function buildKafkaEvent(params: {
  brokers: string[];
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}): KafkaEventBatch {
  const { brokers, topic, partition, messages } = params;
  const records: KafkaEventRecord[] = messages.map((message) => ({
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: 'CREATE_TIME',
    ...(message.key === null ? {} : { key: message.key.toString('base64') }),
    value: message.value === null ? null : message.value.toString('base64'),
    headers: encodeHeaders(
      Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([name, value]) => [
          name,
          Array.isArray(value) ? value[0] : value,
        ]),
      ),
    ),
  }));
  return {
    eventSource: 'SelfManagedKafka',
    bootstrapServers: brokers.join(','),
    records: { [`${topic}-${partition}`]: records },
  };
}

/**
 * The waits between restarts of the mapping's consumer: 1 s, 2 s, 4 s… capped at 10 s while restarts keep failing,
 * and 1 s again after `reset()` (a consumer that joined its group).
 */
export function restartBackoff(): { next(): number; reset(): void } {
  let failures = 0;
  return {
    next() {
      failures++;
      return Math.min(10_000, 1000 * 2 ** Math.min(failures - 1, 4));
    },
    reset() {
      failures = 0;
    },
  };
}

/**
 * A local stand-in for Lambda's self-managed Kafka event source mapping. It polls the topic with a consumer
 * group, invokes the handler with batches of at most `batchSize` records of one partition, commits the offset
 * after the last record only when the handler succeeds, and when it throws, retries from the committed offset,
 * with a smaller batch each time (AWS may change batch boundaries on a retry too).
 */
export async function startEventSourceMapping(params: {
  settings: MappingSettings;
  handler: (event: KafkaEventBatch) => Promise<unknown>;
  log?: (line: string) => void;
  /** The client its admin and consumers come from; by default one signed in to `settings.brokers`. */
  kafka?: Pick<Kafka, 'admin' | 'consumer'>;
}): Promise<LocalEventSourceMapping> {
  const { settings, handler, log = () => undefined } = params;
  const kafka =
    params.kafka ??
    localKafkaClient({
      clientId: 'tickstream-local-esm',
      brokers: settings.brokers,
      auth: settings.auth,
    });
  const consumerConfig: ConsumerConfig = {
    groupId: settings.consumerGroupId,
    maxWaitTimeInMs: settings.batchingWindowMs,
    // Wait for about a full batch (ticks are ~300 bytes) or the window, like the mapping's batching window.
    minBytes: settings.batchSize * 300,
    maxBytesPerPartition: Math.max(1_048_576, settings.batchSize * 600),
    // kafkajs heartbeats between fetches, and a fetch waits up to the window: the group must not drop the member
    // while it waits (at the default 30 s session, a 60 s window would never deliver a batch).
    sessionTimeout: Math.max(30_000, settings.batchingWindowMs * 2 + 10_000),
    rebalanceTimeout: Math.max(60_000, settings.batchingWindowMs * 2 + 10_000),
  };
  const committed: PartitionOffsets = new Map();
  const stats: MappingStats = { invocations: 0, failedInvocations: 0, records: 0 };
  let failure: Error | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };

  const invoke = async (partition: number, messages: KafkaMessage[]) => {
    stats.invocations++;
    try {
      await handler(
        buildKafkaEvent({ brokers: settings.brokers, topic: settings.topic, partition, messages }),
      );
      return undefined;
    } catch (error) {
      stats.failedInvocations++;
      return error as Error;
    }
  };

  // Start from the group's committed offsets, as a mapping that was already running would.
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A fresh broker answers "not the coordinator" until its offsets topic is loaded.
    const [existing] = await untilReady(
      `committed offsets of group ${settings.consumerGroupId}`,
      () => admin.fetchOffsets({ groupId: settings.consumerGroupId, topics: [settings.topic] }),
      10_000,
    );
    for (const { partition, offset } of existing?.partitions ?? []) {
      if (BigInt(offset) >= 0n) committed.set(partition, BigInt(offset));
    }
    // A new group given where to start: its consumers seek there (below). kafkajs' admin.setOffsets would join the
    // group with a consumer of its own and wait out a whole empty fetch (5 s) before it returns.
    if (committed.size === 0 && settings.startAt)
      for (const [partition, offset] of settings.startAt) committed.set(partition, offset);
  } finally {
    await admin.disconnect();
  }

  /** One batch handler per consumer: it commits through the consumer that fetched the batch. */
  const runConfig = (consumer: Consumer): ConsumerRunConfig => ({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Like the AWS mapping, partitions are processed concurrently; each one strictly in order.
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale, pause }) => {
      const { partition, messages } = batch;
      let start = 0;
      while (start < messages.length && isRunning() && !isStale() && failure === undefined) {
        let size = Math.min(settings.batchSize, messages.length - start);
        let attempt = 1;
        let error = await invoke(partition, messages.slice(start, start + size));
        while (error !== undefined && attempt < settings.maxAttempts) {
          attempt++;
          size = Math.max(1, Math.ceil(size / 2));
          log(
            `partition ${partition}: batch from offset ${messages[start]?.offset} failed (${error.message}); retry ${attempt} with ${size} records`,
          );
          error = await invoke(partition, messages.slice(start, start + size));
        }
        if (error !== undefined) {
          failure = new Error(
            `partition ${partition}: batch from offset ${messages[start]?.offset} failed ${attempt} times; last error: ${error.message}`,
            { cause: error },
          );
          log(failure.message);
          pause();
          notify();
          return;
        }
        const last = messages[start + size - 1] as KafkaMessage;
        const next = BigInt(last.offset) + 1n;
        await consumer.commitOffsets([{ topic: settings.topic, partition, offset: String(next) }]);
        resolveOffset(last.offset);
        committed.set(partition, next);
        stats.records += size;
        start += size;
        notify();
        await heartbeat();
      }
    },
  });

  // Lambda's mapping keeps polling through a broker's stall or restart. kafkajs restarts its consumer after a
  // retriable crash only: after a stall longer than the session timeout the group has dropped the member
  // ("The coordinator is not aware of this member", not retriable) and the consumer stops. The mapping then
  // starts a new one, which rejoins the group and resumes from the committed offsets.
  let consumer: Consumer | undefined;
  let stopped = false;
  let lastConsumerError: Error | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  const backoff = restartBackoff();
  const startConsumer = async (): Promise<void> => {
    const current = kafka.consumer(consumerConfig);
    consumer = current;
    // A consumer that joined its group has recovered: the next stall starts the backoff afresh.
    current.on(current.events.GROUP_JOIN, () => backoff.reset());
    current.on(current.events.CRASH, ({ payload }) => {
      lastConsumerError = payload.error;
      if (payload.restart) return;
      log(`mapping ${settings.topic}: its consumer stopped (${payload.error.message}); starting a new one`);
      scheduleRestart();
    });
    // A request the broker never answered (a stalled broker) is the likeliest reason a run cannot finish.
    current.on(current.events.REQUEST_TIMEOUT, ({ payload }) => {
      lastConsumerError = new Error(
        `${payload.apiName} request to ${payload.broker} timed out after ${payload.pendingDuration} ms`,
      );
    });
    await current.connect();
    await current.subscribe({
      topic: settings.topic,
      fromBeginning: settings.startingPosition === 'TRIM_HORIZON',
    });
    await current.run(runConfig(current));
    // Each consumer resumes from the mapping's committed offsets (what it committed to the group, or where a new
    // group was told to start): seeking there changes nothing for a group that has committed them, and starts a new
    // one where it was told. With autoCommit off, a seek commits nothing.
    for (const [partition, offset] of committed)
      current.seek({ topic: settings.topic, partition, offset: String(offset) });
    // Stopped while this one was starting: stop it too.
    if (stopped) await current.disconnect();
  };
  const scheduleRestart = () => {
    if (stopped) return;
    const delayMs = backoff.next();
    restartTimer = setTimeout(() => {
      if (stopped) return;
      void consumer?.disconnect().catch(() => undefined);
      startConsumer().catch((error: unknown) => {
        lastConsumerError = error as Error;
        scheduleRestart();
      });
    }, delayMs);
  };
  await startConsumer();

  return {
    stats,
    committed: () => new Map(committed),
    waitFor(target, timeoutMs = 120_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (failure) {
            cleanup();
            reject(failure);
            return;
          }
          for (const [partition, offset] of target) {
            if (offset > 0n && (committed.get(partition) ?? -1n) < offset) return;
          }
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          const last = lastConsumerError ? ` (its consumer's last error: ${lastConsumerError.message})` : '';
          reject(new Error(`the mapping did not reach the target offsets within ${timeoutMs} ms${last}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      await consumer?.disconnect();
    },
  };
}
