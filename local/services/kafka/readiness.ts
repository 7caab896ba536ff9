import type { KafkaAuth } from '../../../lib/kafka/client';
import { sleep } from '../../../lib/shared/time';
import { localKafkaClient } from './client';
import { type ClusterShape, clusterShape } from './properties';

/** Producer ids in a row that count as the transaction coordinators being ready. */
const PRODUCER_ID_PROBES = 6;

/** Whether kafkajs says a failed call may succeed if repeated (a fresh broker's transient states). */
function isRetriable(error: unknown): boolean {
  for (
    let cause = error as { retriable?: boolean; originalError?: unknown; cause?: unknown } | undefined;
    cause;
  ) {
    if (cause.retriable === true) return true;
    cause = (cause.originalError ?? cause.cause) as typeof cause;
  }
  return false;
}

/**
 * Repeats `check` while it fails with a retriable Kafka error, every 200 ms, for at most `timeoutMs`; any
 * other error, or the last retriable one past the budget, is thrown.
 */
export async function untilReady<T>(what: string, check: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (Date.now() >= deadline)
        throw new Error(`Kafka was not ready within ${timeoutMs} ms: ${what}: ${(error as Error).message}`, {
          cause: error,
        });
      await sleep(200);
    }
  }
}

/**
 * Creates the topic with the given partitions unless it exists, then waits until the broker can serve it: every
 * partition has a leader that answers offset requests, the group coordinator answers and an idempotent producer
 * gets its id (a fresh broker first says "not the leader" and "the coordinator is loading"). Transient states are waited out for at most
 * `timeoutMs`, never reported as errors.
 */
export async function ensureTopic(params: {
  brokers: string[];
  auth?: KafkaAuth | undefined;
  topic: string;
  partitions: number;
  /** The cluster's copies of each partition and min.insync.replicas, set on the topic (default: one node's). */
  shape?: ClusterShape;
  timeoutMs?: number;
}): Promise<void> {
  const { replicationFactor, minInsyncReplicas } = params.shape ?? clusterShape(1);
  const { topic, timeoutMs = 60_000 } = params;
  const kafka = localKafkaClient({
    clientId: 'tickstream-local-admin',
    brokers: params.brokers,
    auth: params.auth,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await untilReady('list topics', () => admin.listTopics(), timeoutMs);
    if (!existing.includes(topic)) {
      await untilReady(
        `create topic ${topic}`,
        () =>
          admin.createTopics({
            topics: [
              {
                topic,
                numPartitions: params.partitions,
                replicationFactor,
                configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
              },
            ],
            waitForLeaders: true,
          }),
        timeoutMs,
      );
    }
    await untilReady(
      `leaders of ${topic}`,
      async () => {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        const leaderless = (metadata.topics[0]?.partitions ?? []).filter((partition) => partition.leader < 0);
        if (leaderless.length > 0)
          throw Object.assign(
            new Error(`partitions ${leaderless.map((p) => p.partitionId)} have no leader`),
            {
              retriable: true,
            },
          );
        // Offset requests go to each partition's leader: the call that failed on a fresh broker.
        await admin.fetchTopicOffsets(topic);
      },
      timeoutMs,
    );
    // Committed offsets go through the group coordinator, which loads its topic after start-up.
    await untilReady(
      'the group coordinator',
      () => admin.fetchOffsets({ groupId: 'tickstream-readiness-probe', topics: [topic] }),
      timeoutMs,
    );
    // An idempotent producer's first call (InitProducerId) goes to one broker of the cluster, not always the same,
    // whose transaction coordinator loads its partitions after start-up (a cluster's first producer met "the
    // coordinator is loading"): wait until several producers in a row (each allowed one retry: kafkajs refuses an
    // idempotent producer without) get an id.
    let inARow = 0;
    await untilReady(
      'the producer id coordinators',
      async () => {
        while (inARow < PRODUCER_ID_PROBES) {
          const producer = kafka.producer({
            idempotent: true,
            maxInFlightRequests: 1,
            retry: { retries: 1 },
          });
          try {
            await producer.connect();
            inARow++;
          } catch (error) {
            inARow = 0;
            throw error;
          } finally {
            await producer.disconnect();
          }
        }
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}
