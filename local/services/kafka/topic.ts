import type { KafkaMessage } from 'kafkajs';
import type { KafkaAuth } from '../../../lib/kafka/client';
import { localKafkaClient } from './client';

/** The next offset to be written, per partition. */
export type PartitionOffsets = Map<number, bigint>;

function admin(brokers: string[], auth: KafkaAuth | undefined) {
  return localKafkaClient({ clientId: 'tickstream-local-reader', brokers, auth }).admin();
}

/** Each partition's high watermark: where the next message will be written. */
export async function endOffsets(params: {
  brokers: string[];
  topic: string;
  auth?: KafkaAuth | undefined;
}): Promise<PartitionOffsets> {
  const client = admin(params.brokers, params.auth);
  await client.connect();
  try {
    const offsets = await client.fetchTopicOffsets(params.topic);
    return new Map(offsets.map((entry) => [entry.partition, BigInt(entry.high)]));
  } finally {
    await client.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: bigint;
  message: KafkaMessage;
}

/**
 * Reads every message between two offset snapshots of a topic (from inclusive, to exclusive), without a
 * consumer group, so nothing is committed and the read can be repeated.
 */
export async function readBetween(params: {
  brokers: string[];
  auth?: KafkaAuth | undefined;
  topic: string;
  from: PartitionOffsets;
  to: PartitionOffsets;
  timeoutMs?: number;
}): Promise<ReadMessage[]> {
  const { brokers, topic, from, to, timeoutMs = 60_000 } = params;
  const remaining = new Map<number, bigint>();
  for (const [partition, end] of to) {
    const start = from.get(partition) ?? 0n;
    if (end > start) remaining.set(partition, end);
  }
  const messages: ReadMessage[] = [];
  if (remaining.size === 0) return messages;

  const kafka = localKafkaClient({ clientId: 'tickstream-local-reader', brokers, auth: params.auth });
  const consumer = kafka.consumer({ groupId: `tickstream-reader-${process.pid}-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `read ${messages.length} messages of ${topic}; partitions ${[...remaining.keys()]} not finished in ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const end = remaining.get(partition);
            const offset = BigInt(message.offset);
            if (end === undefined || offset >= end || offset < (from.get(partition) ?? 0n)) return;
            messages.push({ partition, offset, message });
            if (offset + 1n >= end) remaining.delete(partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Where a partition lives: its leader's node id, its replicas and those in sync with the leader. */
export interface PartitionReplicas {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** Each partition's leader, replicas and in-sync replicas, as the cluster's metadata says now. */
export async function partitionReplicas(params: {
  brokers: string[];
  topic: string;
  auth?: KafkaAuth | undefined;
}): Promise<PartitionReplicas[]> {
  const client = admin(params.brokers, params.auth);
  await client.connect();
  try {
    const metadata = await client.fetchTopicMetadata({ topics: [params.topic] });
    return (metadata.topics[0]?.partitions ?? [])
      .map(({ partitionId, leader, replicas, isr }) => ({ partition: partitionId, leader, replicas, isr }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await client.disconnect();
  }
}
