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

/** Every record of a batch, partition by partition, each partition in offset order. */
export function recordsOf(batch: KafkaEventBatch): KafkaEventRecord[] {
  return Object.values(batch.records ?? {}).flat();
}

/** Encodes header strings the way Lambda delivers them: `[{ name: [bytes] }]`. */
export function encodeHeaders(
  headers: Record<string, string | Buffer | undefined>,
): Record<string, number[]>[] {
  return Object.entries(headers)
    .filter((entry): entry is [string, string | Buffer] => entry[1] !== undefined)
    .map(([name, value]) => ({ [name]: [...Buffer.from(value)] }));
}
