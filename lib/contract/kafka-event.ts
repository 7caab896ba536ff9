import { z } from 'zod';

/**
 * The Lambda self-managed Kafka event, described here without `aws-lambda` types so the domain stays free of
 * them. Keys and values are base64; headers are lists of `{ name: byte[] }`.
 */
export interface KafkaEventRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Producer or broker time of the record, ms since the epoch. */
  timestamp: number;
  timestampType?: string;
  key?: string | null;
  value?: string | null;
  headers?: Record<string, number[]>[];
}

export interface KafkaEventBatch {
  eventSource?: string;
  bootstrapServers?: string;
  /** Records by `topic-partition`, each list in offset order. */
  records: Record<string, KafkaEventRecord[]>;
}

/**
 * What landTicks checks of the mapping's event before landing any of it: the envelope that names where each record
 * came from (topic, partition, offset, time), which the objects' keys and the exactly-once rule rest on. A record's
 * key, value and headers are the producers' and are checked one record at a time when it is decoded: a bad one is
 * quarantined, not a reason to refuse the batch. Fields Lambda may add are let through.
 */
export const KafkaEventSchema = z.looseObject({
  records: z.record(
    z.string(),
    z.array(
      // A plain check, not an object schema: it runs on every record of a batch of thousands, where a schema that
      // copies each record would cost a fifth of landing's own time.
      z.custom<KafkaEventRecord>(
        isRecordEnvelope,
        'not a Kafka record: expected topic (text), partition and offset (whole numbers from 0 to 2^53 - 1) and timestamp (a number)',
      ),
    ),
  ),
});

function isRecordEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { topic, partition, offset, timestamp } = value as Record<string, unknown>;
  return (
    typeof topic === 'string' &&
    topic.length > 0 &&
    Number.isSafeInteger(partition) &&
    (partition as number) >= 0 &&
    // A JSON number past 2^53 has lost its digits: it would name the wrong record.
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0 &&
    typeof timestamp === 'number' &&
    Number.isFinite(timestamp)
  );
}

/** Encodes header strings the way Lambda delivers them: `[{ name: [bytes] }]`. */
export function encodeHeaders(
  headers: Record<string, string | Buffer | undefined>,
): Record<string, number[]>[] {
  return Object.entries(headers)
    .filter((entry): entry is [string, string | Buffer] => entry[1] !== undefined)
    .map(([name, value]) => ({ [name]: [...Buffer.from(value)] }));
}
