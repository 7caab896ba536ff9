import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DataLayout } from './data-layout';

/** Every object under a prefix: its key, size and gunzipped NDJSON lines. */
export async function readObjects(params: { client: S3Client; bucket: string; prefix: string }) {
  const { client, bucket, prefix } = params;
  const objects: { key: string; size: number; lines: string[] }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const entry of page.Contents ?? []) {
      if (!entry.Key) continue;
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: entry.Key }));
      const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      const lines = gunzipSync(body).toString('utf8').split('\n').filter(Boolean);
      objects.push({ key: entry.Key, size: body.length, lines });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

export interface LandedAudit {
  objects: number;
  bytes: number;
  /** Lines across all raw objects. */
  landed: number;
  /** Distinct ticks by (symbol, timestamp): equal to `landed` when nothing is duplicated. */
  distinct: number;
  /**
   * Distinct Kafka records by their lineage (topic, partition, offset): what landed at least once. Unlike
   * `distinct` it never merges two ticks whose millisecond timestamps collide (above 1,000 ticks/s a symbol).
   */
  records: number;
  quarantined: number;
  quarantineObjects: number;
}

/** Counts what the data bucket holds: raw ticks (and how many are distinct) and quarantined records. */
export async function auditDataBucket(params: {
  client: S3Client;
  bucket: string;
  /** Where landed and quarantined ticks are (the stack's data layout). */
  layout: Pick<DataLayout, 'rawPrefix' | 'quarantinePrefix'>;
}): Promise<LandedAudit> {
  const { client, bucket, layout } = params;
  const raw = await readObjects({ client, bucket, prefix: `${layout.rawPrefix}/` });
  const bad = await readObjects({ client, bucket, prefix: `${layout.quarantinePrefix}/` });
  const ids = new Set<string>();
  const records = new Set<string>();
  let landed = 0;
  for (const object of raw) {
    for (const line of object.lines) {
      const tick = JSON.parse(line) as {
        symbol: string;
        timestamp: string;
        kafka_topic: string;
        kafka_partition: number;
        kafka_offset: number;
      };
      ids.add(`${tick.symbol}@${tick.timestamp}`);
      records.add(`${tick.kafka_topic}/${tick.kafka_partition}/${tick.kafka_offset}`);
      landed++;
    }
  }
  return {
    objects: raw.length,
    bytes: raw.reduce((sum, object) => sum + object.size, 0),
    landed,
    distinct: ids.size,
    records: records.size,
    quarantined: bad.reduce((sum, object) => sum + object.lines.length, 0),
    quarantineObjects: bad.length,
  };
}
